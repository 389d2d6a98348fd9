import yauzl from 'yauzl';
import yazl from 'yazl';
import zlib from 'node:zlib';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

async function zipOf(items: { name: string; data: Buffer }[]) {
  const z = new yazl.ZipFile();
  for (const i of items) z.addBuffer(i.data, i.name, { mode: 0o100644 });
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
const many = await zipOf(Array.from({ length: 9999 }, (_, i) => ({ name: `nm/p${i % 100}/f${i}.js`, data: Buffer.from(`module.exports=${i};`.repeat(50)) })));
const zf = await yauzl.fromBufferPromise(many, { lazyEntries: true, autoClose: false, validateEntrySizes: true });
const entries = [];
for await (const e of zf.eachEntry()) entries.push(e);
let t = performance.now();
for (const e of entries) { const s = await zf.openReadStreamPromise(e); await pipeline(s, new Writable({ write(_c, _e, cb) { cb(); } })); }
console.log('raw yauzl sequential ms', (performance.now() - t).toFixed(0));
t = performance.now();
for (const e of entries) { const s = await zf.openReadStreamPromise(e, { decodeFileData: false }); const chunks=[]; for await (const c of s) chunks.push(c); zlib.inflateRawSync(Buffer.concat(chunks)); }
console.log('raw + inflateRawSync ms', (performance.now() - t).toFixed(0));
t = performance.now();
for (const e of entries) { const s = zlib.createInflateRaw(); s.end(); }
console.log('create 10k InflateRaw ms', (performance.now() - t).toFixed(0));
