import type { Command } from 'commander';
import { NimbusClient } from './client.js';
import { resolveCredentials } from './credentials.js';

/** What every command gets from the global flags. */
export interface CliContext {
  client: NimbusClient;
  /** `--json`: print the server's raw JSON answer instead of text. */
  json: boolean;
}

interface GlobalFlags {
  endpoint: string;
  json?: boolean;
  profile?: string;
  credentialsFile?: string;
}

/**
 * Reads `--endpoint` / `NIMBUS_ENDPOINT`, `--json`, and the credentials to sign
 * with (`--profile`, `--credentials-file`, environment; see resolveCredentials).
 */
export function contextFrom(cmd: Command): CliContext {
  const globals = cmd.optsWithGlobals<GlobalFlags>();
  // An empty NIMBUS_PROFILE / NIMBUS_CREDENTIALS_FILE counts as unset.
  const credentials = resolveCredentials({
    ...(globals.profile ? { profile: globals.profile } : {}),
    ...(globals.credentialsFile ? { credentialsFile: globals.credentialsFile } : {}),
  });
  return {
    client: new NimbusClient(globals.endpoint, {
      ...(credentials ? { credentials } : {}),
      ...(process.env.NIMBUS_REGION ? { region: process.env.NIMBUS_REGION } : {}),
    }),
    json: globals.json === true,
  };
}
