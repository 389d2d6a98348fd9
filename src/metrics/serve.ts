import { createServer, type Server } from 'node:http';
import type { Metrics } from './metrics.js';

/**
 * Serves `GET /metrics` alone on `127.0.0.1:port` (`--metrics-port`), unsigned, for a
 * scraper on this machine while the control API requires signatures. Resolves once
 * listening; the port is the server's `address().port` (0 picks a free one).
 */
export function listenMetrics(metrics: Metrics, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found\n');
      return;
    }
    metrics.scrape().then(
      ({ text, contentType }) => res.writeHead(200, { 'content-type': contentType }).end(text),
      (e: unknown) => {
        console.error(`nimbus: metrics: scrape failed: ${String(e)}`);
        res.writeHead(500, { 'content-type': 'text/plain' }).end('scrape failed\n');
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
