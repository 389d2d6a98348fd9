import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** Where Lambda looks for external extensions, under the layers' /opt. */
export const EXTENSIONS_FOLDER = 'extensions';

const found = new Map<string, string[]>();

/**
 * The files in `<optDir>/extensions` (Lambda's external extensions), sorted by name.
 * A merged layer tree never changes, so each is read once per process.
 */
export function listExtensions(optDir: string): string[] {
  const hit = found.get(optDir);
  if (hit) return hit;
  const dir = path.join(optDir, EXTENSIONS_FOLDER);
  const names: string[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch {
    // no extensions folder: nothing to start
  }
  // A tree not merged yet is not remembered as one without extensions.
  if (entries.length === 0 && !existsSync(optDir)) return names;
  for (const name of entries) {
    try {
      // Followed: a layer may ship an extension as a link to its binary elsewhere in /opt.
      if (statSync(path.join(dir, name)).isFile()) names.push(name);
    } catch {
      // a dangling link is no extension
    }
  }
  names.sort();
  found.set(optDir, names);
  return names;
}

/**
 * Variables the runtime gets but extensions do not (RIE's `AgentExecEnv`): the runtime's
 * own (`_HANDLER`, `AWS_EXECUTION_ENV`, `LAMBDA_TASK_ROOT`, `LAMBDA_RUNTIME_DIR`), every
 * name starting with `_`, and X-Ray's context setting.
 */
export function extensionDroppedEnv(env: Record<string, string>): string[] {
  const runtimeOnly = new Set([
    'AWS_EXECUTION_ENV',
    'LAMBDA_TASK_ROOT',
    'LAMBDA_RUNTIME_DIR',
    'AWS_XRAY_CONTEXT_MISSING',
  ]);
  return Object.keys(env).filter((k) => k.startsWith('_') || runtimeOnly.has(k));
}

/**
 * The sandbox's entry process when a function has extensions. With a relay program it
 * first serves AWS_LAMBDA_RUNTIME_API (127.0.0.1:9001 in the sandbox's own network
 * namespace) by relaying to the instance's socket, as runtimes/provided/relay.sh does,
 * so extensions written for Lambda reach it unchanged. Then it starts every extension
 * (with the extension environment) and the runtime side by side, writes
 * `\0NIMBUS-EXIT extension NAME STATUS` / `\0NIMBUS-EXIT runtime STATUS` when one ends,
 * and stays until the last extension has ended (after the runtime, extensions still get
 * their SHUTDOWN event). Everything it started dies with the sandbox.
 */
const ENTRY = `relay=$1; drop=$2; dir=$3; shift 3
if [ -n "$relay" ]; then
  "$relay" -lp nimbus-relay "TCP-LISTEN:9001,bind=127.0.0.1,reuseaddr,fork,backlog=64" \\
    "UNIX-CONNECT:$NIMBUS_RUNTIME_SOCKET" &
  relay_pid=$!
  tries=0
  while :; do
    while read -r _ local _ state _; do
      if [ "$local" = 0100007F:2329 ] && [ "$state" = 0A ]; then break 2; fi
    done </proc/net/tcp
    if ! kill -0 "$relay_pid" 2>/dev/null || [ "$tries" -gt 600 ]; then
      echo "nimbus: the Runtime API relay ($relay) did not listen on 127.0.0.1:9001"
      exit 70
    fi
    tries=$((tries + 1))
    if [ "$tries" -gt 100 ]; then sleep 0.01; fi
  done
fi
pids=
while [ "$1" != -- ]; do
  (unset $drop; "$dir/$1"; printf "\\000NIMBUS-EXIT extension %s %s\\n" "$1" $?) &
  pids="$pids $!"
  shift
done
shift
"$@" &
wait $! 2>/dev/null
printf "\\000NIMBUS-EXIT runtime %s\\n" $?
wait $pids 2>/dev/null
`;

/**
 * argv that starts `names` from `extensionsDir` (a path as the sandbox sees it) and then
 * `runtimeArgv`, through the entry process above; `relay` is the relay program (socat)
 * in a sandbox, null without one.
 * @example extensionEntryArgv('/usr/bin/socat', '/opt/extensions', ['log-shipper'], ['_HANDLER'], ['/usr/bin/node', 'boot.mjs'])
 */
export function extensionEntryArgv(
  relay: string | null,
  extensionsDir: string,
  names: string[],
  dropEnv: string[],
  runtimeArgv: string[],
): string[] {
  return [
    '/bin/sh',
    '-c',
    ENTRY,
    'nimbus-entry',
    relay ?? '',
    dropEnv.join(' '),
    extensionsDir,
    ...names,
    '--',
    ...runtimeArgv,
  ];
}

/** What an exit marker says: which process ended, and with what status. */
export type ExitReport =
  | { who: 'runtime'; status: number }
  | { who: 'extension'; name: string; status: number };

/** Parses the text after `\0NIMBUS-EXIT `; null when it is not one of the entry process's. */
export function parseExitReport(text: string): ExitReport | null {
  const parts = text.trim().split(' ');
  const status = Number(parts.at(-1));
  if (!Number.isInteger(status) || status < 0) return null;
  if (parts[0] === 'runtime' && parts.length === 2) return { who: 'runtime', status };
  if (parts[0] === 'extension' && parts.length >= 3) {
    return { who: 'extension', name: parts.slice(1, -1).join(' '), status };
  }
  return null;
}
