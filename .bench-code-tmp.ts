import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import yazl from 'yazl';
import { CodeStore } from '/work/main/src/code/index.js';

async function zipOf(items: { name: string; data: Buffer }[]) {
  const z = new yazl.ZipFile();
  for (const i of items) z.addBuffer(i.data, i.name, { mode: 0o100644 });
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
const root = await mkdtemp(path.join(os.tmpdir(), 'bench-code-'));
const store = new CodeStore(root, { maxZipBytes: 50 << 20, maxUnzippedBytes: 250 << 20, maxZipEntries: 10000 });
const many = await zipOf(Array.from({ length: 9999 }, (_, i) => ({ name: `nm/p${i % 100}/f${i}.js`, data: Buffer.from(`module.exports=${i};`.repeat(50)) })));
let t = performance.now(); await store.put(many); console.log('10k small files put ms', (performance.now() - t).toFixed(0));
t = performance.now(); await store.put(many); console.log('idempotent put ms', (performance.now() - t).toFixed(0));
const big = await zipOf([{ name: 'zeros.bin', data: Buffer.alloc(200 << 20) }, { name: 'rand.bin', data: randomBytes(40 << 20) }]);
console.log('big zip bytes', big.length);
t = performance.now(); await store.inspect(big); console.log('inspect big ms', (performance.now() - t).toFixed(0));
const m0 = process.memoryUsage().rss;
t = performance.now(); await store.put(big); console.log('put big ms', (performance.now() - t).toFixed(0), 'rss MB', (process.memoryUsage().rss / 1e6).toFixed(0), (m0/1e6).toFixed(0));
await rm(root, { recursive: true, force: true });
