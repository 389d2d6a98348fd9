import type { AliasService, FunctionRegistry } from '../../functions/index.js';
import { resolveTarget } from '../../functions/index.js';
import type { Clock } from '../../shared/clock.js';
import { fail } from '../../shared/error-codes.js';
import type { IdGenerator } from '../../shared/ids.js';
import type { Store } from '../../store/types.js';
import { eventRecord } from './record.js';
import type { AsyncEnqueuer, EnqueueRequest, EnqueueResult } from './types.js';

export interface AsyncQueueOptions {
  store: Store;
  registry: FunctionRegistry;
  aliases: AliasService;
  clock: Clock;
  ids: IdGenerator;
  maxPayloadBytes: number;
  idempotencyWindowMs: number;
  /** Told after each new event, so delivery starts at once. */
  /** An event of `functionName` was stored. */
  onEnqueued(functionName: string): void;
}

const EMPTY_EVENT = Buffer.from('{}');

/**
 * Accepts Event invocations: checks the function and qualifier exist, stores
 * the event and its record in one transaction, and only then answers — a 202
 * means the event survives a crash.
 */
export class AsyncQueue implements AsyncEnqueuer {
  constructor(private readonly opts: AsyncQueueOptions) {}

  async enqueue(req: EnqueueRequest): Promise<EnqueueResult> {
    if (req.payload.length > this.opts.maxPayloadBytes) {
      throw fail(
        'RequestTooLargeException',
        `Request must be smaller than ${this.opts.maxPayloadBytes} bytes for the InvokeAsync operation`,
      );
    }
    const { fn } = await resolveTarget(
      this.opts.registry,
      this.opts.aliases,
      req.functionName,
      req.qualifier,
    );
    const now = this.opts.clock.now();
    const requestId = this.opts.ids.uuid();
    const qualifier = req.qualifier ?? null;
    const result = await this.opts.store.asyncEvents.enqueue(
      {
        requestId,
        functionName: fn.name,
        qualifier,
        payload: req.payload.length ? req.payload : EMPTY_EVENT,
        source: req.source,
        status: 'queued',
        attempts: 0,
        enqueuedAtMs: now,
        nextAttemptAtMs: now,
        leaseUntilMs: null,
        lastErrorType: null,
        lastErrorMessage: null,
        ...(req.traceParent ? { traceParent: req.traceParent } : {}),
      },
      eventRecord({
        requestId,
        functionName: fn.name,
        version: fn.version,
        qualifier,
        source: req.source,
        status: 'queued',
        attempts: 0,
        createdAtMs: now,
      }),
      req.clientToken
        ? { value: req.clientToken, windowMs: this.opts.idempotencyWindowMs }
        : undefined,
    );
    if (!result.duplicate) this.opts.onEnqueued(fn.name);
    return result;
  }
}
