// A prewarmed sandbox's wait for its function (NIMBUS_POOLED=1): the platform started this
// runtime with no function code and a generic environment. Once its bootstrap is loaded and
// warmed up it says so on stdout; the platform then places the code at /var/task (and
// layers at /opt), sets the memory cap and writes the assignment to stdin: JSON
// `{"env": {...}}`, the function's whole environment. From there the start goes on exactly
// as a normal one.
import { readSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { levelFunctions } from './console-patch.mjs';
import { loadHandler } from './load-handler.mjs';
import { createRuntimeClient } from './runtime-client.mjs';

/**
 * Loads and runs once what every start runs (V8 compiles a function on its first call:
 * done now, it is not done during the cold start), reports readiness, reads the assignment
 * (blocking: the process has nothing else to do) and puts the function's environment in
 * place.
 *
 * @param {NodeJS.ProcessEnv} env  process.env
 */
export async function waitForAssignment(env) {
  await warmUp();
  writeSync(1, '\0NIMBUS-POOLED\n');
  /** @type {{env?: Record<string, string>}} */
  const assignment = JSON.parse(readAll(0));
  const next = assignment.env;
  if (!next) throw new Error('the assignment holds no environment');
  const nodePath = env.NODE_PATH;
  // PWD is the sandbox's (bubblewrap sets it as it enters /var/task), as on a fresh start.
  for (const name of Object.keys(env)) if (!(name in next) && name !== 'PWD') delete env[name];
  // Only what changed: assigning TZ, even the same value, resets V8's time zone cache.
  for (const [name, value] of Object.entries(next)) if (env[name] !== value) env[name] = value;
  // The code was mounted over /var/task after this process entered it: enter it again.
  process.chdir(env.LAMBDA_TASK_ROOT || '/var/task');
  // CommonJS read NODE_PATH when Node started.
  if (env.NODE_PATH !== nodePath) {
    const Module = /** @type {{_initPaths?: () => void}} */ (
      createRequire(import.meta.url)('node:module')
    );
    Module._initPaths?.();
  }
}

/**
 * Runs the start's own code paths once, on nothing of any function's. Only modules that
 * read no environment as they load: context.mjs (through lambda.mjs) and fc.mjs read the
 * function's configuration once, so they load after the assignment.
 */
async function warmUp() {
  await import('./aws-relay.mjs');
  levelFunctions(undefined);
  await loadHandler(import.meta.dirname ?? '/var/runtime', 'warm-up.handler');
  // A connection that fails at once (no such socket): the client's connect path runs.
  for (const frames of ['', '1']) {
    const client = createRuntimeClient({
      NIMBUS_RUNTIME_SOCKET: '/nonexistent/nimbus.sock',
      NIMBUS_RUNTIME_FRAMES: frames,
    });
    await client.next().catch(() => undefined);
  }
  // A listener on the sandbox's loopback, as the AWS endpoint relay opens one.
  await new Promise((resolve) => {
    const server = createServer();
    server.on('error', resolve);
    server.listen(0, '127.0.0.1', () => server.close(resolve));
  });
}

/**
 * All of fd `fd` up to its end.
 * @param {number} fd
 */
function readAll(fd) {
  /** @type {Buffer[]} */
  const chunks = [];
  const buf = Buffer.allocUnsafe(64 * 1024);
  for (;;) {
    let n;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch (err) {
      const code = /** @type {NodeJS.ErrnoException} */ (err).code;
      if (code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        continue;
      }
      if (code === 'EOF') break;
      throw err;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString('utf8');
}
