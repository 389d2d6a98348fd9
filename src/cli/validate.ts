import { CliError } from './errors.js';

const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
// Lambda's rule for environment variable keys.
const ENV_KEY = /^[a-zA-Z][a-zA-Z0-9_]*$/;

/** Checks a function name against Lambda's pattern and returns it. */
export function functionName(name: string): string {
  if (!FUNCTION_NAME.test(name)) {
    throw new CliError(
      `invalid function name ${JSON.stringify(name)}: use 1 to 64 letters, digits, - or _`,
    );
  }
  return name;
}

/**
 * Checks `NAME` or `NAME:QUALIFIER` (a version or alias) given to `flag`.
 * @example functionRef('--fn', 'hello:live') // { function: 'hello', qualifier: 'live' }
 */
export function functionRef(flag: string, ref: string): { function: string; qualifier?: string } {
  const [name = '', qualifier, extra] = ref.split(':');
  if (extra !== undefined || qualifier === '') {
    throw new CliError(`${flag} must be NAME or NAME:QUALIFIER (got ${JSON.stringify(ref)})`);
  }
  return { function: functionName(name), ...(qualifier !== undefined ? { qualifier } : {}) };
}

/**
 * Parses a whole number flag and checks its range.
 * @example intInRange('--memory', '256', 128, 10240, 'MB') // 256
 */
export function intInRange(
  flag: string,
  text: string,
  min: number,
  max: number,
  unit: string,
): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new CliError(
      `${flag} must be a whole number from ${min} to ${max} ${unit} (got ${JSON.stringify(text)})`,
    );
  }
  return n;
}

/**
 * Turns repeated `--env K=V` flags into a map; the value may contain `=` and be
 * empty, the last of two equal keys wins.
 */
export function envPairs(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    if (eq < 0 || !ENV_KEY.test(key)) {
      throw new CliError(
        `invalid --env ${JSON.stringify(pair)}: use KEY=VALUE, KEY starting with a letter and made of letters, digits and _`,
      );
    }
    out[key] = pair.slice(eq + 1);
  }
  return out;
}

/** Checks a `file.export` reference (handler or initializer). */
export function entryPoint(flag: string, text: string): string {
  if (!/^[^\s.][^\s]*\.[^\s.]+$/.test(text) || text.length > 128) {
    throw new CliError(
      `${flag} must look like file.export, e.g. index.handler (got ${JSON.stringify(text)})`,
    );
  }
  return text;
}

/** Checks a handler: Lambda allows any non-blank text up to 128 characters. */
export function handlerName(text: string): string {
  if (!/^\S{1,128}$/.test(text)) {
    throw new CliError(
      `--handler must be 1 to 128 characters without spaces, e.g. index.handler (got ${JSON.stringify(text)})`,
    );
  }
  return text;
}
