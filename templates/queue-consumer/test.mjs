// Checks the deployed project: `node test.mjs` (after `nimbus dev` or `nimbus deploy --yes`).
// Sends a job to the queue over SQS's JSON protocol, then waits for the worker to log it.
import assert from 'node:assert/strict';

const api = process.env.NIMBUS_ENDPOINT ?? 'http://127.0.0.1:9000';

async function sqs(op, input) {
  const res = await fetch(`${api}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AmazonSQS.${op}` },
    body: JSON.stringify(input),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return body;
}

const id = `job-${Date.now()}`;
const { QueueUrl } = await sqs('GetQueueUrl', { QueueName: 'jobs' });
await sqs('SendMessage', { QueueUrl, MessageBody: JSON.stringify({ id }) });

const until = Date.now() + 20_000;
for (;;) {
  const res = await fetch(`${api}/nimbus/v1/functions/worker/logs?limit=1000`);
  const { events } = await res.json();
  if (events.some((e) => e.message.includes(`processed job ${id}`))) break;
  assert.ok(Date.now() < until, `the worker did not log "processed job ${id}" within 20 s`);
  await new Promise((r) => setTimeout(r, 250));
}
console.log(`ok: the worker processed ${id} from the jobs queue`);
