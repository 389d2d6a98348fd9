import { accessSync, constants } from 'node:fs';

/**
 * `AWS_LAMBDA_RUNTIME_API` inside a sandbox, as on Lambda. The sandbox has its own
 * network namespace (loopback only), so this address is the instance's own: a relay
 * started in the sandbox passes each connection on to the instance's Unix socket.
 */
export const SANDBOX_RUNTIME_API = '127.0.0.1:9001';

/**
 * AWS_ENDPOINT_URL inside a sandbox: the runtime relays this address to Nimbus's
 * own endpoint (SQS, S3, Lambda) through `AWS_SOCKET_NAME` in SANDBOX_PATHS.awsSocketDir.
 */
export const SANDBOX_AWS_ENDPOINT = 'http://127.0.0.1:9000';
export const AWS_SOCKET_NAME = 'aws.sock';

/** Where Debian and most distributions put socat; the sandbox mounts all of them. */
const SOCAT_PATHS = ['/usr/bin/socat', '/bin/socat', '/usr/local/bin/socat'];

let socat: string | null | undefined;

/**
 * The relay program custom runtimes need in a sandbox (Debian's `socat`), looked up
 * once per process; null when the host has none.
 */
export function findRelay(): string | null {
  if (socat === undefined) {
    socat = null;
    for (const p of SOCAT_PATHS) {
      try {
        accessSync(p, constants.X_OK);
        socat = p;
        break;
      } catch {
        // not there
      }
    }
  }
  return socat;
}

/** What to tell the operator when custom runtimes cannot run sandboxed. */
export const RELAY_MISSING =
  'custom runtimes (provided.*) need socat to serve AWS_LAMBDA_RUNTIME_API inside the sandbox: install it (apt-get install socat)';
