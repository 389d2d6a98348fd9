import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import {
  CREDENTIALS_FILE_NAME,
  DEFAULT_PROFILE,
  parseCredentialsIni,
  profileCredentials,
} from '../shared/credentials-file.js';
import type { Credentials } from '../shared/sigv4.js';
import { CliError } from './errors.js';

/** Credentials to sign with, and where they came from (for error hints; never the secret). */
export interface ResolvedCredentials extends Credentials {
  source: string;
}

export interface CredentialFlags {
  /** `--profile` / NIMBUS_PROFILE */
  profile?: string;
  /** `--credentials-file` / NIMBUS_CREDENTIALS_FILE */
  credentialsFile?: string;
}

/**
 * Picks the key the CLI signs with, first match wins:
 * 1. `--profile` / `--credentials-file` (an error when they name nothing usable);
 * 2. `NIMBUS_ACCESS_KEY_ID` + `NIMBUS_SECRET_ACCESS_KEY`;
 * 3. `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY`;
 * 4. profile `nimbus` of `<NIMBUS_DATA_DIR or ./.nimbus>/credentials`, the file a
 *    server started with auth on writes its first key to.
 * Undefined when none applies: requests go unsigned (fine while auth is off).
 */
export function resolveCredentials(
  flags: CredentialFlags,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedCredentials | undefined {
  const dataDirFile = path.resolve(env.NIMBUS_DATA_DIR || './.nimbus', CREDENTIALS_FILE_NAME);
  if (flags.profile !== undefined || flags.credentialsFile !== undefined) {
    const profile = flags.profile ?? DEFAULT_PROFILE;
    const file =
      flags.credentialsFile ??
      [dataDirFile, env.AWS_SHARED_CREDENTIALS_FILE, path.join(homedir(), '.aws', 'credentials')]
        .filter((f): f is string => Boolean(f))
        .find((f) => readProfile(f, profile) !== undefined);
    const creds = file === undefined ? undefined : readProfile(file, profile);
    if (!creds) {
      throw new CliError(
        file === undefined
          ? `no credentials file has a profile "${profile}" with aws_access_key_id and aws_secret_access_key`
          : `${file} has no profile "${profile}" with aws_access_key_id and aws_secret_access_key`,
      );
    }
    return { ...creds, source: `profile "${profile}" of ${file}` };
  }
  for (const prefix of ['NIMBUS', 'AWS']) {
    const accessKeyId = env[`${prefix}_ACCESS_KEY_ID`];
    const secretAccessKey = env[`${prefix}_SECRET_ACCESS_KEY`];
    if (accessKeyId && secretAccessKey) {
      return { accessKeyId, secretAccessKey, source: `${prefix}_ACCESS_KEY_ID` };
    }
    if (accessKeyId || secretAccessKey) {
      throw new CliError(
        `set both ${prefix}_ACCESS_KEY_ID and ${prefix}_SECRET_ACCESS_KEY, or neither`,
      );
    }
  }
  const creds = readProfile(dataDirFile, DEFAULT_PROFILE);
  return creds && { ...creds, source: `profile "${DEFAULT_PROFILE}" of ${dataDirFile}` };
}

function readProfile(file: string, profile: string): Credentials | undefined {
  if (!existsSync(file)) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as Error).message}`);
  }
  return profileCredentials(parseCredentialsIni(text), profile);
}
