import { Command } from 'commander';
import { type FunctionConfiguration, ListFunctionsAnswer } from '../answers.js';
import { type CliContext, contextFrom } from '../context.js';
import { formatLambdaTime, formatTable, out, printJson } from '../output.js';

async function ls(ctx: CliContext): Promise<void> {
  const functions: FunctionConfiguration[] = [];
  const rawFunctions: unknown[] = [];
  let marker: string | undefined;
  const seen = new Set<string>();
  do {
    const { value, raw } = await ctx.client.json('/2015-03-31/functions', ListFunctionsAnswer, {
      query: { MaxItems: 50, Marker: marker },
    });
    functions.push(...value.Functions);
    // The schema checked that Functions is an array.
    rawFunctions.push(...(raw as { Functions: unknown[] }).Functions);
    marker = value.NextMarker ?? undefined;
    // A server that hands back a marker twice would loop forever.
    if (marker !== undefined && seen.has(marker)) break;
    if (marker !== undefined) seen.add(marker);
  } while (marker);
  if (ctx.json) return printJson({ Functions: rawFunctions });
  if (functions.length === 0) return out('no functions yet (create one with `nimbus deploy`)');
  const rows = functions.map((f) => [
    f.FunctionName,
    f.Runtime ?? '-',
    f.MemorySize == null ? '-' : `${f.MemorySize} MB`,
    f.Timeout == null ? '-' : `${f.Timeout} s`,
    formatLambdaTime(f.LastModified),
  ]);
  out(formatTable(['NAME', 'RUNTIME', 'MEMORY', 'TIMEOUT', 'LAST MODIFIED'], rows));
}

/** `nimbus ls` */
export function lsCommand(): Command {
  return new Command('ls')
    .description('list functions')
    .action(async (_flags: unknown, cmd: Command) => {
      await ls(contextFrom(cmd));
    });
}
