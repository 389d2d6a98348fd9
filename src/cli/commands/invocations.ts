import { Command, Option } from 'commander';
import { z } from 'zod';
import { type CliContext, contextFrom } from '../context.js';
import { parseSince } from '../duration.js';
import { formatFields, formatTable, out, printJson } from '../output.js';

const STATUSES = ['queued', 'running', 'retrying', 'succeeded', 'failed', 'dead-lettered'] as const;

const Record = z
  .object({
    requestId: z.string(),
    functionName: z.string(),
    version: z.string(),
    invocationType: z.string(),
    source: z.string(),
    status: z.string(),
    attempts: z.number(),
    createdAtMs: z.number(),
    durationMs: z.number().nullable(),
    initDurationMs: z.number().nullable(),
    billedDurationMs: z.number().nullable(),
    cold: z.boolean().nullable(),
    startType: z.enum(['cold', 'prewarmed', 'provisioned', 'warm']).nullable().optional(),
    maxMemoryMb: z.number().nullable(),
    errorType: z.string().nullable(),
    errorMessage: z.string().nullable(),
  })
  .loose();
const ListAnswer = z
  .object({ invocations: z.array(Record), nextMarker: z.string().optional() })
  .loose();
const OneAnswer = z
  .object({
    invocation: Record,
    logs: z.array(z.object({ timestamp: z.number(), message: z.string() })),
  })
  .loose();

const time = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
const ms = (v: number | null) => (v === null ? '-' : `${v.toFixed(v < 10 ? 2 : 0)} ms`);

/** cold / prewarmed (with the init time), provisioned or warm; `cold` alone on older records. */
function startLabel(r: z.infer<typeof Record>): string {
  const type = r.startType ?? (r.cold === null ? null : r.cold ? 'cold' : 'warm');
  if (type === null) return '-';
  return type === 'cold' || type === 'prewarmed' ? `${type} (init ${ms(r.initDurationMs)})` : type;
}

async function list(
  ctx: CliContext,
  name: string,
  flags: { status?: string; since?: string; limit: string },
) {
  const limit = Number(flags.limit);
  const { value, raw } = await ctx.client.json('/nimbus/v1/invocations', ListAnswer, {
    query: {
      function: name,
      status: flags.status,
      since: flags.since ? parseSince(flags.since, Date.now()) : undefined,
      limit: Number.isInteger(limit) && limit > 0 ? Math.min(limit, 1000) : 50,
    },
  });
  if (ctx.json) return printJson(raw);
  if (value.invocations.length === 0)
    return out(`no invocations of ${name}${flags.status ? ` with status ${flags.status}` : ''}`);
  out(
    formatTable(
      ['REQUEST ID', 'TIME', 'TYPE', 'STATUS', 'ATTEMPTS', 'DURATION', 'ERROR'],
      value.invocations.map((r) => [
        r.requestId,
        time(r.createdAtMs),
        r.invocationType === 'Event' ? 'event' : 'sync',
        r.status,
        String(r.attempts),
        ms(r.durationMs),
        r.errorType ? `${r.errorType}: ${(r.errorMessage ?? '').slice(0, 60)}` : '',
      ]),
    ),
  );
}

async function show(ctx: CliContext, id: string) {
  const { value, raw } = await ctx.client.json(
    `/nimbus/v1/invocations/${encodeURIComponent(id)}`,
    OneAnswer,
  );
  if (ctx.json) return printJson(raw);
  const r = value.invocation;
  out(
    formatFields([
      ['request id', r.requestId],
      ['function', `${r.functionName} (version ${r.version})`],
      ['type', `${r.invocationType} from ${r.source}`],
      ['status', r.status],
      ['attempts', String(r.attempts)],
      ['created', time(r.createdAtMs)],
      ['start', startLabel(r)],
      ['duration', `${ms(r.durationMs)} (billed ${ms(r.billedDurationMs)})`],
      ['max memory', r.maxMemoryMb === null ? '-' : `${r.maxMemoryMb} MB`],
      ['error', r.errorType ? `${r.errorType}: ${r.errorMessage ?? ''}` : '-'],
    ]),
  );
  if (value.logs.length) {
    out('');
    for (const l of value.logs) out(l.message.replaceAll('\r', '\n'));
  }
}

/** `nimbus invocations NAME [--status failed]` */
export function invocationsCommand(): Command {
  return new Command('invocations')
    .description("list a function's invocation records, newest first")
    .argument('<name>', 'function name')
    .addOption(new Option('--status <status>', 'only this status').choices(STATUSES))
    .option('--since <when>', 'only since then (10m, 2h, 1d or an ISO date)')
    .option('--limit <n>', 'how many', '50')
    .action(
      async (
        name: string,
        flags: { status?: string; since?: string; limit: string },
        cmd: Command,
      ) => {
        await list(contextFrom(cmd), name, flags);
      },
    );
}

/** `nimbus invocation ID` */
export function invocationCommand(): Command {
  return new Command('invocation')
    .description('show one invocation record with its log')
    .argument('<request-id>', 'the request id (x-amzn-RequestId)')
    .action(async (id: string, _flags: unknown, cmd: Command) => {
      await show(contextFrom(cmd), id);
    });
}
