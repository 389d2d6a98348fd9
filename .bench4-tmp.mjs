import { mkdtemp, mkdir, writeFile, chmod, rm, open } from 'node:fs/promises';
import { writeFileSync, chmodSync, openSync, writeSync, closeSync, fchmodSync } from 'node:fs';
import os from 'node:os'; import path from 'node:path';
const root = await mkdtemp(path.join(os.tmpdir(), 'b4-'));
for (const variant of ['async8', 'async32', 'sync', 'syncfchmod']) {
  const d = path.join(root, variant); await mkdir(d);
  for (let p = 0; p < 100; p++) await mkdir(path.join(d, 'p' + p));
  const data = Buffer.alloc(1000, 'x');
  const t = performance.now();
  if (variant.startsWith('async')) {
    const conc = variant === 'async8' ? 8 : 32;
    let i = 0;
    await Promise.all(Array.from({ length: conc }, async () => { while (i < 10000) { const k = i++; const f = path.join(d, 'p' + (k % 100), 'f' + k); await writeFile(f, data, { flag: 'wx', mode: 0o644 }); await chmod(f, 0o644); } }));
  } else if (variant === 'sync') {
    for (let k = 0; k < 10000; k++) { const f = path.join(d, 'p' + (k % 100), 'f' + k); writeFileSync(f, data, { flag: 'wx', mode: 0o644 }); chmodSync(f, 0o644); }
  } else {
    for (let k = 0; k < 10000; k++) { const f = path.join(d, 'p' + (k % 100), 'f' + k); const fd = openSync(f, 'wx', 0o644); fchmodSync(fd, 0o644); writeSync(fd, data); closeSync(fd); }
  }
  console.log(variant, (performance.now() - t).toFixed(0));
}
await rm(root, { recursive: true, force: true });
