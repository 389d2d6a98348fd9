import { base64, inlineFile, zipOneFile } from '../api/functions';
import { Field } from './parts';

/** What the code panel holds: one inline file, or a chosen zip. */
export interface CodeChoice {
  mode: 'inline' | 'zip';
  source: string;
  zip: File | null;
  /** The inline file's name when it came from the function's current code. */
  file?: string;
}

export function initialCode(runtime: string): CodeChoice {
  return { mode: 'inline', source: inlineFile(runtime).source, zip: null };
}

/** The zip to send, base64, and the handler the inline file implies. */
export async function packCode(
  choice: CodeChoice,
  runtime: string,
): Promise<{ zipFile: string; handler?: string }> {
  if (choice.mode === 'zip') {
    if (!choice.zip) throw new Error('Choose a .zip file to upload');
    return { zipFile: base64(new Uint8Array(await choice.zip.arrayBuffer())) };
  }
  const f = inlineFile(runtime);
  if (choice.file) return { zipFile: zipOneFile(choice.file, choice.source) };
  return { zipFile: zipOneFile(f.file, choice.source), handler: f.handler };
}

/** Inline editor (one file, zipped in the browser) or zip upload. */
export function CodeSource(props: {
  runtime: string;
  value: CodeChoice;
  onChange(c: CodeChoice): void;
}) {
  const { value, onChange } = props;
  const file = inlineFile(props.runtime);
  const fileName = value.file ?? file.file;
  return (
    <fieldset class="code-source">
      <legend>Code</legend>
      <div class="radios">
        <label>
          <input
            type="radio"
            name="code-mode"
            value="inline"
            checked={value.mode === 'inline'}
            onChange={() => onChange({ ...value, mode: 'inline' })}
          />{' '}
          Edit inline
        </label>
        <label>
          <input
            type="radio"
            name="code-mode"
            value="zip"
            checked={value.mode === 'zip'}
            onChange={() => onChange({ ...value, mode: 'zip' })}
          />{' '}
          Upload a .zip
        </label>
      </div>
      {value.mode === 'inline' ? (
        <Field label={fileName} hint={value.file ? undefined : `Handler: ${file.handler}`}>
          <textarea
            class="code"
            name="source"
            rows={14}
            spellcheck={false}
            value={value.source}
            onKeyDown={indentOnTab}
            onInput={(e) => onChange({ ...value, source: e.currentTarget.value })}
          />
        </Field>
      ) : (
        <Field label="Zip file" hint="The handler setting names the file and function inside it.">
          <input
            type="file"
            name="zip"
            accept=".zip,application/zip"
            onChange={(e) => onChange({ ...value, zip: e.currentTarget.files?.[0] ?? null })}
          />
        </Field>
      )}
    </fieldset>
  );
}

/** Tab indents; Escape then Tab (or Ctrl+M toggling is overkill) leaves: Escape blurs the editor. */
function indentOnTab(e: KeyboardEvent) {
  const ta = e.currentTarget as HTMLTextAreaElement;
  if (e.key === 'Escape') {
    ta.blur();
    return;
  }
  if (e.key !== 'Tab' || e.shiftKey) return;
  e.preventDefault();
  const { selectionStart: s, selectionEnd: end, value } = ta;
  ta.value = `${value.slice(0, s)}  ${value.slice(end)}`;
  ta.selectionStart = ta.selectionEnd = s + 2;
  ta.dispatchEvent(new Event('input', { bubbles: true }));
}
