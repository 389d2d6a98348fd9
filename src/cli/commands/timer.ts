import { Command } from 'commander';
import { z } from 'zod';
import { type CliContext, contextFrom } from '../context.js';
import { formatFields, formatTable, out, printJson } from '../output.js';
import { functionName, functionRef } from '../validate.js';

const Timer = z.object({
  name: z.string(),
  function: z.string(),
  qualifier: z.string().nullable(),
  schedule: z.string(),
  timezone: z.string().nullable(),
  payload: z.string().nullable(),
  enabled: z.boolean(),
  catchUp: z.boolean(),
  nextFireAtMs: z.number().nullable(),
  lastFireAtMs: z.number().nullable(),
});
type Timer = z.infer<typeof Timer>;
const TimerList = z.object({ timers: z.array(Timer) });

interface AddFlags {
  fn: string;
  schedule: string;
  timezone?: string;
  payload?: string;
  catchUp?: boolean;
}

function timerPath(name: string): string {
  return `/nimbus/v1/timers/${encodeURIComponent(name)}`;
}

function formatTime(ms: number | null): string {
  return ms === null ? '-' : `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function describeTimer(t: Timer): string {
  return formatFields([
    ['timer', t.name],
    ['function', t.qualifier ? `${t.function}:${t.qualifier}` : t.function],
    ['schedule', t.timezone ? `${t.schedule} (${t.timezone})` : t.schedule],
    ['state', t.enabled ? 'enabled' : 'paused'],
    ['next fire', formatTime(t.nextFireAtMs)],
    ['missed fires', t.catchUp ? 'caught up once' : 'skipped'],
    ['payload', t.payload ?? '-'],
  ]);
}

async function add(ctx: CliContext, name: string, flags: AddFlags): Promise<void> {
  const { value, raw } = await ctx.client.json('/nimbus/v1/timers', Timer, {
    method: 'POST',
    json: {
      name,
      ...functionRef('--fn', flags.fn),
      schedule: flags.schedule,
      ...(flags.timezone !== undefined ? { timezone: flags.timezone } : {}),
      ...(flags.payload !== undefined ? { payload: flags.payload } : {}),
      ...(flags.catchUp ? { catchUp: true } : {}),
    },
  });
  if (ctx.json) return printJson(raw);
  out(describeTimer(value));
}

async function list(ctx: CliContext, fn: string | undefined): Promise<void> {
  const { value, raw } = await ctx.client.json('/nimbus/v1/timers', TimerList, {
    query: { function: fn === undefined ? undefined : functionName(fn) },
  });
  if (ctx.json) return printJson(raw);
  if (value.timers.length === 0) return out('no timers (add one with `nimbus timer add`)');
  out(
    formatTable(
      ['NAME', 'FUNCTION', 'SCHEDULE', 'STATE', 'NEXT FIRE'],
      value.timers.map((t) => [
        t.name,
        t.qualifier ? `${t.function}:${t.qualifier}` : t.function,
        t.timezone ? `${t.schedule} ${t.timezone}` : t.schedule,
        t.enabled ? 'enabled' : 'paused',
        formatTime(t.nextFireAtMs),
      ]),
    ),
  );
}

async function setEnabled(ctx: CliContext, name: string, enabled: boolean): Promise<void> {
  const { value, raw } = await ctx.client.json(timerPath(name), Timer, {
    method: 'PUT',
    json: { enabled },
  });
  if (ctx.json) return printJson(raw);
  out(
    enabled
      ? `resumed ${name}: next fire ${formatTime(value.nextFireAtMs)}`
      : `paused ${name}: it will not fire until resumed`,
  );
}

/** `nimbus timer add | ls | rm | pause | resume`: timer triggers. */
export function timerCommand(): Command {
  const timer = new Command('timer').description(
    'run a function on a schedule (each fire is an async invocation)',
  );
  timer
    .command('add')
    .description('create a timer')
    .argument('<name>', 'timer name (1-64 of a-z A-Z 0-9 . - _)')
    .requiredOption(
      '--fn <function[:qualifier]>',
      'function to invoke, optionally a version or alias',
    )
    .requiredOption(
      '--schedule <expression>',
      "rate(5 minutes), cron(0 12 * * ? *) (EventBridge), or a 5/6-field cron ('*/5 * * * *')",
    )
    .option('--timezone <zone>', 'IANA time zone the cron is read in (default UTC)')
    .option(
      '--payload <json>',
      'static payload: the event detail (Function Compute: the payload text)',
    )
    .option('--catch-up', 'after downtime, fire once for the missed due times instead of skipping')
    .action(async (name: string, flags: AddFlags, cmd: Command) => {
      await add(contextFrom(cmd), name, flags);
    });
  timer
    .command('ls')
    .alias('list')
    .description('list timers')
    .option('--fn <function>', "only this function's timers")
    .action(async (flags: { fn?: string }, cmd: Command) => {
      await list(contextFrom(cmd), flags.fn);
    });
  timer
    .command('rm')
    .description('delete a timer')
    .argument('<name>', 'timer name')
    .action(async (name: string, _flags: unknown, cmd: Command) => {
      const ctx = contextFrom(cmd);
      await ctx.client.request(timerPath(name), { method: 'DELETE' });
      if (!ctx.json) out(`deleted ${name}`);
    });
  timer
    .command('pause')
    .description('stop a timer from firing (it keeps its settings)')
    .argument('<name>', 'timer name')
    .action(async (name: string, _flags: unknown, cmd: Command) => {
      await setEnabled(contextFrom(cmd), name, false);
    });
  timer
    .command('resume')
    .description('let a paused timer fire again, from its next due time after now')
    .argument('<name>', 'timer name')
    .action(async (name: string, _flags: unknown, cmd: Command) => {
      await setEnabled(contextFrom(cmd), name, true);
    });
  return timer;
}
