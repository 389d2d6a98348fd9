import { invalidParameter, noSuchQueue, sqsError } from './errors.js';

/** Where queues live: their ARNs' region and account. */
export interface QueueArnContext {
  region: string;
  accountId: string;
}

const NAME_RE = /^[A-Za-z0-9_-]{1,80}$/;
const FIFO_NAME_RE = /^[A-Za-z0-9_-]{1,75}\.fifo$/;
const ARN_RE = /^arn:aws[a-zA-Z-]*:sqs:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_.-]+)$/;

/** Throws SQS's InvalidParameterValue unless `name` is a valid name for a queue of that type. */
export function checkQueueName(name: string, fifo: boolean): void {
  if (fifo && !FIFO_NAME_RE.test(name)) {
    throw sqsError(
      'InvalidParameterValue',
      'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.',
    );
  }
  if (!fifo && !NAME_RE.test(name)) {
    throw sqsError(
      'InvalidParameterValue',
      'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
    );
  }
}

/** `arn:aws:sqs:REGION:ACCOUNT:NAME` */
export function queueArn(ctx: QueueArnContext, name: string): string {
  return `arn:aws:sqs:${ctx.region}:${ctx.accountId}:${name}`;
}

/** The queue name an ARN of this server names, or null. */
export function nameFromArn(ctx: QueueArnContext, arn: string): string | null {
  const m = ARN_RE.exec(arn);
  if (!m || m[1] !== ctx.region || m[2] !== ctx.accountId) return null;
  return m[3]!; // The pattern has three groups.
}

/** `<baseUrl>/<accountId>/<queueName>`; `baseUrl` is how the client reached us. */
export function queueUrl(baseUrl: string, ctx: QueueArnContext, name: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${ctx.accountId}/${name}`;
}

/**
 * The queue name a QueueUrl (any host: clients say `localhost` or `127.0.0.1`)
 * or a request path addresses: its last two path segments, account and name.
 * Throws QueueDoesNotExist for another account, InvalidAddress-like
 * InvalidParameterValue for something that is no queue URL.
 */
export function nameFromQueueUrl(ctx: QueueArnContext, url: string): string {
  let path = url;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    try {
      path = new URL(url).pathname;
    } catch {
      throw invalidParameter('QueueUrl', url, 'not a valid queue URL.');
    }
  }
  const segments = path.split('/').filter((s) => s !== '');
  const name = segments.at(-1);
  const account = segments.at(-2);
  if (name === undefined || account === undefined || !/^\d{12}$/.test(account)) {
    throw invalidParameter('QueueUrl', url, 'not a valid queue URL.');
  }
  if (account !== ctx.accountId) throw noSuchQueue();
  return decodeURIComponent(name);
}
