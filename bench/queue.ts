// Queue → function throughput: messages/s through an SQS event source mapping into a
// no-op function, side by side with a plain SDK consumer (receive + delete, no function)
// draining the same kind of queue on the same server. Loopback only, bounded in count.
// Called by bench/run.ts; `node --import tsx bench/queue.ts <endpoint>` runs it alone
// against a running server.
import {
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  DeleteEventSourceMappingCommand,
  LambdaClient,
  type Runtime,
} from '@aws-sdk/client-lambda';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { helloZip } from './lib/lambda-api.js';
import { type Row, row } from './lib/table.js';

const CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };

export interface QueueBenchOptions {
  /** Messages per run (default 3000). */
  messages?: number;
  /** ScalingConfig.MaximumConcurrency of the mapping (default 5). */
  concurrency?: number;
  /** Give up waiting for the queue to drain after this long (default 120 s). */
  timeoutMs?: number;
}

export interface QueueBenchResult {
  messages: number;
  sendPerS: number;
  mappingPerS: number | null;
  plainConsumerPerS: number;
  rows: Row[];
}

/** Sends `n` messages in batches of 10, 8 batches in flight; returns messages/s. */
async function fill(sqs: SQSClient, url: string, n: number, tag: string): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const start = next;
      next += 10;
      const entries = [];
      for (let i = start; i < Math.min(start + 10, n); i++) {
        entries.push({ Id: `m${i}`, MessageBody: JSON.stringify({ tag, i }) });
      }
      await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries }));
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return n / ((performance.now() - t0) / 1000);
}

async function depth(sqs: SQSClient, url: string): Promise<number> {
  const a = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(a.Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(a.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

/** Receives and deletes in batches of 10 with `workers` consumers until the queue is empty. */
async function drainPlain(
  sqs: SQSClient,
  url: string,
  n: number,
  workers: number,
): Promise<number> {
  const t0 = performance.now();
  let done = 0;
  const worker = async () => {
    while (done < n) {
      const r = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      const msgs = r.Messages ?? [];
      if (msgs.length === 0) continue;
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: url,
          Entries: msgs.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })),
        }),
      );
      done += msgs.length;
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return n / ((performance.now() - t0) / 1000);
}

/**
 * Fills a queue, then maps it to a no-op function and times until it is empty;
 * the reference drains an equal queue with plain SDK consumers.
 */
export async function benchQueueMapping(
  endpoint: string,
  o: QueueBenchOptions = {},
): Promise<QueueBenchResult> {
  const n = o.messages ?? 3000;
  const concurrency = o.concurrency ?? 5;
  const common = { endpoint, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 2 };
  const sqs = new SQSClient(common);
  const lambda = new LambdaClient(common);
  const stamp = Date.now().toString(36);
  try {
    const plainUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `plain-${stamp}` })))
      .QueueUrl as string;
    const sendPerS = await fill(sqs, plainUrl, n, 'plain');
    const plainConsumerPerS = await drainPlain(sqs, plainUrl, n, concurrency);

    const name = `qbench-${stamp}`;
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl as string;
    await fill(sqs, url, n, 'mapped');
    const major = process.versions.node.split('.')[0];
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        // The host's major, which the SDK's enum may not list yet.
        Runtime: `nodejs${major}.x` as Runtime,
        Handler: 'index.handler',
        Role: 'arn:aws:iam::000000000000:role/bench',
        Code: { ZipFile: await helloZip() },
      }),
    );
    const t0 = performance.now();
    const mapping = await lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: name,
        EventSourceArn: `arn:aws:sqs:us-east-1:000000000000:${name}`,
        BatchSize: 10,
        ScalingConfig: { MaximumConcurrency: Math.max(2, concurrency) },
      }),
    );
    const deadline = Date.now() + (o.timeoutMs ?? 120_000);
    let left = n;
    while (left > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      left = await depth(sqs, url);
    }
    const mappingPerS = left === 0 ? n / ((performance.now() - t0) / 1000) : null;
    await lambda.send(new DeleteEventSourceMappingCommand({ UUID: mapping.UUID }));
    const rows = [
      row(
        `queue → function mapping, messages/s (${n} msgs, batch 10, ${concurrency} pollers)`,
        mappingPerS,
        {
          value: plainConsumerPerS,
          name: `SDK receive+delete, ${concurrency} consumers`,
        },
      ),
      row('SendMessageBatch, messages/s (8 batches in flight)', sendPerS, null),
    ];
    return { messages: n, sendPerS, mappingPerS, plainConsumerPerS, rows };
  } finally {
    sqs.destroy();
    lambda.destroy();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const endpoint = process.argv[2];
  if (!endpoint) {
    console.error('usage: node --import tsx bench/queue.ts http://127.0.0.1:PORT');
    process.exit(2);
  }
  const { formatTable } = await import('./lib/table.js');
  const r = await benchQueueMapping(endpoint);
  console.log(formatTable(r.rows));
}
