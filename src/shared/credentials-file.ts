import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Credentials } from './sigv4.js';

/** The file inside the data dir where the server puts the first access key. */
export const CREDENTIALS_FILE_NAME = 'credentials';
/** The profile Nimbus writes and the CLI reads by default. */
export const DEFAULT_PROFILE = 'nimbus';

/**
 * Reads AWS shared-credentials INI text (`[profile]` sections of `key = value`
 * lines; `#`/`;` comments) into profile → settings.
 */
export function parseCredentialsIni(text: string): Map<string, Record<string, string>> {
  const profiles = new Map<string, Record<string, string>>();
  let current: Record<string, string> | null = null;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[\s*(?:profile\s+)?([^\]]+?)\s*\]$/.exec(line);
    if (section) {
      current = {};
      profiles.set(section[1]!, current); // the regex has one group, always set on a match
      continue;
    }
    const eq = line.indexOf('=');
    if (current && eq > 0) current[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return profiles;
}

/** The credentials of one profile, when it has both the key id and the secret. */
export function profileCredentials(
  profiles: Map<string, Record<string, string>>,
  profile: string,
): Credentials | undefined {
  const p = profiles.get(profile);
  const accessKeyId = p?.aws_access_key_id;
  const secretAccessKey = p?.aws_secret_access_key;
  return accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined;
}

/**
 * Writes a shared-credentials file holding one profile, readable by its owner
 * only (0600). Written beside and renamed over, so no reader sees half a file
 * and the secret never sits in a file with looser permissions.
 */
export function writeCredentialsFile(file: string, profile: string, creds: Credentials): void {
  const text =
    `# Written by Nimbus: the first access key of this server. Keep it secret.\n` +
    `[${profile}]\n` +
    `aws_access_key_id = ${creds.accessKeyId}\n` +
    `aws_secret_access_key = ${creds.secretAccessKey}\n`;
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  rmSync(tmp, { force: true });
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}
