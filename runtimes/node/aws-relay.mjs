// Runs inside the sandbox. The sandbox's network namespace has only its own loopback, so
// Nimbus's AWS endpoint (SQS, S3, Lambda) is a Unix socket mounted from the host; this
// relays AWS_ENDPOINT_URL's 127.0.0.1:9000 to it, so the AWS SDK in the function needs
// no configuration. A connection costs nothing until the function opens one.
import { connect, createServer } from 'node:net';

const PORT = 9000;

/** Listens on 127.0.0.1:9000 and pipes each connection to `socketPath`. */
export function serveAwsEndpoint(socketPath) {
  const server = createServer((client) => {
    const upstream = connect(socketPath);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  // The port may be taken by the function's own server: then the function has chosen.
  server.on('error', () => {});
  server.listen(PORT, '127.0.0.1');
  server.unref();
}
