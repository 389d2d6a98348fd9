import type { Command } from 'commander';
import { z } from 'zod';
import type { RequestOptions } from '../client.js';
import { type CliContext, contextFrom } from '../context.js';
import { parseSeconds } from '../duration.js';
import { reworded } from '../errors.js';
import { formatFields, formatTable, functionLabel, out, printJson } from '../output.js';
import { queueArn, queueNameOf } from '../sqs.js';
import { functionRef, intInRange } from '../validate.js';

interface MapFlags {
  function: string;
  batchSize?: string;
  window?: string;
  reportFailures?: boolean;
  maxConcurrency?: string;
  disabled?: boolean;
}

const Mapping = z
  .object({
    UUID: z.string(),
    EventSourceArn: z.string(),
    FunctionArn: z.string(),
    BatchSize: z.number(),
    MaximumBatchingWindowInSeconds: z.number().nullish(),
    State: z.string(),
    FunctionResponseTypes: z.array(z.string()).nullish(),
    ScalingConfig: z.object({ MaximumConcurrency: z.number().nullish() }).loose().nullish(),
    LastProcessingResult: z.string().nullish(),
  })
  .loose();
type Mapping = z.infer<typeof Mapping>;
const MappingList = z
  .object({ EventSourceMappings: z.array(Mapping), NextMarker: z.string().nullish() })
  .loose();

const BASE = '/2015-03-31/event-source-mappings/';

function describeMapping(m: Mapping): string {
  return formatFields([
    ['mapping', m.UUID],
    ['queue', queueNameOf(m.EventSourceArn)],
    ['function', functionLabel(m.FunctionArn)],
    ['state', m.State],
    ['batch size', String(m.BatchSize)],
    ['batch window', `${m.MaximumBatchingWindowInSeconds ?? 0} s`],
    [
      'report failures',
      m.FunctionResponseTypes?.includes('ReportBatchItemFailures')
        ? 'yes (batchItemFailures)'
        : 'no',
    ],
    ['max concurrency', String(m.ScalingConfig?.MaximumConcurrency ?? '-')],
    ['last result', m.LastProcessingResult ?? '-'],
  ]);
}

/** One mapping request; an unknown UUID reads as such. */
async function mappingRequest(
  ctx: CliContext,
  uuid: string,
  opts: RequestOptions,
): Promise<{ value: Mapping; raw: unknown }> {
  return reworded(
    () => ctx.client.json(`${BASE}${encodeURIComponent(uuid)}`, Mapping, opts),
    'ResourceNotFoundException',
    `no such event source mapping: ${uuid} (see \`nimbus queue mappings\`)`,
  );
}

async function map(ctx: CliContext, name: string, flags: MapFlags): Promise<void> {
  const fn = functionRef('--function', flags.function);
  const body: Record<string, unknown> = {
    EventSourceArn: await queueArn(ctx, name),
    FunctionName: fn.qualifier ? `${fn.function}:${fn.qualifier}` : fn.function,
    Enabled: flags.disabled !== true,
  };
  if (flags.batchSize !== undefined) {
    body.BatchSize = intInRange('--batch-size', flags.batchSize, 1, 10_000, 'messages');
  }
  if (flags.window !== undefined) {
    body.MaximumBatchingWindowInSeconds = parseSeconds('--window', flags.window, 0, 300);
  }
  if (flags.reportFailures) body.FunctionResponseTypes = ['ReportBatchItemFailures'];
  if (flags.maxConcurrency !== undefined) {
    body.ScalingConfig = {
      MaximumConcurrency: intInRange(
        '--max-concurrency',
        flags.maxConcurrency,
        2,
        1000,
        'invocations',
      ),
    };
  }
  const { value, raw } = await reworded(
    () => ctx.client.json(BASE, Mapping, { method: 'POST', json: body }),
    'ResourceNotFoundException',
    `no such function: ${flags.function}`,
  );
  if (ctx.json) return printJson(raw);
  out(describeMapping(value));
}

async function list(ctx: CliContext, name: string | undefined, fn: string | undefined) {
  const query = {
    EventSourceArn: name === undefined ? undefined : await queueArn(ctx, name),
    FunctionName: fn === undefined ? undefined : functionRef('--function', fn).function,
  };
  const mappings: Mapping[] = [];
  const raws: unknown[] = [];
  let marker: string | undefined;
  do {
    const { value, raw } = await ctx.client.json(BASE, MappingList, {
      query: { ...query, MaxItems: 100, Marker: marker },
    });
    mappings.push(...value.EventSourceMappings);
    // The schema checked that EventSourceMappings is an array.
    raws.push(...(raw as { EventSourceMappings: unknown[] }).EventSourceMappings);
    marker = value.NextMarker ?? undefined;
  } while (marker);
  if (ctx.json) return printJson({ EventSourceMappings: raws });
  if (mappings.length === 0) {
    return out('no event source mappings (add one with `nimbus queue map QUEUE --function FN`)');
  }
  out(
    formatTable(
      ['UUID', 'QUEUE', 'FUNCTION', 'STATE', 'BATCH', 'WINDOW'],
      mappings.map((m) => [
        m.UUID,
        queueNameOf(m.EventSourceArn),
        functionLabel(m.FunctionArn),
        m.State,
        String(m.BatchSize),
        `${m.MaximumBatchingWindowInSeconds ?? 0} s`,
      ]),
    ),
  );
}

async function unmap(ctx: CliContext, uuid: string): Promise<void> {
  const { value, raw } = await mappingRequest(ctx, uuid, { method: 'DELETE' });
  if (ctx.json) return printJson(raw);
  out(
    `deleted mapping ${uuid} (${queueNameOf(value.EventSourceArn)} -> ${functionLabel(value.FunctionArn)})`,
  );
}

async function setEnabled(ctx: CliContext, uuid: string, enabled: boolean): Promise<void> {
  const { value, raw } = await mappingRequest(ctx, uuid, {
    method: 'PUT',
    json: { Enabled: enabled },
  });
  if (ctx.json) return printJson(raw);
  const what = `${queueNameOf(value.EventSourceArn)} -> ${functionLabel(value.FunctionArn)}`;
  out(`${enabled ? 'enabled' : 'disabled'} mapping ${uuid} (${what})`);
}

/** `nimbus queue map | mappings | unmap | enable | disable`: queue → function event source mappings. */
export function addMappingCommands(queue: Command): void {
  queue
    .command('map')
    .description('invoke a function with batches of messages from a queue')
    .argument('<name>', 'queue name')
    .requiredOption(
      '--function <function[:qualifier]>',
      'function to invoke, optionally a version or alias',
    )
    .option('--batch-size <n>', 'messages per invocation, 1 to 10000 (default 10)')
    .option('--window <seconds>', 'wait up to this long to fill a batch, 0 to 300 (default 0)')
    .option('--report-failures', 'the function returns batchItemFailures: only those come back')
    .option('--max-concurrency <n>', 'at most this many invocations at once, 2 to 1000')
    .option('--disabled', 'create it disabled (enable it with `nimbus queue enable UUID`)')
    .action(async (name: string, flags: MapFlags, cmd: Command) =>
      map(contextFrom(cmd), name, flags),
    );
  queue
    .command('mappings')
    .description('list event source mappings')
    .argument('[name]', "only this queue's")
    .option('--function <function>', "only this function's")
    .action(async (name: string | undefined, flags: { function?: string }, cmd: Command) =>
      list(contextFrom(cmd), name, flags.function),
    );
  queue
    .command('unmap')
    .description('delete an event source mapping')
    .argument('<uuid>', 'mapping UUID (see `nimbus queue mappings`)')
    .action(async (uuid: string, _flags: unknown, cmd: Command) => unmap(contextFrom(cmd), uuid));
  for (const enabled of [true, false]) {
    queue
      .command(enabled ? 'enable' : 'disable')
      .description(enabled ? 'resume an event source mapping' : 'pause an event source mapping')
      .argument('<uuid>', 'mapping UUID')
      .action(async (uuid: string, _flags: unknown, cmd: Command) =>
        setEnabled(contextFrom(cmd), uuid, enabled),
      );
  }
}
