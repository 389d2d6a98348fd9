import type { Command } from 'commander';
import { NimbusClient } from './client.js';

/** What every command gets from the global flags. */
export interface CliContext {
  client: NimbusClient;
  /** `--json`: print the server's raw JSON answer instead of text. */
  json: boolean;
}

/** Reads `--endpoint` / `NIMBUS_ENDPOINT` and `--json` from the program. */
export function contextFrom(cmd: Command): CliContext {
  const globals = cmd.optsWithGlobals<{ endpoint: string; json?: boolean }>();
  return { client: new NimbusClient(globals.endpoint), json: globals.json === true };
}
