import type { CodeStore } from '../code/index.js';
import type { FunctionRegistry } from '../functions/index.js';
import type { Invoker } from '../invoke/index.js';
import type { ArnContext } from '../shared/arn.js';
import type { LogStore } from '../store/types.js';

/** Everything the HTTP layer needs; built by the server, or by tests with real parts. */
export interface ApiDeps {
  arn: ArnContext;
  registry: FunctionRegistry;
  invoker: Invoker;
  code: CodeStore;
  logs: LogStore;
  /** Request id generator (tests inject one). */
  requestIds?: () => string;
  /** Facts for /health. */
  health(): Record<string, unknown>;
}
