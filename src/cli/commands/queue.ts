import { Command } from 'commander';
import { z } from 'zod';
import { type CliContext, contextFrom } from '../context.js';
import { parseSeconds } from '../duration.js';
import { CliError } from '../errors.js';
import { formatBytes, formatFields, formatTable, out, printJson } from '../output.js';
import { queueArn, queueAttributes, queueNameOf, queueUrl, sqsCall } from '../sqs.js';
import { intInRange } from '../validate.js';
import { addMappingCommands } from './queue-mappings.js';
import { addMessageCommands } from './queue-messages.js';

interface CreateFlags {
  visibilityTimeout?: string;
  delay?: string;
  retention?: string;
  wait?: string;
  dlq?: string;
  maxReceives?: string;
  fifo?: boolean;
}

const Empty = z.object({}).loose();
const QueueUrlAnswer = z.object({ QueueUrl: z.string() }).loose();
const ListAnswer = z
  .object({ QueueUrls: z.array(z.string()).optional(), NextToken: z.string().nullish() })
  .loose();

/** The attributes `queue create` sets from its flags (absent flags: SQS's defaults). */
async function createAttributes(
  ctx: CliContext,
  name: string,
  flags: CreateFlags,
): Promise<Record<string, string>> {
  const attrs: Record<string, string> = {};
  const seconds = (
    attr: string,
    flag: string,
    text: string | undefined,
    min: number,
    max: number,
  ) => {
    if (text !== undefined) attrs[attr] = String(parseSeconds(flag, text, min, max));
  };
  seconds('VisibilityTimeout', '--visibility-timeout', flags.visibilityTimeout, 0, 43_200);
  seconds('DelaySeconds', '--delay', flags.delay, 0, 900);
  seconds('MessageRetentionPeriod', '--retention', flags.retention, 60, 1_209_600);
  seconds('ReceiveMessageWaitTimeSeconds', '--wait', flags.wait, 0, 20);
  const fifo = flags.fifo === true || name.endsWith('.fifo');
  if (fifo && !name.endsWith('.fifo')) {
    throw new CliError(`a FIFO queue's name ends with .fifo (try ${name}.fifo)`);
  }
  if (fifo) attrs.FifoQueue = 'true';
  if ((flags.dlq === undefined) !== (flags.maxReceives === undefined)) {
    throw new CliError('give --dlq and --max-receives together');
  }
  if (flags.dlq !== undefined && flags.maxReceives !== undefined) {
    const maxReceiveCount = intInRange('--max-receives', flags.maxReceives, 1, 1000, 'receives');
    attrs.RedrivePolicy = JSON.stringify({
      deadLetterTargetArn: await queueArn(ctx, flags.dlq),
      maxReceiveCount,
    });
  }
  return attrs;
}

async function create(ctx: CliContext, name: string, flags: CreateFlags): Promise<void> {
  const attributes = await createAttributes(ctx, name, flags);
  const { value } = await sqsCall(
    ctx,
    'CreateQueue',
    { QueueName: name, ...(Object.keys(attributes).length ? { Attributes: attributes } : {}) },
    QueueUrlAnswer,
    name,
  );
  const arn = (await queueAttributes(ctx, name, value.QueueUrl, ['QueueArn'])).QueueArn ?? '-';
  if (ctx.json) return printJson({ QueueUrl: value.QueueUrl, QueueArn: arn });
  out(
    formatFields([
      ['queue', name],
      ['url', value.QueueUrl],
      ['arn', arn],
    ]),
  );
}

async function list(ctx: CliContext, prefix: string | undefined): Promise<void> {
  const urls: string[] = [];
  let token: string | undefined;
  do {
    const { value } = await sqsCall(
      ctx,
      'ListQueues',
      {
        MaxResults: 1000,
        ...(prefix ? { QueueNamePrefix: prefix } : {}),
        ...(token ? { NextToken: token } : {}),
      },
      ListAnswer,
    );
    urls.push(...(value.QueueUrls ?? []));
    token = value.NextToken ?? undefined;
  } while (token);
  if (ctx.json) return printJson({ QueueUrls: urls });
  if (urls.length === 0) {
    return out(
      prefix ? `no queues named ${prefix}...` : 'no queues (create one with `nimbus queue create`)',
    );
  }
  const rows: string[][] = [];
  for (const url of urls) {
    const name = queueNameOf(url);
    const a = await queueAttributes(ctx, name, url, [
      'ApproximateNumberOfMessages',
      'ApproximateNumberOfMessagesNotVisible',
      'FifoQueue',
    ]).catch((e: unknown) => {
      // Deleted since it was listed: leave it out.
      if (e instanceof CliError && e.code === 'QueueDoesNotExist') return null;
      throw e;
    });
    if (!a) continue;
    rows.push([
      name,
      a.FifoQueue === 'true' ? 'fifo' : 'standard',
      a.ApproximateNumberOfMessages ?? '-',
      a.ApproximateNumberOfMessagesNotVisible ?? '-',
      url,
    ]);
  }
  out(formatTable(['NAME', 'TYPE', 'MESSAGES', 'IN FLIGHT', 'URL'], rows));
}

/** 345600 → `4 d`, 90 → `90 s`: the largest unit that divides it. */
export function formatSeconds(text: string | undefined): string {
  if (text === undefined) return '-';
  const s = Number(text);
  if (!Number.isInteger(s)) return text;
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
  ] as const) {
    if (s >= size && s % size === 0) return `${s / size} ${unit}`;
  }
  return `${s} s`;
}

function formatEpochSeconds(text: string | undefined): string {
  const s = Number(text);
  if (text === undefined || !Number.isFinite(s)) return text ?? '-';
  return `${new Date(s * 1000).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** `jobs-dlq after 5 receives` from a RedrivePolicy, or `-`. */
function deadLetterText(policy: string | undefined): string {
  if (!policy) return '-';
  try {
    // Both fields are checked before use.
    const p = JSON.parse(policy) as { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
    if (typeof p.deadLetterTargetArn === 'string') {
      return `${queueNameOf(p.deadLetterTargetArn)} after ${String(p.maxReceiveCount)} receives`;
    }
  } catch {
    // Shown as the server gave it.
  }
  return policy;
}

/** The attributes `info` shows in words; any other is listed by its SQS name. */
const DESCRIBED = new Set([
  'QueueArn',
  'FifoQueue',
  'ContentBasedDeduplication',
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'VisibilityTimeout',
  'DelaySeconds',
  'MessageRetentionPeriod',
  'ReceiveMessageWaitTimeSeconds',
  'MaximumMessageSize',
  'RedrivePolicy',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
]);

async function info(ctx: CliContext, name: string): Promise<void> {
  const url = await queueUrl(ctx, name);
  const a = await queueAttributes(ctx, name, url);
  if (ctx.json) return printJson({ QueueUrl: url, Attributes: a });
  const fifo = a.FifoQueue === 'true';
  const maxBytes = Number(a.MaximumMessageSize);
  out(
    formatFields([
      ['queue', name],
      ['url', url],
      ['arn', a.QueueArn ?? '-'],
      [
        'type',
        fifo
          ? `fifo (content-based deduplication ${a.ContentBasedDeduplication === 'true' ? 'on' : 'off'})`
          : 'standard',
      ],
      [
        'messages',
        `${a.ApproximateNumberOfMessages ?? '?'} visible, ${a.ApproximateNumberOfMessagesNotVisible ?? '?'} in flight, ${a.ApproximateNumberOfMessagesDelayed ?? '?'} delayed`,
      ],
      ['visibility timeout', formatSeconds(a.VisibilityTimeout)],
      ['delivery delay', formatSeconds(a.DelaySeconds)],
      ['retention', formatSeconds(a.MessageRetentionPeriod)],
      ['receive wait', formatSeconds(a.ReceiveMessageWaitTimeSeconds)],
      ['max message size', Number.isFinite(maxBytes) ? formatBytes(maxBytes) : '-'],
      ['dead-letter queue', deadLetterText(a.RedrivePolicy)],
      ['created', formatEpochSeconds(a.CreatedTimestamp)],
      ['last modified', formatEpochSeconds(a.LastModifiedTimestamp)],
      ...Object.entries(a)
        .filter(([k]) => !DESCRIBED.has(k))
        .sort(([x], [y]) => x.localeCompare(y)),
    ]),
  );
}

/** Runs an action that takes only the queue URL (PurgeQueue, DeleteQueue). */
async function onQueue(ctx: CliContext, op: string, name: string, done: string): Promise<void> {
  const { raw } = await sqsCall(ctx, op, { QueueUrl: await queueUrl(ctx, name) }, Empty, name);
  if (ctx.json) return printJson(raw);
  out(done);
}

/** `nimbus queue create | ls | info | send | receive | purge | rm | map | mappings | unmap`: SQS queues. */
export function queueCommand(): Command {
  const queue = new Command('queue').description(
    'SQS-compatible queues: create, send, receive, and feed functions with event source mappings',
  );
  queue
    .command('create')
    .description('create a queue and print its URL and ARN (no change if it exists alike)')
    .argument('<name>', 'queue name (1-80 of a-z A-Z 0-9 - _; FIFO queues end with .fifo)')
    .option(
      '--visibility-timeout <seconds>',
      'how long a received message stays hidden (default 30)',
    )
    .option('--delay <seconds>', 'delay before a new message can be received (default 0)')
    .option('--retention <seconds>', 'how long messages are kept, e.g. 4d (default 4 days)')
    .option('--wait <seconds>', 'default long-poll wait of receives, 0 to 20 (default 0)')
    .option('--dlq <queue>', 'move messages received --max-receives times to this queue')
    .option('--max-receives <n>', 'receives before a message goes to --dlq (1 to 1000)')
    .option('--fifo', 'a FIFO queue: ordered per group, deduplicated (name must end with .fifo)')
    .action(async (name: string, flags: CreateFlags, cmd: Command) =>
      create(contextFrom(cmd), name, flags),
    );
  queue
    .command('ls')
    .alias('list')
    .description('list queues with their message counts')
    .option('--prefix <prefix>', 'only queues whose name starts with this')
    .action(async (flags: { prefix?: string }, cmd: Command) =>
      list(contextFrom(cmd), flags.prefix),
    );
  queue
    .command('info')
    .description("show a queue's settings and message counts")
    .argument('<name>', 'queue name')
    .action(async (name: string, _flags: unknown, cmd: Command) => info(contextFrom(cmd), name));
  addMessageCommands(queue);
  queue
    .command('purge')
    .description('delete every message in a queue')
    .argument('<name>', 'queue name')
    .action(async (name: string, _flags: unknown, cmd: Command) =>
      onQueue(contextFrom(cmd), 'PurgeQueue', name, `purged ${name}`),
    );
  queue
    .command('rm')
    .description('delete a queue and its messages')
    .argument('<name>', 'queue name')
    .action(async (name: string, _flags: unknown, cmd: Command) =>
      onQueue(contextFrom(cmd), 'DeleteQueue', name, `deleted queue ${name}`),
    );
  addMappingCommands(queue);
  return queue;
}
