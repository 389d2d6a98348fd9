import { useEffect, useState } from 'preact/hooks';
import { api, describe } from './api/client';
import { signedInAs, signOut } from './api/session';
import { CreateFunction } from './pages/create-function';
import { FunctionPage } from './pages/function-page';
import { FunctionsList } from './pages/functions-list';
import { InvocationPage } from './pages/invocation-page';
import { SignIn } from './pages/sign-in';
import { Link, match, useLocation } from './router';
import { ErrorBox, Loading } from './ui/parts';

/** The shell: asks /health whether auth is on, then signs in or shows the pages. */
export function App() {
  const [auth, setAuth] = useState<boolean | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [who, setWho] = useState<string | null>(signedInAs());
  useEffect(() => {
    api<{ auth: boolean }>('/health').then(
      (h) => setAuth(h.auth),
      (e) => setError(describe(e)),
    );
  }, []);
  if (error) return <ErrorBox error={`Cannot reach the Nimbus server: ${error}`} />;
  if (auth === null) return <Loading what="the console" />;
  if (auth && !who) return <SignIn onSignedIn={() => setWho(signedInAs())} />;
  return (
    <>
      <header class="top">
        <Link href="/" class="brand">
          Nimbus
        </Link>
        <nav aria-label="Main">
          <Link href="/">Functions</Link>
          <Link href="/new">Create function</Link>
        </nav>
        {who ? (
          <span class="who">
            <span class="muted">{who}</span>
            <button
              type="button"
              onClick={() => {
                signOut();
                setWho(null);
              }}
            >
              Sign out
            </button>
          </span>
        ) : null}
      </header>
      <main>
        <Pages />
      </main>
    </>
  );
}

function Pages() {
  const { path } = useLocation();
  if (path === '/' || path === '') return <FunctionsList />;
  if (path === '/new') return <CreateFunction />;
  const fn = match('/functions/:name/:tab?', path);
  if (fn) return <FunctionPage name={fn.name!} tab={fn.tab ?? 'overview'} />;
  const inv = match('/invocations/:id', path);
  if (inv) return <InvocationPage id={inv.id!} />;
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is no console page at {path}. <Link href="/">Back to the functions</Link>
      </p>
    </section>
  );
}
