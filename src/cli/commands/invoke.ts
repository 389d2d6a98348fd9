import { Command } from 'commander';
import { lambdaFunctionPath } from '../client.js';
import { type CliContext, contextFrom } from '../context.js';
import { CliError } from '../errors.js';
import { readInput } from '../input.js';
import { err } from '../output.js';

interface InvokeFlags {
  data?: string;
  path?: string;
  qualifier?: string;
  tail?: boolean;
}

/**
 * The event to send: `--data` text or the file at `--path` (`-` = stdin), which
 * must be JSON. Undefined means an empty body (the function gets `{}`).
 */
export async function readPayload(flags: InvokeFlags): Promise<Buffer | undefined> {
  if (flags.data !== undefined && flags.path !== undefined) {
    throw new CliError('use either --data or --path, not both');
  }
  let bytes: Buffer;
  let source: string;
  if (flags.data !== undefined) {
    bytes = Buffer.from(flags.data, 'utf8');
    source = '--data';
  } else if (flags.path !== undefined) {
    const file = flags.path;
    source = file === '-' ? 'stdin' : file;
    bytes = await readInput(file);
  } else {
    return undefined;
  }
  if (flags.data === undefined && bytes.toString('utf8').trim() === '') return undefined;
  try {
    JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new CliError(
      `${source} is not valid JSON (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  return bytes;
}

async function invoke(name: string, flags: InvokeFlags, ctx: CliContext): Promise<number> {
  const body = await readPayload(flags);
  const res = await ctx.client.request(lambdaFunctionPath(name, '/invocations'), {
    method: 'POST',
    query: { Qualifier: flags.qualifier },
    headers: flags.tail ? { 'X-Amz-Log-Type': 'Tail' } : {},
    body,
  });
  const log = res.headers.get('x-amz-log-result');
  if (flags.tail && log) err(Buffer.from(log, 'base64').toString('utf8'));
  if (res.body.length > 0) {
    process.stdout.write(res.body);
    if (res.body[res.body.length - 1] !== 0x0a) process.stdout.write('\n');
  }
  const functionError = res.headers.get('x-amz-function-error');
  if (!functionError) return 0;
  err(`error: the function failed (${functionError})${errorSummary(res.body)}`);
  return 1;
}

// `{"errorType","errorMessage"}` → `: Error: boom`, when the payload has that shape.
function errorSummary(payload: Buffer): string {
  try {
    // Each field is type-checked before use.
    const p = JSON.parse(payload.toString('utf8')) as {
      errorType?: unknown;
      errorMessage?: unknown;
    };
    const parts = [p.errorType, p.errorMessage].filter((x) => typeof x === 'string');
    return parts.length ? `: ${parts.join(': ')}` : '';
  } catch {
    return '';
  }
}

/** `nimbus invoke NAME [--data JSON | --path FILE] [--qualifier Q] [--tail]` */
export function invokeCommand(): Command {
  return new Command('invoke')
    .description('invoke a function and print its result')
    .argument('<name>', 'function name (or name:qualifier)')
    .option('--data <json>', 'event as JSON text')
    .option('--path <file>', 'file holding the event as JSON (- reads stdin)')
    .option('--qualifier <qualifier>', 'version or alias')
    .option('--tail', 'print the last 4 KB of the invocation log on stderr')
    .action(async (name: string, flags: InvokeFlags, cmd: Command) => {
      process.exitCode = await invoke(name, flags, contextFrom(cmd));
    });
}
