import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { AwsRequest } from '../aws/request.js';
import { systemClock } from '../shared/clock.js';
import { randomIds } from '../shared/ids.js';
import { openStore, type Store } from '../store/index.js';
import { handleS3Request } from './handler.js';
import { BucketService, type BucketServiceOptions } from './service.js';

/**
 * A plain `node:http` request listener that answers everything as S3, with no
 * auth (`accessKeyId` and `payloadSha256` null). The platform's front door
 * builds its own AwsRequest; this serves tests, benchmarks and `startStandaloneS3`.
 */
export function s3Listener(
  service: BucketService,
  opts: { region: string; accountId: string },
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const r: AwsRequest = {
      req,
      res,
      requestId: randomBytes(8).toString('hex').toUpperCase(),
      region: opts.region,
      accountId: opts.accountId,
      baseUrl: `http://${req.headers.host ?? '127.0.0.1'}`,
      accessKeyId: null,
      payloadSha256: null,
    };
    void handleS3Request(service, r);
  };
}

/** A running standalone object store. */
export interface StandaloneS3 {
  endpoint: string;
  port: number;
  service: BucketService;
  store: Store;
  /** Closes the server, the service and the store (the data dir stays). */
  stop(): Promise<void>;
}

/**
 * The object storage alone on `127.0.0.1:<port>` (0: any free port) over the
 * store and files in `dataDir`, without auth and with no functions unless
 * given: for tests, `bench/s3.ts` and crash-recovery checks.
 *
 * @example
 * const s3 = await startStandaloneS3({ dataDir: '/tmp/s3' });
 * // ... aws --endpoint-url ${s3.endpoint} s3 ls ...
 * await s3.stop();
 */
export async function startStandaloneS3(
  opts: { dataDir: string; port?: number } & Partial<
    Pick<BucketServiceOptions, 'maxObjectBytes' | 'functionExists' | 'deliver' | 'log'>
  >,
): Promise<StandaloneS3> {
  const arn = { region: 'us-east-1', accountId: '000000000000' };
  const store = await openStore(opts.dataDir);
  const service = new BucketService({
    store,
    dir: path.join(opts.dataDir, 'buckets'),
    clock: systemClock,
    ids: randomIds,
    arn,
    maxObjectBytes: opts.maxObjectBytes ?? 5 * 1024 ** 3,
    functionExists: opts.functionExists ?? (async () => false),
    deliver: opts.deliver ?? (async () => undefined),
    ...(opts.log ? { log: opts.log } : {}),
  });
  try {
    await service.open();
  } catch (e) {
    await store.close();
    throw e;
  }
  const server = http.createServer(s3Listener(service, arn));
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    service,
    store,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      service.close();
      await store.close();
    },
  };
}
