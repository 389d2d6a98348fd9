import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PYTHON, run } from './clients.js';
import { type SqsTestServer, startSqsServer } from './sqs-server.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/boto3_sqs.py', import.meta.url));

describe('conformance: Debian boto3 (query protocol) against the SQS endpoint', () => {
  let s: SqsTestServer;
  before(async () => {
    s = await startSqsServer();
  });
  after(async () => {
    await s.close();
  });

  test('boto3 runs the message, batch, long-poll and error scenario with digests it checks itself', async () => {
    const r = await run(PYTHON, [SCRIPT, s.endpoint]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(out.url, `${s.endpoint}/123456789012/boto-main`);
    assert.equal(out.send_md5_ok, true, 'MD5OfMessageAttributes on send');
    assert.equal(out.body_md5_ok, true);
    assert.equal(out.receive_md5_ok, true, 'MD5OfMessageAttributes on receive');
    assert.equal(out.binary_roundtrip, true);
    assert.equal(out.body, 'payload 😀 <&>');
    assert.equal(out.receive_count, '1');
    assert.equal(out.partial_none, true, 'the message is in flight');
    assert.deepEqual(out.selected_names, ['str']);
    assert.equal(out.selected_md5_ok, true, 'digest of the selected attributes');
    assert.equal(out.poll_body, 'late');
    assert.ok((out.poll_seconds as number) < 5, `long poll took ${out.poll_seconds} s`);
    assert.deepEqual(out.batch_ok, ['ok']);
    assert.deepEqual(out.batch_failed, [['bad', 'InvalidParameterValue', true]]);
    assert.equal(out.batch_md5_ok, true);
    assert.deepEqual(out.delete_batch, [['m'], ['ReceiptHandleIsInvalid']]);
    assert.deepEqual(out.missing, ['AWS.SimpleQueueService.NonExistentQueue', 400]);
    assert.equal(out.exists_code, 'QueueAlreadyExists');
    assert.equal(out.bad_attr_code, 'InvalidAttributeName');
    assert.equal(out.bad_max_code, 'InvalidParameterValue');
    assert.equal(out.too_big_code, 'InvalidParameterValue');
    assert.equal(out.handle_code, 'ReceiptHandleIsInvalid');
    assert.deepEqual(out.attributes, {
      QueueArn: 'arn:aws:sqs:us-east-1:123456789012:boto-main',
      ApproximateNumberOfMessages: '0',
      VisibilityTimeout: '30',
    });
    assert.deepEqual(out.queues, [
      `${s.endpoint}/123456789012/boto-main`,
      `${s.endpoint}/123456789012/boto-poll`,
    ]);
  });
});
