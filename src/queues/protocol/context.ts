import { missingParameter } from '../errors.js';
import { nameFromQueueUrl, queueUrl } from '../names.js';
import type { QueueService } from '../service.js';
import type { Params } from './params.js';

/** What an operation gets: the service, the parameters and where the request came from. */
export interface OpContext {
  service: QueueService;
  params: Params;
  /** How the client reached us, for queue URLs (`http://127.0.0.1:9000`). */
  baseUrl: string;
  /** Who sent a message (SenderId): the caller's access key, else the account. */
  senderId: string;
  /** The request path when it is a queue URL's (query requests POSTed to the queue), else null. */
  queuePath: string | null;
  /** Aborts when the client goes away (ends long polls early). */
  signal: AbortSignal;
  /** The request's `X-Amzn-Trace-Id`, for the messages it sends. */
  traceHeader?: string;
}

/**
 * An operation: reads its parameters, acts, and answers in the JSON protocol's
 * shape (the query protocol writes the same as XML); null for no result.
 */
export type Operation = (ctx: OpContext) => Promise<Record<string, unknown> | null>;

/** The queue a request addresses: its QueueUrl parameter, else the request path. */
export function targetQueue(ctx: OpContext): string {
  const url = ctx.params.string('QueueUrl');
  if (url) return nameFromQueueUrl(ctx.service.arn, url);
  if (ctx.queuePath !== null) return nameFromQueueUrl(ctx.service.arn, ctx.queuePath);
  throw missingParameter('QueueUrl');
}

/** A queue's URL as this client addresses the server. */
export function urlOf(ctx: OpContext, name: string): string {
  return queueUrl(ctx.baseUrl, ctx.service.arn, name);
}
