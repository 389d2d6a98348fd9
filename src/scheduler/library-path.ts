import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { SandboxPaths } from '../sandbox/index.js';

/** A shared object's file name (`libfoo.so`, `libfoo.so.1.2`), not the dynamic loader. */
const SHARED_OBJECT = /\.so(\.\d+)*$/;

const holds = new Map<string, boolean>();

/** Whether a host folder holds shared libraries; asked once per folder (code folders never change). */
function holdsLibraries(dir: string): boolean {
  let hit = holds.get(dir);
  if (hit === undefined) {
    try {
      hit = readdirSync(dir).some((n) => SHARED_OBJECT.test(n) && !n.startsWith('ld-linux'));
    } catch {
      hit = false;
    }
    holds.set(dir, hit);
  }
  return hit;
}

/**
 * LD_LIBRARY_PATH of a runtime: Lambda's folders (`/lib64:/usr/lib64:$LAMBDA_TASK_ROOT:
 * $LAMBDA_TASK_ROOT/lib:/opt/lib`, as the sandbox sees them) that hold a shared library on
 * this host. The dynamic loader tries every folder of the list, with each of its
 * hardware-capability subfolders, for every library a program needs before it looks in
 * its cache: an empty or missing folder only costs a process start hundreds of failed
 * opens. Nimbus's runtime folder holds no libraries and is never listed.
 * `host`: the function's code and layers folders on the host.
 */
export function libraryPath(
  paths: SandboxPaths,
  host: { codeDir: string; optDir: string | null },
): string {
  const candidates: [string, string | null][] = [
    ['/lib64', '/lib64'],
    ['/usr/lib64', '/usr/lib64'],
    [paths.taskRoot, host.codeDir],
    [`${paths.taskRoot}/lib`, path.join(host.codeDir, 'lib')],
    [`${paths.optDir}/lib`, host.optDir && path.join(host.optDir, 'lib')],
  ];
  return candidates
    .filter(([, hostDir]) => hostDir !== null && holdsLibraries(hostDir))
    .map(([dir]) => dir)
    .join(':');
}
