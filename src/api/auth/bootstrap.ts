import path from 'node:path';
import {
  CREDENTIALS_FILE_NAME,
  DEFAULT_PROFILE,
  writeCredentialsFile,
} from '../../shared/credentials-file.js';
import type { AccessKeys } from './access-keys.js';

/**
 * With auth on and no key at all, nobody could ever sign a request: create the
 * first key and write it to `<dataDir>/credentials` (0600, profile `nimbus`),
 * never to a log. Returns the line to print (the file's path, not the secret),
 * or null when keys exist.
 */
export async function ensureFirstKey(keys: AccessKeys, dataDir: string): Promise<string | null> {
  if ((await keys.count()) > 0) return null;
  const key = await keys.create('first key, created by the server');
  const file = path.join(dataDir, CREDENTIALS_FILE_NAME);
  writeCredentialsFile(file, DEFAULT_PROFILE, key);
  return (
    `auth: no access keys yet, so created ${key.accessKeyId}; its secret is in ${file} ` +
    `(profile "${DEFAULT_PROFILE}", mode 0600). nimbus commands run with this data dir use it; ` +
    `for other clients: AWS_SHARED_CREDENTIALS_FILE=${file} AWS_PROFILE=${DEFAULT_PROFILE}`
  );
}
