import { invalidParameter, noSuchQueue } from '../errors.js';
import { type OpContext, type Operation, targetQueue, urlOf } from './context.js';

const MAX_LIST_RESULTS = 1000;

/** CreateQueue: idempotent for identical attributes; `tags` (JSON) or `Tag.N` (query). */
const createQueue: Operation = async (ctx) => {
  const { params } = ctx;
  const name = params.requiredString('QueueName');
  const tags = { ...params.stringMap('Tags'), ...params.stringMap('tags') };
  const q = await ctx.service.registry.create(name, params.stringMap('Attributes'), tags);
  return { QueueUrl: urlOf(ctx, q.name) };
};

const getQueueUrl: Operation = async (ctx) => {
  const name = ctx.params.requiredString('QueueName');
  const owner = ctx.params.string('QueueOwnerAWSAccountId');
  if (owner !== undefined && owner !== ctx.service.arn.accountId) throw noSuchQueue();
  const q = await ctx.service.registry.get(name);
  return { QueueUrl: urlOf(ctx, q.name) };
};

/** ListQueues: by prefix; pages (NextToken) only when MaxResults is given, as SQS. */
const listQueues: Operation = async (ctx) => {
  const names = (await ctx.service.registry.list(ctx.params.string('QueueNamePrefix'))).map(
    (q) => q.name,
  );
  return urlPage(ctx, names, 'QueueUrls');
};

const getQueueAttributes: Operation = async (ctx) => {
  const names = ctx.params.stringList('AttributeNames');
  const attrs = await ctx.service.registry.attributes(targetQueue(ctx), names);
  return Object.keys(attrs).length ? { Attributes: attrs } : {};
};

const setQueueAttributes: Operation = async (ctx) => {
  await ctx.service.registry.setAttributes(targetQueue(ctx), ctx.params.stringMap('Attributes'));
  return null;
};

const deleteQueue: Operation = async (ctx) => {
  await ctx.service.registry.delete(targetQueue(ctx));
  return null;
};

const purgeQueue: Operation = async (ctx) => {
  await ctx.service.registry.purge(targetQueue(ctx));
  return null;
};

const tagQueue: Operation = async (ctx) => {
  await ctx.service.registry.tag(targetQueue(ctx), ctx.params.stringMap('Tags'));
  return null;
};

const untagQueue: Operation = async (ctx) => {
  await ctx.service.registry.untag(targetQueue(ctx), ctx.params.stringList('TagKeys'));
  return null;
};

const listQueueTags: Operation = async (ctx) => {
  const q = await ctx.service.registry.get(targetQueue(ctx));
  return Object.keys(q.tags).length ? { Tags: q.tags } : {};
};

const listDeadLetterSourceQueues: Operation = async (ctx) => {
  const names = await ctx.service.registry.deadLetterSources(targetQueue(ctx));
  return { queueUrls: [], ...urlPage(ctx, names, 'queueUrls') };
};

/** One page of queue URLs under `member`; NextToken is the last name, base64url. */
function urlPage(ctx: OpContext, names: string[], member: string): Record<string, unknown> {
  const max = ctx.params.int('MaxResults');
  const token = ctx.params.string('NextToken');
  if (max !== undefined && (max < 1 || max > MAX_LIST_RESULTS)) {
    throw invalidParameter('MaxResults', max, 'Must be between 1 and 1000, if provided.');
  }
  let start = 0;
  if (token) {
    const after = Buffer.from(token, 'base64url').toString('utf8');
    if (Buffer.from(after, 'utf8').toString('base64url') !== token) {
      throw invalidParameter('NextToken', token, 'Invalid NextToken value.');
    }
    start = names.findIndex((n) => n > after);
    if (start < 0) start = names.length;
  }
  const page = names.slice(start, start + (max ?? MAX_LIST_RESULTS));
  const out: Record<string, unknown> = {};
  if (page.length) out[member] = page.map((n) => urlOf(ctx, n));
  const last = page.at(-1);
  if (max !== undefined && last !== undefined && start + page.length < names.length) {
    out.NextToken = Buffer.from(last, 'utf8').toString('base64url');
  }
  return out;
}

/** The queue-management operations, by SQS action name. */
export const QUEUE_OPERATIONS: Record<string, Operation> = {
  CreateQueue: createQueue,
  GetQueueUrl: getQueueUrl,
  ListQueues: listQueues,
  GetQueueAttributes: getQueueAttributes,
  SetQueueAttributes: setQueueAttributes,
  DeleteQueue: deleteQueue,
  PurgeQueue: purgeQueue,
  TagQueue: tagQueue,
  UntagQueue: untagQueue,
  ListQueueTags: listQueueTags,
  ListDeadLetterSourceQueues: listDeadLetterSourceQueues,
};
