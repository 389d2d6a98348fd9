import { z } from 'zod';
import type { CliContext } from './context.js';
import { CliError, rewordError } from './errors.js';

/** SQS's JSON protocol: `X-Amz-Target: AmazonSQS.<Op>` and this content type. */
const JSON_PROTOCOL = 'application/x-amz-json-1.0';

/** SQS error codes in the user's words, given the queue the request named. */
const WORDS: Record<string, (queue: string) => string> = {
  QueueDoesNotExist: (q) => `no such queue: ${q}`,
  QueueNameExists: (q) => `queue ${q} already exists with other attributes`,
  PurgeQueueInProgress: (q) => `queue ${q} was purged less than 60 seconds ago: try again later`,
};

const QueueUrlAnswer = z.object({ QueueUrl: z.string() }).loose();
const AttributesAnswer = z
  .object({ Attributes: z.record(z.string(), z.string()).optional() })
  .loose();

/**
 * Calls one SQS action over the JSON protocol (signed for `sqs` when the CLI has
 * credentials) and checks the answer; errors about `queue` read as such.
 * @example await sqsCall(ctx, 'PurgeQueue', { QueueUrl: url }, z.object({}), 'jobs')
 */
export async function sqsCall<S extends z.ZodType>(
  ctx: CliContext,
  op: string,
  input: Record<string, unknown>,
  schema: S,
  queue?: string,
): Promise<{ value: z.output<S>; raw: unknown }> {
  try {
    return await ctx.client.json('/', schema, {
      method: 'POST',
      service: 'sqs',
      headers: { 'content-type': JSON_PROTOCOL, 'x-amz-target': `AmazonSQS.${op}` },
      body: Buffer.from(JSON.stringify(input), 'utf8'),
    });
  } catch (e) {
    const words = e instanceof CliError && e.code && queue !== undefined && WORDS[e.code];
    throw words ? rewordError(e, words(queue)) : e;
  }
}

/** A queue's URL, by name: `no such queue: NAME` when there is none. */
export async function queueUrl(ctx: CliContext, name: string): Promise<string> {
  return (await sqsCall(ctx, 'GetQueueUrl', { QueueName: name }, QueueUrlAnswer, name)).value
    .QueueUrl;
}

/** Some (default: all) attributes of the queue at `url`, as SQS's strings. */
export async function queueAttributes(
  ctx: CliContext,
  name: string,
  url: string,
  names: readonly string[] = ['All'],
): Promise<Record<string, string>> {
  const input = { QueueUrl: url, AttributeNames: names };
  return (
    (await sqsCall(ctx, 'GetQueueAttributes', input, AttributesAnswer, name)).value.Attributes ?? {}
  );
}

/** A queue's ARN, by name (for redrive policies and event source mappings). */
export async function queueArn(ctx: CliContext, name: string): Promise<string> {
  const arn = (await queueAttributes(ctx, name, await queueUrl(ctx, name), ['QueueArn'])).QueueArn;
  if (!arn) throw new CliError(`the server did not say the ARN of queue ${name}`);
  return arn;
}

/** The queue name at the end of a queue URL or ARN. */
export function queueNameOf(urlOrArn: string): string {
  const last = urlOrArn.split(/[/:]/).at(-1) ?? urlOrArn;
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}
