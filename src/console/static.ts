import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { fail } from '../shared/error-codes.js';

/**
 * Where `scripts/build-console.mjs` writes the console: `dist/console/index.html`
 * and `dist/console/assets/*`. This file sits two folders below the repo in src/
 * and in dist/ alike.
 */
export const CONSOLE_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../dist/console',
);

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

/** Hashed names only: `main-3F2A9C1B.js`. */
const ASSET_RE = /^[A-Za-z0-9_-]+-[A-Z0-9]{8}\.[a-z0-9]+$/;

/** The page may load nothing but its own bundled files. */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/**
 * Serves the console at `/console/`: hashed assets as immutable for a year,
 * `index.html` (also for every other path under `/console/`, the app's own
 * routes) as `no-cache`. A missing build answers 404 with how to build it.
 */
export function consoleStaticRoutes(app: FastifyInstance, dir = CONSOLE_DIR): void {
  const sendIndex = async (reply: FastifyReply) => {
    let index: Buffer;
    // Read each time: a rebuild while the server runs names new assets.
    try {
      index = await readFile(path.join(dir, 'index.html'));
    } catch {
      throw fail('NotFound', 'the console is not built: run `npm run build`');
    }
    return reply
      .header('content-type', TYPES['.html'])
      .header('cache-control', 'no-cache')
      .header('content-security-policy', CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .send(index);
  };

  app.get<{ Params: { file: string } }>('/console/assets/:file', async (req, reply) => {
    const { file } = req.params;
    const type = TYPES[path.extname(file)];
    if (!ASSET_RE.test(file) || !type) throw fail('NotFound', `no such console asset: ${file}`);
    let body: Buffer;
    try {
      body = await readFile(path.join(dir, 'assets', file));
    } catch {
      throw fail('NotFound', `no such console asset: ${file}`);
    }
    return reply
      .header('content-type', type)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('x-content-type-options', 'nosniff')
      .send(body);
  });
  // The router ignores trailing slashes: this answers /console too.
  app.get('/console/', async (_req, reply) => sendIndex(reply));
  app.get('/console/*', async (_req, reply) => sendIndex(reply));
}
