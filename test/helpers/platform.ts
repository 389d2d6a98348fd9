import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yazl from 'yazl';
import { createPlatform, type Platform, type PlatformOptions } from '../../src/server.js';
import { resolveConfig, type ServerConfig } from '../../src/shared/config.js';

/** A real platform (SQLite file, code store, sandboxes) in a temp data dir, for in-process API tests. */
export async function testPlatform(
  overrides: Partial<Record<keyof ServerConfig, string | number>> = {},
  opts: PlatformOptions = {},
): Promise<{
  platform: Platform;
  dataDir: string;
  close(): Promise<void>;
}> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'nimbus-test-'));
  const platform = await createPlatform(
    resolveConfig({ dataDir, port: 0, ...overrides }, {}),
    opts,
  );
  return {
    platform,
    dataDir,
    async close() {
      await platform.shutdown();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const FIXED_MTIME = new Date('2024-01-01T00:00:00Z');

/** Builds a zip in memory from `{ path: contents }`; `executable` entries get mode 755. */
export function makeZip(
  files: Record<string, string | Buffer>,
  opts: { executable?: string[] } = {},
): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, body] of Object.entries(files)) {
    // A fixed time: the same files always make the same zip (and CodeSha256).
    zip.addBuffer(Buffer.isBuffer(body) ? body : Buffer.from(body), name, {
      mode: opts.executable?.includes(name) ? 0o100755 : 0o100644,
      mtime: FIXED_MTIME,
    });
  }
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

/** CreateFunction body for a Node function made of `files`. */
export async function createBody(
  name: string,
  files: Record<string, string>,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const zip = await makeZip(files);
  return JSON.stringify({
    FunctionName: name,
    Runtime: `nodejs${process.versions.node.split('.')[0]}.x`,
    Handler: 'index.handler',
    Role: 'arn:aws:iam::000000000000:role/test',
    Code: { ZipFile: zip.toString('base64') },
    ...extra,
  });
}
