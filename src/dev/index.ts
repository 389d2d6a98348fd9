/**
 * The dev loop's parts that know nothing of the server: building code
 * (TypeScript bundled with esbuild, JavaScript syntax-checked), watching code
 * folders and reloading changed functions, and tailing the logs of many
 * functions into one terminal. `nimbus dev` (src/cli/commands/dev.ts) wires
 * them to a server.
 */
export {
  BuildError,
  type BuildTarget,
  checkJavaScript,
  type PreparedCode,
  prepareCode,
  typescriptEntry,
} from './build.js';
export { type FetchLogs, LogFormatter, LogTail, type TailEvent, useColour } from './log-tail.js';
export { type DevFunction, Reloader, type ReloaderDeps } from './reloader.js';
