import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import yazl from 'yazl';
import { planZip } from './src/code/validate-zip.js';
import { extractZip } from './src/code/extract-zip.js';

async function zipOf(items: { name: string; data: Buffer }[]) {
  const z = new yazl.ZipFile();
  for (const i of items) z.addBuffer(i.data, i.name, { mode: 0o100644 });
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
const limits = { maxZipBytes: 50 << 20, maxUnzippedBytes: 250 << 20, maxZipEntries: 10000 };
const root = await mkdtemp(path.join(os.tmpdir(), 'bench-code-'));
const many = await zipOf(Array.from({ length: 9999 }, (_, i) => ({ name: `nm/p${i % 100}/f${i}.js`, data: Buffer.from(`module.exports=${i};`.repeat(50)) })));
let t = performance.now(); let plan = await planZip(many, limits); console.log('plan ms', (performance.now() - t).toFixed(0));
t = performance.now(); await extractZip(plan); console.log('inflate-only ms', (performance.now() - t).toFixed(0));
plan = await planZip(many, limits);
t = performance.now(); await extractZip(plan, path.join(root, 'x')); console.log('extract ms', (performance.now() - t).toFixed(0));
await rm(root, { recursive: true, force: true });
