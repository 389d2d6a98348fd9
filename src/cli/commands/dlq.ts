import { Command } from 'commander';
import { z } from 'zod';
import { type CliContext, contextFrom } from '../context.js';
import { formatTable, out, printJson } from '../output.js';

const Letter = z
  .object({
    requestId: z.string(),
    reason: z.string(),
    attempts: z.number(),
    errorType: z.string().nullable(),
    errorMessage: z.string().nullable(),
    deadAt: z.number(),
    payload: z.string(),
  })
  .loose();
const ListAnswer = z
  .object({ deadLetters: z.array(Letter), nextMarker: z.string().optional() })
  .loose();
const RedriveAnswer = z.object({ redriven: z.number(), requestIds: z.array(z.string()) }).loose();
const PurgeAnswer = z.object({ purged: z.number() }).loose();

const path = (name: string, suffix = '') =>
  `/nimbus/v1/functions/${encodeURIComponent(name)}/dlq${suffix}`;

async function ls(ctx: CliContext, name: string) {
  const { value, raw } = await ctx.client.json(path(name), ListAnswer, { query: { limit: 1000 } });
  if (ctx.json) return printJson(raw);
  if (value.deadLetters.length === 0) return out(`the dead-letter list of ${name} is empty`);
  out(
    formatTable(
      ['REQUEST ID', 'DEAD SINCE', 'REASON', 'ATTEMPTS', 'ERROR', 'PAYLOAD'],
      value.deadLetters.map((l) => [
        l.requestId,
        new Date(l.deadAt).toISOString(),
        l.reason,
        String(l.attempts),
        l.errorType ? `${l.errorType}: ${(l.errorMessage ?? '').slice(0, 50)}` : '',
        l.payload.length > 60 ? `${l.payload.slice(0, 57)}...` : l.payload,
      ]),
    ),
  );
}

async function redrive(ctx: CliContext, name: string, ids: string[] | undefined) {
  const { value, raw } = await ctx.client.json(path(name, '/redrive'), RedriveAnswer, {
    method: 'POST',
    json: ids ? { ids } : {},
  });
  if (ctx.json) return printJson(raw);
  out(
    `queued ${value.redriven} event${value.redriven === 1 ? '' : 's'} again${value.requestIds.length ? `: ${value.requestIds.join(', ')}` : ''}`,
  );
}

async function purge(ctx: CliContext, name: string, ids: string[] | undefined) {
  const { value, raw } = await ctx.client.json(path(name), PurgeAnswer, {
    method: 'DELETE',
    json: ids ? { ids } : {},
  });
  if (ctx.json) return printJson(raw);
  out(`removed ${value.purged} dead letter${value.purged === 1 ? '' : 's'}`);
}

const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];

/** `nimbus dlq ls|redrive|purge NAME [--id ...]` */
export function dlqCommand(): Command {
  const dlq = new Command('dlq').description(
    "a function's dead-letter list (async events that failed for good)",
  );
  dlq
    .command('ls')
    .description('list dead letters')
    .argument('<name>', 'function name')
    .action(async (name: string, _f: unknown, cmd: Command) => ls(contextFrom(cmd), name));
  dlq
    .command('redrive')
    .description('queue dead letters again (all, or those given with --id)')
    .argument('<name>', 'function name')
    .option('--id <request-id>', 'only this one (repeatable)', collect)
    .action(async (name: string, f: { id?: string[] }, cmd: Command) =>
      redrive(contextFrom(cmd), name, f.id),
    );
  dlq
    .command('purge')
    .description('delete dead letters (all, or those given with --id)')
    .argument('<name>', 'function name')
    .option('--id <request-id>', 'only this one (repeatable)', collect)
    .action(async (name: string, f: { id?: string[] }, cmd: Command) =>
      purge(contextFrom(cmd), name, f.id),
    );
  return dlq;
}
