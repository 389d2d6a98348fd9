import { useState } from 'preact/hooks';
import { api, describe } from '../api/client';
import { canSign, signIn, signOut } from '../api/session';
import { ErrorBox, Field } from '../ui/parts';

/**
 * Sign-in with an access key (`nimbus keys create`). The secret is kept in memory
 * for this tab only and never sent: requests are SigV4-signed in the page.
 */
export function SignIn({ onSignedIn }: { onSignedIn(): void }) {
  const [keyId, setKeyId] = useState('');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!canSign()) {
      setError('This page cannot sign requests: open it over https, or on 127.0.0.1 / localhost.');
      return;
    }
    setBusy(true);
    setError(null);
    signIn({ accessKeyId: keyId.trim(), secretAccessKey: secret.trim() });
    try {
      await api('/2015-03-31/functions', { query: { MaxItems: 1 } });
      setSecret('');
      onSignedIn();
    } catch (err) {
      signOut();
      setError(`Sign-in failed: ${describe(err)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="sign-in">
      <h1>Sign in to Nimbus</h1>
      <p class="muted">
        This server has auth on. Use an access key: the server wrote the first one to{' '}
        <code>&lt;data dir&gt;/credentials</code>; make more with <code>nimbus keys create</code>.
        The secret stays in this tab's memory.
      </p>
      <form onSubmit={submit} class="card">
        <Field label="Access key id">
          <input
            name="accessKeyId"
            autoComplete="username"
            required
            value={keyId}
            onInput={(e) => setKeyId(e.currentTarget.value)}
          />
        </Field>
        <Field label="Secret access key">
          <input
            name="secretAccessKey"
            type="password"
            autoComplete="current-password"
            required
            value={secret}
            onInput={(e) => setSecret(e.currentTarget.value)}
          />
        </Field>
        <ErrorBox error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
