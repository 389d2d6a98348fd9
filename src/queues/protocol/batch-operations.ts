import { attempt, SqsError, sqsError } from '../errors.js';
import { attributesSizeBytes, parseMessageAttributes } from '../message-attributes.js';
import type { SendInput, SendResult } from '../send-entry.js';
import { type OpContext, type Operation, targetQueue } from './context.js';
import { sendInput, sendResultFields } from './message-operations.js';
import type { Params } from './params.js';

const MAX_ENTRIES = 10;
const ENTRY_ID_RE = /^[A-Za-z0-9_-]{1,80}$/;

/** Checks a batch as SQS does before any entry runs; returns the entries with their ids. */
function batchEntries(ctx: OpContext, entryName: string): Array<{ id: string; p: Params }> {
  const entries = ctx.params.structList('Entries');
  if (entries.length === 0) {
    throw sqsError(
      'EmptyBatchRequest',
      `There should be at least one ${entryName} in the request.`,
    );
  }
  if (entries.length > MAX_ENTRIES) {
    throw sqsError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are ${MAX_ENTRIES}. You have sent ${entries.length}.`,
    );
  }
  const seen = new Set<string>();
  return entries.map((p) => {
    const id = p.string('Id') ?? '';
    if (!ENTRY_ID_RE.test(id)) {
      throw sqsError(
        'InvalidBatchEntryId',
        'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
      );
    }
    if (seen.has(id)) throw sqsError('BatchEntryIdsNotDistinct', `Id ${id} repeated.`);
    seen.add(id);
    return { id, p };
  });
}

/** Splits per-entry outcomes into SQS's Successful / Failed lists. */
function batchResult<T>(
  ids: string[],
  results: Array<T | SqsError>,
  success: (id: string, r: T) => Record<string, unknown>,
): Record<string, unknown> {
  const Successful: Record<string, unknown>[] = [];
  const Failed: Record<string, unknown>[] = [];
  results.forEach((r, i) => {
    const Id = ids[i]!; // One result per entry.
    if (r instanceof SqsError) {
      Failed.push({ Id, SenderFault: r.senderFault, Code: r.queryCode, Message: r.message });
    } else {
      Successful.push(success(Id, r));
    }
  });
  return { Successful, Failed };
}

/** SendMessageBatch: one transaction for the valid entries; invalid ones are reported in Failed. */
const sendMessageBatch: Operation = async (ctx) => {
  const queue = targetQueue(ctx);
  const entries = batchEntries(ctx, 'SendMessageBatchRequestEntry');
  const inputs = entries.map((e) => attempt(() => sendInput(e.p, ctx.traceHeader)));
  const valid = inputs.filter((i): i is SendInput => !(i instanceof SqsError));
  const totalBytes = valid.reduce((n, input) => {
    const attrs = attempt(() => parseMessageAttributes(input.messageAttributes));
    const attrBytes = attrs instanceof SqsError ? 0 : attributesSizeBytes(attrs);
    return n + Buffer.byteLength(input.body) + attrBytes;
  }, 0);
  if (totalBytes > ctx.service.maxMessageBytes) {
    throw sqsError(
      'BatchRequestTooLong',
      `Batch requests cannot be longer than ${ctx.service.maxMessageBytes} bytes. You have sent ${totalBytes} bytes.`,
    );
  }
  const sent = await ctx.service.messages.send(queue, valid, ctx.senderId);
  let next = 0;
  // One send result per valid input, in order.
  const results = inputs.map((i) => (i instanceof SqsError ? i : sent[next++]!));
  return batchResult<SendResult>(
    entries.map((e) => e.id),
    results,
    (Id, r) => ({ Id, ...sendResultFields(r) }),
  );
};

const deleteMessageBatch: Operation = async (ctx) => {
  const queue = targetQueue(ctx);
  const entries = batchEntries(ctx, 'DeleteMessageBatchRequestEntry');
  const handles = entries.map((e) => e.p.string('ReceiptHandle') ?? '');
  const results = await ctx.service.messages.delete(queue, handles);
  return batchResult(
    entries.map((e) => e.id),
    results,
    (Id) => ({ Id }),
  );
};

const changeMessageVisibilityBatch: Operation = async (ctx) => {
  const queue = targetQueue(ctx);
  const entries = batchEntries(ctx, 'ChangeMessageVisibilityBatchRequestEntry');
  const changes = entries.map((e) => ({
    handle: e.p.string('ReceiptHandle') ?? '',
    visibilityTimeoutS: e.p.int('VisibilityTimeout') ?? 0,
  }));
  const results = await ctx.service.messages.changeVisibility(queue, changes);
  return batchResult(
    entries.map((e) => e.id),
    results,
    (Id) => ({ Id }),
  );
};

/** The batch operations, by SQS action name. */
export const BATCH_OPERATIONS: Record<string, Operation> = {
  SendMessageBatch: sendMessageBatch,
  DeleteMessageBatch: deleteMessageBatch,
  ChangeMessageVisibilityBatch: changeMessageVisibilityBatch,
};
