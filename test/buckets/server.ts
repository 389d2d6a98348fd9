import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type StandaloneS3, startStandaloneS3 } from '../../src/buckets/index.js';

export const REGION = 'us-east-1';

/** One `deliver` call the service made, its payload parsed. */
export interface Delivery {
  functionArn: string;
  event: {
    Records: Array<{
      eventName: string;
      s3: {
        configurationId: string;
        bucket: { name: string; arn: string };
        object: { key: string; size?: number; eTag?: string; sequencer: string };
      };
      [k: string]: unknown;
    }>;
  };
}

export interface S3TestServer extends StandaloneS3 {
  dataDir: string;
  deliveries: Delivery[];
  logs: string[];
  /** Stops the server and removes its data dir. */
  close(): Promise<void>;
}

/**
 * The object storage on a temp data dir behind a real `http.createServer` on
 * 127.0.0.1 (port 0). `functions` exist for notifications; every delivery is
 * recorded (then handed to `deliver`), every log line kept.
 */
export async function startS3Server(
  opts: {
    maxObjectBytes?: number;
    functions?: string[];
    deliver?: (functionArn: string, payload: Buffer) => Promise<void>;
  } = {},
): Promise<S3TestServer> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'nimbus-s3-test-'));
  const deliveries: Delivery[] = [];
  const logs: string[] = [];
  const known = new Set(opts.functions ?? []);
  const s3 = await startStandaloneS3({
    dataDir,
    ...(opts.maxObjectBytes ? { maxObjectBytes: opts.maxObjectBytes } : {}),
    functionExists: async (arn) => known.has(arn),
    deliver: async (functionArn, payload) => {
      const event = JSON.parse(payload.toString('utf8')) as Delivery['event'];
      deliveries.push({ functionArn, event });
      await opts.deliver?.(functionArn, payload);
    },
    log: (line) => logs.push(line),
  });
  return {
    ...s3,
    dataDir,
    deliveries,
    logs,
    async close() {
      await s3.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
