import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('./fixtures/crash-server.ts', import.meta.url));
const QUEUE_PATH = '/123456789012/crash';

/** One server child on the SQLite file; killed by its pid. */
interface Child {
  proc: ChildProcess;
  endpoint: string;
}

function startChild(file: string): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', 'tsx', FIXTURE, file], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error('crash server did not start'));
    }, 30_000);
    proc.stdout?.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const m = /READY (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, endpoint: m[1]! }); // The pattern has one group.
      }
    });
    proc.on('error', reject);
  });
}

function killHard(c: Child): Promise<void> {
  if (c.proc.exitCode !== null || c.proc.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => c.proc.once('exit', () => resolve()));
  process.kill(c.proc.pid!, 'SIGKILL'); // A spawned child that started has a pid.
  return exited;
}

/** One JSON-protocol call; null when the connection died (the server was killed). */
async function call(
  endpoint: string,
  op: string,
  body: object,
): Promise<Record<string, unknown> | null> {
  try {
    const r = await fetch(`${endpoint}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AmazonSQS.${op}` },
      body: JSON.stringify(body),
    });
    if (r.status !== 200) throw new Error(`${op}: ${r.status} ${await r.text()}`);
    return (await r.json()) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof TypeError) return null; // fetch failed: the server is gone.
    throw e;
  }
}

/** Receives until the queue stays empty, deleting nothing; returns bodies with their handles. */
async function drain(endpoint: string): Promise<Map<string, string>> {
  const seen = new Map<string, string>();
  for (let empty = 0; empty < 2; ) {
    const r = await call(endpoint, 'ReceiveMessage', {
      QueueUrl: `${endpoint}${QUEUE_PATH}`,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 60,
      WaitTimeSeconds: 1,
    });
    const msgs = (r?.Messages ?? []) as Array<{ Body: string; ReceiptHandle: string }>;
    if (msgs.length === 0) empty++;
    for (const m of msgs) seen.set(m.Body, m.ReceiptHandle);
  }
  return seen;
}

describe('sqs crash safety: SIGKILL mid-send and mid-receive loses nothing acknowledged', () => {
  let dir: string;
  let file: string;
  let child: Child | null = null;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'nimbus-sqs-crash-'));
    file = path.join(dir, 'nimbus.db');
  });
  after(async () => {
    if (child) await killHard(child);
    rmSync(dir, { recursive: true, force: true });
  });

  test('every acknowledged send survives, received-but-undeleted messages come back, acknowledged deletes stay done', async () => {
    child = await startChild(file);
    const created = await call(child.endpoint, 'CreateQueue', {
      QueueName: 'crash',
      Attributes: { VisibilityTimeout: '1' },
    });
    assert.ok(created);

    // Eight concurrent senders; the server dies under them after 300 acknowledgements.
    const acked = new Set<string>();
    const sender = async (id: number, endpoint: string) => {
      for (let i = 0; ; i++) {
        const body = `m-${id}-${i}`;
        const r = await call(endpoint, 'SendMessage', {
          QueueUrl: `${endpoint}${QUEUE_PATH}`,
          MessageBody: body,
        });
        if (r === null) return;
        acked.add(body);
        if (acked.size === 300 && child) void killHard(child);
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, id) => sender(id, child!.endpoint)));
    assert.ok(acked.size >= 300);

    child = await startChild(file);
    const afterSend = await drain(child.endpoint);
    for (const body of acked) assert.ok(afterSend.has(body), `acknowledged ${body} was lost`);

    // Delete a known set; each delete is acknowledged before the next.
    const toDelete = [...afterSend.entries()].slice(0, 50);
    for (const [, handle] of toDelete) {
      assert.ok(
        await call(child.endpoint, 'DeleteMessage', {
          QueueUrl: `${child.endpoint}${QUEUE_PATH}`,
          ReceiptHandle: handle,
        }),
      );
    }
    // Make the rest visible again, then die while a receiver holds some of them in flight.
    for (const [, handle] of [...afterSend.entries()].slice(50)) {
      assert.ok(
        await call(child.endpoint, 'ChangeMessageVisibility', {
          QueueUrl: `${child.endpoint}${QUEUE_PATH}`,
          ReceiptHandle: handle,
          VisibilityTimeout: 0,
        }),
      );
    }
    const endpoint = child.endpoint;
    let inFlight = 0;
    const receiving = (async () => {
      for (;;) {
        const r = await call(endpoint, 'ReceiveMessage', {
          QueueUrl: `${endpoint}${QUEUE_PATH}`,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 2,
        });
        if (r === null) return;
        inFlight += ((r.Messages ?? []) as unknown[]).length;
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    await killHard(child);
    await receiving;
    assert.ok(inFlight > 0, 'the receiver held messages when the server died');

    child = await startChild(file);
    await new Promise((r) => setTimeout(r, 2_100)); // Past the visibility timeout of what was received.
    const final = await drain(child.endpoint);
    const deleted = new Set(toDelete.map(([body]) => body));
    for (const body of acked) {
      if (deleted.has(body)) assert.ok(!final.has(body), `deleted ${body} came back`);
      else assert.ok(final.has(body), `undeleted ${body} did not come back`);
    }
    await killHard(child);
    child = null;
  });
});
