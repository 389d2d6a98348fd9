// `node --import tsx bench/s3.ts`: PutObject / GetObject throughput of the built-in object
// storage with the AWS SDK v3, side by side with plain node:fs writes and reads of the same
// sizes in the same run. Without ENDPOINT it starts a temporary in-process server on a temp
// data dir (removed afterwards); ENDPOINT=http://127.0.0.1:9000 measures a running Nimbus.
// Env: SMALL_N=50 (1 MB objects), LARGE_N=2 (100 MB objects).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { startStandaloneS3 } from '../src/buckets/index.js';
import { round } from './lib/stats.js';
import { formatTable, type Row, row } from './lib/table.js';

const MB = 1024 * 1024;

interface Case {
  label: string;
  sizeBytes: number;
  iterations: number;
}

/** MB/s of `iterations` sequential runs of `fn` moving `sizeBytes` each. */
async function throughputMbS(
  sizeBytes: number,
  iterations: number,
  fn: (i: number) => Promise<void>,
) {
  await fn(-1); // warm-up: connection, JIT, page cache
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) await fn(i);
  const seconds = (performance.now() - t0) / 1000;
  return round((sizeBytes * iterations) / MB / seconds, 1);
}

/** Drains a GetObject body, returning its length. */
async function drain(body: unknown): Promise<number> {
  let n = 0;
  for await (const chunk of body as Readable) n += (chunk as Buffer).length;
  return n;
}

/**
 * PutObject and GetObject throughput (MB/s) against `endpoint` for 1 MB objects
 * (many iterations) and 100 MB objects, each beside node:fs writing and reading the
 * same bytes in a temp dir (the reference). Creates and removes its own bucket.
 */
export async function benchS3(endpoint: string): Promise<Row[]> {
  const env = (name: string, def: number) => Number(process.env[name] ?? def);
  const cases: Case[] = [
    { label: '1 MB', sizeBytes: MB, iterations: env('SMALL_N', 50) },
    { label: '100 MB', sizeBytes: 100 * MB, iterations: env('LARGE_N', 2) },
  ];
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: {
      accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'bench',
      secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'bench',
    },
  });
  const bucket = `nimbus-bench-${randomBytes(4).toString('hex')}`;
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'nimbus-s3-bench-fs-'));
  const rows: Row[] = [];
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    for (const c of cases) {
      const body = randomBytes(c.sizeBytes);
      const key = (i: number) => `obj-${c.label.replace(' ', '')}-${i}`;
      const file = (i: number) => path.join(scratch, `f${i}`);
      const put = await throughputMbS(c.sizeBytes, c.iterations, async (i) => {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: key(i), Body: body }));
      });
      const fsWrite = await throughputMbS(c.sizeBytes, c.iterations, (i) =>
        writeFile(file(i), body),
      );
      const get = await throughputMbS(c.sizeBytes, c.iterations, async (i) => {
        const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key(i) }));
        if ((await drain(r.Body)) !== c.sizeBytes) throw new Error(`short read of ${key(i)}`);
      });
      const fsRead = await throughputMbS(c.sizeBytes, c.iterations, async (i) => {
        await readFile(file(i));
      });
      rows.push(
        row(`S3 PutObject ${c.label} MB/s`, put, { value: fsWrite, name: 'fs.writeFile' }),
        row(`S3 GetObject ${c.label} MB/s`, get, { value: fsRead, name: 'fs.readFile' }),
      );
      for (let i = -1; i < c.iterations; i++) {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key(i) }));
        await rm(file(i), { force: true });
      }
    }
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
    rmSync(scratch, { recursive: true, force: true });
  }
  return rows;
}

/** A temporary object storage on a temp data dir (removed on stop), for running standalone. */
async function startTemporaryServer(): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-s3-bench-'));
  const s3 = await startStandaloneS3({ dataDir });
  return {
    endpoint: s3.endpoint,
    async stop() {
      await s3.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const temporary = process.env.ENDPOINT ? null : await startTemporaryServer();
  try {
    const endpoint = process.env.ENDPOINT ?? temporary?.endpoint ?? '';
    const rows = await benchS3(endpoint);
    process.stdout.write(
      `\nNimbus S3 bench — ${endpoint}, node ${process.version}\n\n${formatTable(rows)}\n`,
    );
  } finally {
    await temporary?.stop();
  }
}
