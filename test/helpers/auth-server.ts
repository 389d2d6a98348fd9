import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type RunningServer, startServer } from '../../src/server.js';
import { resolveConfig } from '../../src/shared/config.js';
import {
  CREDENTIALS_FILE_NAME,
  parseCredentialsIni,
  profileCredentials,
} from '../../src/shared/credentials-file.js';
import type { Credentials } from '../../src/shared/sigv4.js';

/** A real server on 127.0.0.1 with auth on, and the first key it wrote to its data dir. */
export async function startAuthServer(): Promise<{
  server: RunningServer;
  dataDir: string;
  admin: Credentials;
  close(): Promise<void>;
}> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'nimbus-auth-'));
  const server = await startServer(resolveConfig({ dataDir, port: 0, httpPort: 0, auth: 1 }, {}));
  try {
    const ini = readFileSync(path.join(dataDir, CREDENTIALS_FILE_NAME), 'utf8');
    const admin = profileCredentials(parseCredentialsIni(ini), 'nimbus');
    if (!admin) throw new Error('the server wrote no usable credentials file');
    return {
      server,
      dataDir,
      admin,
      async close() {
        await server.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
}
