import { invalidParameter, missingParameter, SqsError } from '../errors.js';
import { toReceived, wireMessage } from '../received.js';
import type { SendInput, SendResult } from '../send-entry.js';
import { type Operation, targetQueue } from './context.js';
import type { Params } from './params.js';

const MAX_WAIT_S = 20;

/** One message to send, from SendMessage's parameters or a batch entry's. */
export function sendInput(p: Params, traceHeader?: string): SendInput {
  const delaySeconds = p.int('DelaySeconds');
  const groupId = p.string('MessageGroupId');
  const dedupId = p.string('MessageDeduplicationId');
  return {
    body: p.string('MessageBody') ?? '',
    messageAttributes: p.raw('MessageAttributes'),
    messageSystemAttributes: p.raw('MessageSystemAttributes'),
    ...(delaySeconds !== undefined ? { delaySeconds } : {}),
    ...(groupId !== undefined ? { groupId } : {}),
    ...(dedupId !== undefined ? { dedupId } : {}),
    ...(traceHeader ? { traceHeader } : {}),
  };
}

/** SendMessage's answer fields for one message (SendMessageBatch adds the entry id). */
export function sendResultFields(r: SendResult): Record<string, unknown> {
  return {
    MessageId: r.messageId,
    MD5OfMessageBody: r.md5OfBody,
    ...(r.md5OfMessageAttributes ? { MD5OfMessageAttributes: r.md5OfMessageAttributes } : {}),
    ...(r.md5OfMessageSystemAttributes
      ? { MD5OfMessageSystemAttributes: r.md5OfMessageSystemAttributes }
      : {}),
    ...(r.sequenceNumber ? { SequenceNumber: r.sequenceNumber } : {}),
  };
}

const sendMessage: Operation = async (ctx) => {
  const queue = targetQueue(ctx);
  const [r] = await ctx.service.messages.send(
    queue,
    [sendInput(ctx.params, ctx.traceHeader)],
    ctx.senderId,
  );
  if (r === undefined || r instanceof SqsError) throw r;
  return sendResultFields(r);
};

/** ReceiveMessage: long polls up to WaitTimeSeconds; attributes as asked (AttributeNames or MessageSystemAttributeNames). */
const receiveMessage: Operation = async (ctx) => {
  const { params } = ctx;
  const queue = targetQueue(ctx);
  const wait = params.int('WaitTimeSeconds');
  if (wait !== undefined && (wait < 0 || wait > MAX_WAIT_S)) {
    throw invalidParameter('WaitTimeSeconds', wait, 'Must be >= 0 and <= 20, if provided.');
  }
  const visibility = params.int('VisibilityTimeout');
  const { queue: q, messages } = await ctx.service.messages.receive(queue, {
    maxMessages: params.int('MaxNumberOfMessages') ?? 1,
    ...(visibility !== undefined ? { visibilityTimeoutS: visibility } : {}),
    ...(wait !== undefined ? { waitTimeMs: wait * 1000 } : {}),
    signal: ctx.signal,
  });
  if (messages.length === 0) return {};
  const attributeNames = [
    ...params.stringList('AttributeNames'),
    ...params.stringList('MessageSystemAttributeNames'),
  ];
  const messageAttributeNames = params.stringList('MessageAttributeNames');
  return {
    Messages: messages.map((m) =>
      wireMessage(
        toReceived(m, {
          fifo: q.fifo,
          attributeNames,
          messageAttributeNames,
          sourceArn: (name) => ctx.service.registry.arn(name),
        }),
      ),
    ),
  };
};

const deleteMessage: Operation = async (ctx) => {
  const queue = targetQueue(ctx);
  const handle = ctx.params.requiredString('ReceiptHandle');
  const [err] = await ctx.service.messages.delete(queue, [handle]);
  if (err) throw err;
  return null;
};

const changeMessageVisibility: Operation = async (ctx) => {
  const { params } = ctx;
  const queue = targetQueue(ctx);
  const handle = params.requiredString('ReceiptHandle');
  const timeout = params.int('VisibilityTimeout');
  if (timeout === undefined) throw missingParameter('VisibilityTimeout');
  const [err] = await ctx.service.messages.changeVisibility(queue, [
    { handle, visibilityTimeoutS: timeout },
  ]);
  if (err) throw err;
  return null;
};

/** The single-message operations, by SQS action name. */
export const MESSAGE_OPERATIONS: Record<string, Operation> = {
  SendMessage: sendMessage,
  ReceiveMessage: receiveMessage,
  DeleteMessage: deleteMessage,
  ChangeMessageVisibility: changeMessageVisibility,
};
