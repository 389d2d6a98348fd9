import { fail } from '../shared/error-codes.js';
import {
  KNOWN_RUNTIMES,
  lookupRuntime,
  type NodeInstalls,
  type RuntimeInfo,
} from '../shared/runtimes.js';
import type { Flavour } from '../store/types.js';

/** Configuration a caller may set, already in Nimbus units. All optional on update. */
export interface FunctionSettings {
  runtime?: string;
  handler?: string;
  role?: string;
  description?: string;
  memoryMb?: number;
  timeoutS?: number;
  env?: Record<string, string>;
  initializer?: string | null;
  initializationTimeoutS?: number;
  flavour?: Flavour;
  /** The service it belongs to (must exist; checked by the caller). */
  service?: string;
  tags?: Record<string, string>;
  architectures?: string[];
  ephemeralStorageMb?: number;
}

function validationError(value: unknown, field: string, constraint: string) {
  return fail(
    'ValidationException',
    `1 validation error detected: Value '${String(value)}' at '${field}' failed to satisfy constraint: ${constraint}`,
  );
}

/**
 * Resolves a runtime identifier to something this host can run, or throws Lambda's error.
 * `nodes` are the Node.js majors Nimbus installed (without it, only the host's major runs).
 */
export function checkRuntime(runtime: string, nodes?: NodeInstalls): RuntimeInfo {
  const found = lookupRuntime(runtime, nodes);
  if (!found) {
    throw fail(
      'InvalidParameterValueException',
      `Value ${runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [${KNOWN_RUNTIMES.join(', ')}] or be a valid ARN`,
    );
  }
  if (!found.supported) throw fail('InvalidParameterValueException', found.reason);
  return found.info;
}

const HANDLER_RE = /^[^\s]{1,128}$/;
/** Customer variables may not start with `_` (except these) nor use reserved names (RIE customer.go). */
const RESERVED_ENV = new Set([
  '_HANDLER',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
]);
const ENV_KEY_RE = /^[a-zA-Z]([a-zA-Z0-9_])*$/;
const ENV_MAX_BYTES = 4096;

export function checkEnv(env: Record<string, string>): void {
  const reserved = Object.keys(env).filter((k) => RESERVED_ENV.has(k) || k.startsWith('NIMBUS_'));
  if (reserved.length) {
    throw fail(
      'InvalidParameterValueException',
      `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(', ')}`,
    );
  }
  for (const [k, v] of Object.entries(env)) {
    if (!ENV_KEY_RE.test(k)) {
      throw validationError(
        k,
        'environment.variables',
        'Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+',
      );
    }
    if (typeof v !== 'string') {
      throw fail('InvalidParameterValueException', `Environment variable ${k} must be a string`);
    }
  }
  const measured = JSON.stringify(env);
  if (Buffer.byteLength(measured) > ENV_MAX_BYTES) {
    throw fail(
      'InvalidParameterValueException',
      `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${measured.slice(0, 200)}`,
    );
  }
}

/** Checks every setting that is present; throws Lambda-shaped errors. */
export function checkSettings(s: FunctionSettings, nodes?: NodeInstalls): void {
  if (s.runtime !== undefined) checkRuntime(s.runtime, nodes);
  if (s.handler !== undefined && !HANDLER_RE.test(s.handler)) {
    throw validationError(
      s.handler,
      'handler',
      'Member must satisfy regular expression pattern: [^\\s]+',
    );
  }
  if (s.memoryMb !== undefined) {
    if (!Number.isInteger(s.memoryMb) || s.memoryMb < 128) {
      throw validationError(
        s.memoryMb,
        'memorySize',
        'Member must have value greater than or equal to 128',
      );
    }
    if (s.memoryMb > 10240) {
      throw validationError(
        s.memoryMb,
        'memorySize',
        'Member must have value less than or equal to 10240',
      );
    }
  }
  if (s.timeoutS !== undefined) {
    if (!Number.isInteger(s.timeoutS) || s.timeoutS < 1) {
      throw validationError(
        s.timeoutS,
        'timeout',
        'Member must have value greater than or equal to 1',
      );
    }
    if (s.timeoutS > 900) {
      throw fail(
        'InvalidParameterValueException',
        `Timeout ${s.timeoutS} seconds is more than the maximum of 900 seconds`,
      );
    }
  }
  if (s.initializationTimeoutS !== undefined) {
    if (
      !Number.isInteger(s.initializationTimeoutS) ||
      s.initializationTimeoutS < 1 ||
      s.initializationTimeoutS > 300
    ) {
      throw fail(
        'InvalidParameterValueException',
        'InitializationTimeout must be a whole number of seconds from 1 to 300',
      );
    }
  }
  if (s.initializer !== undefined && s.initializer !== null && !HANDLER_RE.test(s.initializer)) {
    throw fail(
      'InvalidParameterValueException',
      `Initializer "${s.initializer}" is not a valid handler name (file.export)`,
    );
  }
  if (s.description !== undefined && s.description.length > 256) {
    throw validationError(
      '...',
      'description',
      'Member must have length less than or equal to 256',
    );
  }
  if (s.env) checkEnv(s.env);
  if (s.architectures !== undefined) {
    if (s.architectures.length !== 1 || !['x86_64', 'arm64'].includes(s.architectures[0]!)) {
      throw fail(
        'InvalidParameterValueException',
        'Architectures must hold exactly one of x86_64, arm64',
      );
    }
    const host = process.arch === 'arm64' ? 'arm64' : 'x86_64';
    if (s.architectures[0] !== host) {
      throw fail('InvalidParameterValueException', `This Nimbus host runs ${host} functions only`);
    }
  }
  if (s.ephemeralStorageMb !== undefined) {
    if (
      !Number.isInteger(s.ephemeralStorageMb) ||
      s.ephemeralStorageMb < 512 ||
      s.ephemeralStorageMb > 10240
    ) {
      throw validationError(
        s.ephemeralStorageMb,
        'ephemeralStorage.size',
        'Member must have value between 512 and 10240',
      );
    }
  }
}
