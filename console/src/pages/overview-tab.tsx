import { useEffect, useRef, useState } from 'preact/hooks';
import { api, seg } from '../api/client';
import { currentInlineFile } from '../api/current-code';
import type { FunctionConfiguration } from '../api/types';
import { navigate } from '../router';
import { type CodeChoice, CodeSource, packCode } from '../ui/code-source';
import { useAction } from '../ui/hooks';
import { ErrorBox, Field, formatEnv, parseEnv } from '../ui/parts';

interface Props {
  name: string;
  fn: { Configuration: FunctionConfiguration; Code?: { Location?: string } };
  onChanged(): void;
}

/** Update code, update configuration, delete. */
export function OverviewTab({ name, fn, onChanged }: Props) {
  return (
    <>
      <CodePanel name={name} fn={fn} onChanged={onChanged} />
      <ConfigPanel name={name} cfg={fn.Configuration} onChanged={onChanged} />
      <DeletePanel name={name} />
    </>
  );
}

function CodePanel({ name, fn, onChanged }: Props) {
  const cfg = fn.Configuration;
  const [code, setCode] = useState<CodeChoice>({ mode: 'zip', source: '', zip: null });
  const [saved, setSaved] = useState(false);
  const action = useAction();
  useEffect(() => {
    currentInlineFile(fn.Code?.Location, cfg.Handler).then(
      (f) => {
        if (f) setCode({ mode: 'inline', source: f.source, zip: null, file: f.file });
      },
      () => undefined,
    );
  }, [fn.Code?.Location, cfg.Handler]);
  const submit = (e: Event) => {
    e.preventDefault();
    setSaved(false);
    void action.run(async () => {
      const packed = await packCode(code, cfg.Runtime);
      await api(`/2015-03-31/functions/${seg(name)}/code`, {
        method: 'PUT',
        json: { ZipFile: packed.zipFile },
      });
      if (packed.handler && packed.handler !== cfg.Handler) {
        await api(`/2015-03-31/functions/${seg(name)}/configuration`, {
          method: 'PUT',
          json: { Handler: packed.handler },
        });
      }
      setSaved(true);
      onChanged();
    });
  };
  return (
    <form class="card" onSubmit={submit} aria-label="Code">
      <h2>Code</h2>
      <p class="muted">
        {cfg.CodeSize ?? 0} bytes · sha256 <code>{cfg.CodeSha256?.slice(0, 16)}…</code>
      </p>
      <CodeSource runtime={cfg.Runtime} value={code} onChange={setCode} />
      <ErrorBox error={action.error} />
      {saved ? (
        <p class="ok" role="status">
          Code deployed.
        </p>
      ) : null}
      <div class="actions">
        <button type="submit" class="primary" disabled={action.busy}>
          {action.busy ? 'Deploying…' : 'Deploy code'}
        </button>
      </div>
    </form>
  );
}

function ConfigPanel({
  name,
  cfg,
  onChanged,
}: {
  name: string;
  cfg: FunctionConfiguration;
  onChanged(): void;
}) {
  const [memory, setMemory] = useState(cfg.MemorySize);
  const [timeout, setTimeoutS] = useState(cfg.Timeout);
  const [handler, setHandler] = useState(cfg.Handler);
  const [description, setDescription] = useState(cfg.Description ?? '');
  const [env, setEnv] = useState(formatEnv(cfg.Environment?.Variables));
  const [layers, setLayers] = useState((cfg.Layers ?? []).map((l) => l.Arn).join('\n'));
  const [saved, setSaved] = useState(false);
  const action = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    setSaved(false);
    void action.run(async () => {
      await api(`/2015-03-31/functions/${seg(name)}/configuration`, {
        method: 'PUT',
        json: {
          MemorySize: memory,
          Timeout: timeout,
          Handler: handler,
          Description: description,
          Environment: { Variables: parseEnv(env) },
          Layers: layers
            .split('\n')
            .map((l) => l.trim())
            .filter(Boolean),
        },
      });
      setSaved(true);
      onChanged();
    });
  };
  return (
    <form class="card form-grid" onSubmit={submit} aria-label="Configuration">
      <h2>Configuration</h2>
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
      <Field label="Handler">
        <input name="handler" value={handler} onInput={(e) => setHandler(e.currentTarget.value)} />
      </Field>
      <Field label="Description">
        <input
          name="description"
          value={description}
          onInput={(e) => setDescription(e.currentTarget.value)}
        />
      </Field>
      <Field label="Environment variables" hint="KEY=VALUE, one a line">
        <textarea name="env" rows={3} value={env} onInput={(e) => setEnv(e.currentTarget.value)} />
      </Field>
      <Field label="Layers" hint="Layer version ARNs, one a line">
        <textarea
          name="layers"
          rows={2}
          value={layers}
          onInput={(e) => setLayers(e.currentTarget.value)}
        />
      </Field>
      <ErrorBox error={action.error} />
      {saved ? (
        <p class="ok" role="status">
          Configuration saved.
        </p>
      ) : null}
      <div class="actions">
        <button type="submit" class="primary" disabled={action.busy}>
          {action.busy ? 'Saving…' : 'Save configuration'}
        </button>
      </div>
    </form>
  );
}

function DeletePanel({ name }: { name: string }) {
  const [asking, setAsking] = useState(false);
  const action = useAction();
  const cancel = useRef<HTMLButtonElement>(null);
  // The question takes the focus, on its safe answer.
  useEffect(() => {
    if (asking) cancel.current?.focus();
  }, [asking]);
  const remove = () =>
    action.run(async () => {
      await api(`/2015-03-31/functions/${seg(name)}`, { method: 'DELETE' });
      navigate('/');
    });
  return (
    <section class="card danger" aria-label="Delete">
      <h2>Delete</h2>
      {asking ? (
        <div role="alertdialog" aria-label={`Delete ${name}?`} class="confirm">
          <p>
            Delete <strong>{name}</strong> with its versions, aliases and triggers? This cannot be
            undone.
          </p>
          <button type="button" class="danger" onClick={remove} disabled={action.busy}>
            Yes, delete {name}
          </button>{' '}
          <button type="button" onClick={() => setAsking(false)} ref={cancel}>
            Cancel
          </button>
        </div>
      ) : (
        <button type="button" class="danger" onClick={() => setAsking(true)}>
          Delete function
        </button>
      )}
      <ErrorBox error={action.error} />
    </section>
  );
}
