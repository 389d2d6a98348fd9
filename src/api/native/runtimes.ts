import type { FastifyInstance } from 'fastify';
import { fail } from '../../shared/error-codes.js';
import type { ApiDeps } from '../deps.js';

/**
 * `/nimbus/v1/runtimes`: what runs each runtime on this host, and installs of the
 * Node.js majors the host lacks (docs/native-api.md).
 */
export function runtimeRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/nimbus/v1/runtimes', async () => ({ runtimes: deps.runtimes.list() }));

  app.get<{ Params: { id: string } }>('/nimbus/v1/runtimes/:id', async (req) => {
    const row = deps.runtimes.row(req.params.id);
    if (!row) throw fail('NotFound', `no such runtime: ${req.params.id}`);
    return row;
  });

  // Answers when the install is complete (seconds: a download of ~50 MB); the CLI polls
  // GET /nimbus/v1/runtimes/{id} meanwhile to show progress.
  app.post<{ Params: { id: string } }>('/nimbus/v1/runtimes/:id/install', async (req) => {
    const { row, changed } = await deps.runtimes.install(req.params.id);
    return { changed, runtime: row };
  });
}
