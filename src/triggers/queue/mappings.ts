import type { Clock } from '../../shared/clock.js';
import { fail } from '../../shared/error-codes.js';
import type { IdGenerator } from '../../shared/ids.js';
import type { EventSourceMapping, EventSourceMappingStore } from '../../store/types.js';
import { MappingPoller, type PollerDeps } from './poller.js';

/** What Create and Update may set (the Lambda API's names, already type-checked). */
export interface MappingInput {
  functionName?: string;
  qualifier?: string | null;
  eventSourceArn?: string;
  enabled?: boolean;
  batchSize?: number;
  maximumBatchingWindowInSeconds?: number;
  functionResponseTypes?: string[];
  /** null removes the limit. */
  maximumConcurrency?: number | null;
}

export interface MappingsDeps extends PollerDeps {
  store: EventSourceMappingStore;
  clock: Clock;
  ids: IdGenerator;
  /** The function's timeout, or a ResourceNotFoundException for a missing function/qualifier. */
  functionTimeoutS(name: string, qualifier: string | null): Promise<number>;
}

const SQS_ARN_RE = /^arn:aws[a-zA-Z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$/;
const MAX_BATCH_SIZE = 10_000;
const MAX_FIFO_BATCH_SIZE = 10;
const MAX_WINDOW_S = 300;

/**
 * Event source mappings for the built-in queues: validation as the Lambda API
 * does it, durable storage, and one poller per enabled mapping (started at
 * load and restarted whenever the mapping changes).
 */
export class EventSourceMappings {
  private readonly pollers = new Map<string, MappingPoller>();
  private closed = false;

  constructor(private readonly deps: MappingsDeps) {}

  /** Starts polling every enabled mapping in the store. */
  async load(): Promise<void> {
    for (const m of await this.deps.store.list()) this.run(m);
  }

  async create(input: MappingInput): Promise<EventSourceMapping> {
    if (!input.functionName) throw invalid('FunctionName is required.');
    if (!input.eventSourceArn) throw invalid('EventSourceArn is required.');
    const existing = await this.deps.store.list({
      functionName: input.functionName,
      eventSourceArn: input.eventSourceArn,
    });
    const same = existing.find((m) => m.qualifier === (input.qualifier ?? null));
    if (same) {
      throw fail(
        'ResourceConflictException',
        `An event source mapping with SQS arn (" ${input.eventSourceArn} ") and function (" ${input.functionName} ") already exists. Please update or delete the existing mapping with UUID ${same.uuid}`,
      );
    }
    const now = this.deps.clock.now();
    const m = await this.checked({
      uuid: this.deps.ids.uuid(),
      functionName: input.functionName,
      qualifier: input.qualifier ?? null,
      eventSourceArn: input.eventSourceArn,
      enabled: input.enabled ?? true,
      batchSize: input.batchSize ?? 10,
      maximumBatchingWindowInSeconds: input.maximumBatchingWindowInSeconds ?? 0,
      functionResponseTypes: input.functionResponseTypes ?? [],
      maximumConcurrency: input.maximumConcurrency ?? null,
      lastResult: 'No records processed',
      createdAtMs: now,
      lastModifiedMs: now,
    });
    await this.deps.store.put(m);
    this.run(m);
    return m;
  }

  async get(uuid: string): Promise<EventSourceMapping> {
    const m = await this.deps.store.get(uuid);
    if (!m) throw fail('ResourceNotFoundException', 'The resource you requested does not exist.');
    return m;
  }

  list(filter: { functionName?: string; eventSourceArn?: string }): Promise<EventSourceMapping[]> {
    return this.deps.store.list(filter);
  }

  async update(uuid: string, input: MappingInput): Promise<EventSourceMapping> {
    const cur = await this.get(uuid);
    const m = await this.checked({
      ...cur,
      functionName: input.functionName ?? cur.functionName,
      qualifier: input.functionName !== undefined ? (input.qualifier ?? null) : cur.qualifier,
      enabled: input.enabled ?? cur.enabled,
      batchSize: input.batchSize ?? cur.batchSize,
      maximumBatchingWindowInSeconds:
        input.maximumBatchingWindowInSeconds ?? cur.maximumBatchingWindowInSeconds,
      functionResponseTypes: input.functionResponseTypes ?? cur.functionResponseTypes,
      maximumConcurrency:
        input.maximumConcurrency !== undefined ? input.maximumConcurrency : cur.maximumConcurrency,
      lastModifiedMs: this.deps.clock.now(),
    });
    await this.deps.store.put(m);
    await this.halt(uuid);
    this.run(m);
    return m;
  }

  async delete(uuid: string): Promise<EventSourceMapping> {
    const m = await this.get(uuid);
    await this.halt(uuid);
    await this.deps.store.delete(uuid);
    return m;
  }

  /** Deletes every mapping of a deleted function. */
  async forgetFunction(functionName: string): Promise<void> {
    for (const m of await this.deps.store.list({ functionName })) await this.delete(m.uuid);
  }

  /** Stops every poller; batches in flight finish first. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.pollers.keys()].map((uuid) => this.halt(uuid)));
  }

  private run(m: EventSourceMapping): void {
    if (!m.enabled || this.closed) return;
    const p = new MappingPoller(m, this.deps);
    this.pollers.set(m.uuid, p);
    p.start();
  }

  private async halt(uuid: string): Promise<void> {
    const p = this.pollers.get(uuid);
    this.pollers.delete(uuid);
    await p?.stop();
  }

  /** The mapping if Lambda would accept it, else Lambda's error. */
  private async checked(m: EventSourceMapping): Promise<EventSourceMapping> {
    if (!SQS_ARN_RE.test(m.eventSourceArn)) {
      throw invalid(
        `Unsupported event source ${m.eventSourceArn}: Nimbus maps its built-in SQS queues (arn:aws:sqs:REGION:ACCOUNT:NAME).`,
      );
    }
    const queue = await this.deps.queues.byArn(m.eventSourceArn);
    if (!queue) throw invalid(`The queue ${m.eventSourceArn} does not exist.`);
    const maxBatch = queue.fifo ? MAX_FIFO_BATCH_SIZE : MAX_BATCH_SIZE;
    if (!Number.isInteger(m.batchSize) || m.batchSize < 1 || m.batchSize > maxBatch) {
      throw invalid(`BatchSize must be between 1 and ${maxBatch} for this queue.`);
    }
    const w = m.maximumBatchingWindowInSeconds;
    if (!Number.isInteger(w) || w < 0 || w > MAX_WINDOW_S) {
      throw invalid(`MaximumBatchingWindowInSeconds must be between 0 and ${MAX_WINDOW_S}.`);
    }
    if (m.batchSize > 10 && w === 0) {
      throw invalid(
        'Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10',
      );
    }
    for (const t of m.functionResponseTypes) {
      if (t !== 'ReportBatchItemFailures') {
        throw invalid(`FunctionResponseTypes may hold only ReportBatchItemFailures (got ${t}).`);
      }
    }
    const c = m.maximumConcurrency;
    if (c !== null && (!Number.isInteger(c) || c < 2 || c > 1000)) {
      throw invalid('ScalingConfig.MaximumConcurrency must be between 2 and 1000.');
    }
    const timeoutS = await this.deps.functionTimeoutS(m.functionName, m.qualifier);
    if (queue.visibilityTimeoutS < timeoutS) {
      throw invalid(
        `Queue visibility timeout: ${queue.visibilityTimeoutS} seconds is less than Function timeout: ${timeoutS} seconds`,
      );
    }
    return m;
  }
}

function invalid(message: string) {
  return fail('InvalidParameterValueException', message);
}
