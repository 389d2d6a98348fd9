import path from 'node:path';
import { openSqliteStore } from './sqlite/open.js';
import type { Store } from './types.js';

export { openSqliteStore } from './sqlite/open.js';
export * from './types.js';

/** The store file's name inside the data dir. */
export const STORE_FILE_NAME = 'nimbus.db';

/**
 * Opens the embedded store at `<dataDir>/nimbus.db`, creating the dir and
 * migrating the schema as needed.
 */
export function openStore(dataDir: string): Promise<Store> {
  return openSqliteStore(path.join(dataDir, STORE_FILE_NAME));
}
