import path from 'node:path';
import { findRelay, SANDBOX_PATHS } from '../sandbox/index.js';
import { HOST_PYTHON_PATH, type RuntimeInfo } from '../shared/runtimes.js';
import { libraryPath } from './library-path.js';
import { nodeBootstrapFile } from './node-bootstrap.js';
import { nodeHeapFlags, nodePath, RUNTIMES_DIR } from './plan.js';
import type { PoolSpec } from './pooled-sandbox.js';

/**
 * Variables a runtime reads only while it starts (the interpreter's own settings, the
 * dynamic loader's, the locale): a function that sets one itself cannot use a sandbox
 * that started without it, and gets a fresh one. Custom runtimes start their bootstrap at
 * assignment, so nothing of theirs is read early.
 */
const READ_AT_START: Record<RuntimeInfo['family'], RegExp | null> = {
  nodejs: /^(NODE_|UV_|LD_|LC_|LANG$|TZ$|OPENSSL_|SSL_CERT_)/,
  python: /^(PYTHON(?!PATH$)|LD_|LC_|LANG$|TZ$)/,
  provided: null,
};

/** What a function's instance would use a prewarmed sandbox for. */
export interface PoolCandidate {
  runtime: RuntimeInfo;
  memoryMb: number;
  /** The function's variables with its service's defaults. */
  env: Record<string, string>;
  codeDir: string;
  optDir: string | null;
  internetAccess: boolean;
  /** Its layers bring extensions (started with the runtime: not prewarmed). */
  hasExtensions: boolean;
}

/**
 * The key and spec of the prewarmed sandboxes a function could be given, or null when it
 * needs a fresh one: internet access (its network stack attaches as the sandbox starts),
 * extensions, a variable its runtime reads only at start, or libraries of its own on
 * LD_LIBRARY_PATH (the dynamic loader reads it at start).
 */
export function poolSpecFor(c: PoolCandidate): PoolSpec | null {
  if (c.internetAccess || c.hasExtensions) return null;
  const early = READ_AT_START[c.runtime.family];
  if (early && Object.keys(c.env).some((k) => early.test(k))) return null;
  const generic = { codeDir: '/nonexistent', optDir: null };
  const libs = libraryPath(SANDBOX_PATHS, generic);
  if (
    c.runtime.family !== 'provided' &&
    libraryPath(SANDBOX_PATHS, { codeDir: c.codeDir, optDir: c.optDir }) !== libs
  ) {
    return null;
  }
  return genericSpec(c.runtime, c.memoryMb, libs);
}

/** A prewarmed sandbox of `runtime`: its argv and the environment every function of it shares. */
function genericSpec(runtime: RuntimeInfo, memoryMb: number, libs: string): PoolSpec | null {
  const p = SANDBOX_PATHS;
  const runtimeDir = path.join(RUNTIMES_DIR, runtime.runtimeFolder);
  const langDir = runtime.installedNode?.dir ?? null;
  const env: Record<string, string> = {
    PATH: `${langDir ? `${p.langDir}/bin:` : ''}/usr/local/bin:/usr/bin/:/bin:${p.optDir}/bin`,
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    NIMBUS_RUNTIME_SOCKET: p.socketPath,
    NIMBUS_POOLED: '1',
    ...(libs ? { LD_LIBRARY_PATH: libs } : {}),
  };
  const base = { runtimeDir, langDir, env };
  switch (runtime.family) {
    case 'nodejs':
      // The heap cap is fixed when Node starts: one key per memory size.
      return {
        ...base,
        key: `${runtime.id}:${memoryMb}`,
        memoryMb,
        argv: [
          langDir ? `${p.langDir}/bin/node` : process.execPath,
          ...nodeHeapFlags(memoryMb),
          `${p.runtimeDir}/${nodeBootstrapFile(runtimeDir)}`,
        ],
        env: { ...env, NODE_PATH: nodePath(p, runtime.major) },
        assignment: 'json',
      };
    case 'python':
      return {
        ...base,
        key: runtime.id,
        memoryMb: POOL_MEMORY_MB,
        argv: [HOST_PYTHON_PATH, '-u', `${p.runtimeDir}/bootstrap.py`],
        env: { ...env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
        assignment: 'json',
      };
    case 'provided': {
      const relay = findRelay();
      if (!relay) return null;
      // relay.sh serves AWS_LAMBDA_RUNTIME_API, then pooled.sh waits for the assignment.
      return {
        ...base,
        key: runtime.id,
        memoryMb: POOL_MEMORY_MB,
        argv: [
          '/bin/sh',
          `${p.runtimeDir}/relay.sh`,
          relay,
          '/bin/sh',
          `${p.runtimeDir}/pooled.sh`,
          relay,
        ],
        assignment: 'shell',
      };
    }
  }
}

/** The memory cap of a waiting sandbox whose runtime does not size itself by it. */
const POOL_MEMORY_MB = 128;
