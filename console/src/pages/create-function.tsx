import { useState } from 'preact/hooks';
import { api, seg } from '../api/client';
import { navigate } from '../router';
import { type CodeChoice, CodeSource, initialCode, packCode } from '../ui/code-source';
import { useAction } from '../ui/hooks';
import { ErrorBox, Field, parseEnv } from '../ui/parts';
import { RuntimeSelect } from '../ui/runtime-select';

/** Create a function from an inline one-file handler or a zip. */
export function CreateFunction() {
  const [name, setName] = useState('');
  const [runtime, setRuntime] = useState('nodejs20.x');
  const [handler, setHandler] = useState('index.handler');
  const [memory, setMemory] = useState(128);
  const [timeout, setTimeoutS] = useState(3);
  const [env, setEnv] = useState('');
  const [code, setCode] = useState<CodeChoice>(initialCode('nodejs20.x'));
  const action = useAction();

  const changeRuntime = (r: string) => {
    const family = (x: string) => (x.startsWith('python') ? 'py' : 'node');
    if (family(r) !== family(runtime) && code.mode === 'inline') setCode(initialCode(r));
    setRuntime(r);
  };

  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      const packed = await packCode(code, runtime);
      const vars = parseEnv(env);
      await api(`/2015-03-31/functions`, {
        method: 'POST',
        json: {
          FunctionName: name.trim(),
          Runtime: runtime,
          Handler: packed.handler ?? handler,
          MemorySize: memory,
          Timeout: timeout,
          Code: { ZipFile: packed.zipFile },
          ...(Object.keys(vars).length ? { Environment: { Variables: vars } } : {}),
        },
      });
      navigate(`/functions/${seg(name.trim())}`);
    });
  };

  return (
    <section>
      <h1>Create function</h1>
      <form onSubmit={submit} class="card form-grid">
        <Field label="Function name" hint="1–64 of a-z A-Z 0-9 - _">
          <input
            name="name"
            required
            pattern="[a-zA-Z0-9_\-]{1,64}"
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </Field>
        <RuntimeSelect value={runtime} onChange={changeRuntime} />
        {code.mode === 'zip' ? (
          <Field label="Handler" hint="file.function, e.g. index.handler">
            <input
              name="handler"
              required
              value={handler}
              onInput={(e) => setHandler(e.currentTarget.value)}
            />
          </Field>
        ) : null}
        <Field label="Memory (MB)">
          <input
            name="memory"
            type="number"
            min={128}
            max={10240}
            value={memory}
            onInput={(e) => setMemory(Number(e.currentTarget.value))}
          />
        </Field>
        <Field label="Timeout (s)">
          <input
            name="timeout"
            type="number"
            min={1}
            max={900}
            value={timeout}
            onInput={(e) => setTimeoutS(Number(e.currentTarget.value))}
          />
        </Field>
        <Field label="Environment variables" hint="KEY=VALUE, one a line">
          <textarea
            name="env"
            rows={3}
            value={env}
            onInput={(e) => setEnv(e.currentTarget.value)}
          />
        </Field>
        <CodeSource runtime={runtime} value={code} onChange={setCode} />
        <ErrorBox error={action.error} />
        <div class="actions">
          <button type="submit" class="primary" disabled={action.busy}>
            {action.busy ? 'Creating…' : 'Create function'}
          </button>
        </div>
      </form>
    </section>
  );
}
