import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../api/deps.js';
import { logStreamRoutes } from './log-stream.js';
import { consoleStaticRoutes } from './static.js';
import { testEventRoutes } from './test-events.js';

export { CONSOLE_DIR } from './static.js';
export { MAX_TEST_EVENT_BYTES } from './test-events.js';

/**
 * The web console (docs/console.md): its files at `/console/`, and the endpoints
 * only it needs (saved test events, the live log stream).
 */
export function consoleRoutes(app: FastifyInstance, deps: ApiDeps): void {
  consoleStaticRoutes(app);
  testEventRoutes(app, deps, deps.auth?.clock);
  logStreamRoutes(app, deps);
}
