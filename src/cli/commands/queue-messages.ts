import type { Command } from 'commander';
import { z } from 'zod';
import { type CliContext, contextFrom } from '../context.js';
import { parseSeconds } from '../duration.js';
import { CliError } from '../errors.js';
import { readInput } from '../input.js';
import { formatFields, out, printJson } from '../output.js';
import { queueUrl, sqsCall } from '../sqs.js';
import { intInRange } from '../validate.js';

interface SendFlags {
  file?: string;
  delay?: string;
  attr?: string[];
  group?: string;
  dedup?: string;
}

interface ReceiveFlags {
  max?: string;
  wait?: string;
  visibilityTimeout?: string;
  delete?: boolean;
}

const MessageAttribute = z
  .object({
    DataType: z.string(),
    StringValue: z.string().nullish(),
    BinaryValue: z.string().nullish(),
  })
  .loose();
type MessageAttribute = z.infer<typeof MessageAttribute>;
const SendAnswer = z
  .object({ MessageId: z.string(), SequenceNumber: z.string().nullish() })
  .loose();
const Message = z
  .object({
    MessageId: z.string(),
    ReceiptHandle: z.string(),
    Body: z.string(),
    Attributes: z.record(z.string(), z.string()).nullish(),
    MessageAttributes: z.record(z.string(), MessageAttribute).nullish(),
  })
  .loose();
const ReceiveAnswer = z.object({ Messages: z.array(Message).nullish() }).loose();
const DeleteBatchAnswer = z
  .object({
    Failed: z
      .array(z.object({ Id: z.string(), Code: z.string(), Message: z.string().nullish() }).loose())
      .nullish(),
  })
  .loose();

const ATTR_RE = /^([^:=]+)(?::([A-Za-z]+(?:\.[^=]+)?))?=(.*)$/s;

/**
 * `--attr` flags → SQS message attributes: `name=value` is a String,
 * `name:Number=42` or `name:Binary=<base64>` say the type.
 * @example messageAttributes(['color=red', 'n:Number=5'])
 */
export function messageAttributes(pairs: readonly string[]): Record<string, MessageAttribute> {
  const attrs: Record<string, MessageAttribute> = {};
  for (const pair of pairs) {
    const m = ATTR_RE.exec(pair);
    const [, name = '', type = 'String', value = ''] = m ?? [];
    const base = type.split('.')[0];
    if (!m || !['String', 'Number', 'Binary'].includes(base ?? '')) {
      throw new CliError(
        `invalid --attr ${JSON.stringify(pair)}: use name=value, name:Number=42 or name:Binary=<base64>`,
      );
    }
    attrs[name] =
      base === 'Binary'
        ? { DataType: type, BinaryValue: value }
        : { DataType: type, StringValue: value };
  }
  return attrs;
}

/** `color=red, n:Number=5`: attributes as `--attr` takes them. */
function formatAttributes(attrs: Record<string, MessageAttribute> | null | undefined): string {
  const entries = Object.entries(attrs ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return '-';
  return entries
    .map(([name, a]) => {
      const type = a.DataType === 'String' ? '' : `:${a.DataType}`;
      return `${name}${type}=${a.StringValue ?? a.BinaryValue ?? ''}`;
    })
    .join(', ');
}

function describeMessage(m: z.infer<typeof Message>): string {
  const fields: [string, string][] = [
    ['id', m.MessageId],
    ['receives', m.Attributes?.ApproximateReceiveCount ?? '-'],
  ];
  const group = m.Attributes?.MessageGroupId;
  if (group) fields.push(['group', group]);
  fields.push(['attributes', formatAttributes(m.MessageAttributes)], ['body', m.Body]);
  return formatFields(fields);
}

async function messageBody(body: string | undefined, file: string | undefined): Promise<string> {
  if (body !== undefined && file !== undefined)
    throw new CliError('give a BODY or --file, not both');
  const source = file ?? (body === '-' ? '-' : undefined);
  if (source !== undefined) return (await readInput(source)).toString('utf8');
  if (body === undefined)
    throw new CliError('give the message: a BODY, --file FILE, or - to read stdin');
  return body;
}

async function send(
  ctx: CliContext,
  name: string,
  body: string | undefined,
  flags: SendFlags,
): Promise<void> {
  const input: Record<string, unknown> = {
    QueueUrl: await queueUrl(ctx, name),
    MessageBody: await messageBody(body, flags.file),
  };
  if (flags.delay !== undefined) input.DelaySeconds = parseSeconds('--delay', flags.delay, 0, 900);
  if (flags.attr?.length) input.MessageAttributes = messageAttributes(flags.attr);
  if (flags.group !== undefined) input.MessageGroupId = flags.group;
  if (flags.dedup !== undefined) input.MessageDeduplicationId = flags.dedup;
  const { value, raw } = await sqsCall(ctx, 'SendMessage', input, SendAnswer, name);
  if (ctx.json) return printJson(raw);
  const sequence = value.SequenceNumber ? ` (sequence ${value.SequenceNumber})` : '';
  out(`sent ${value.MessageId} to ${name}${sequence}`);
}

async function receive(ctx: CliContext, name: string, flags: ReceiveFlags): Promise<void> {
  const url = await queueUrl(ctx, name);
  const input: Record<string, unknown> = {
    QueueUrl: url,
    MaxNumberOfMessages:
      flags.max === undefined ? 1 : intInRange('--max', flags.max, 1, 10, 'messages'),
    MessageSystemAttributeNames: ['All'],
    MessageAttributeNames: ['All'],
  };
  if (flags.wait !== undefined) input.WaitTimeSeconds = parseSeconds('--wait', flags.wait, 0, 20);
  if (flags.visibilityTimeout !== undefined) {
    input.VisibilityTimeout = parseSeconds(
      '--visibility-timeout',
      flags.visibilityTimeout,
      0,
      43_200,
    );
  }
  const { value, raw } = await sqsCall(ctx, 'ReceiveMessage', input, ReceiveAnswer, name);
  const messages = value.Messages ?? [];
  if (ctx.json) printJson(raw);
  else if (messages.length === 0) out('no messages');
  else {
    out(messages.map(describeMessage).join('\n\n'));
  }
  if (flags.delete && messages.length > 0) await deleteReceived(ctx, name, url, messages);
}

async function deleteReceived(
  ctx: CliContext,
  name: string,
  url: string,
  messages: z.infer<typeof Message>[],
): Promise<void> {
  const entries = messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle }));
  const input = { QueueUrl: url, Entries: entries };
  const { value } = await sqsCall(ctx, 'DeleteMessageBatch', input, DeleteBatchAnswer, name);
  const failed = value.Failed ?? [];
  if (failed.length > 0) {
    const first = failed[0];
    throw new CliError(
      `could not delete ${failed.length} of ${messages.length} messages (${first?.Code}: ${first?.Message ?? ''})`,
    );
  }
  if (!ctx.json) out(`\ndeleted ${messages.length} message${messages.length === 1 ? '' : 's'}`);
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `nimbus queue send` and `nimbus queue receive`. */
export function addMessageCommands(queue: Command): void {
  queue
    .command('send')
    .description('send a message')
    .argument('<name>', 'queue name')
    .argument('[body]', 'message body, or - to read it from stdin')
    .option('--file <file>', 'read the body from this file')
    .option('--delay <seconds>', 'hide the message this long first (0 to 900)')
    .option(
      '--attr <name=value>',
      'message attribute (repeatable); name:Number=42 or name:Binary=<base64> for other types',
      collect,
    )
    .option('--group <id>', 'message group (FIFO queues: required)')
    .option('--dedup <id>', 'deduplication id (FIFO queues without content-based deduplication)')
    .action(async (name: string, body: string | undefined, flags: SendFlags, cmd: Command) =>
      send(contextFrom(cmd), name, body, flags),
    );
  queue
    .command('receive')
    .description('receive messages: id, receive count, attributes and body')
    .argument('<name>', 'queue name')
    .option('--max <n>', 'at most this many messages, 1 to 10 (default 1)')
    .option('--wait <seconds>', 'long-poll up to this long for a message (0 to 20)')
    .option('--visibility-timeout <seconds>', 'hide the messages received this long')
    .option('--delete', 'delete the messages once printed')
    .action(async (name: string, flags: ReceiveFlags, cmd: Command) =>
      receive(contextFrom(cmd), name, flags),
    );
}
