import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Credentials } from '../../../src/shared/sigv4.js';
import { clientEnv, stopChild, waitForExit } from './child.js';
import {
  ClientFailure,
  decodeLog,
  type ListPage,
  type Reply,
  type ScenarioClient,
  type SentRequest,
} from './client.js';

/** The system interpreter: Debian's python3-boto3 is installed for it, not for pyenv's. */
export const SYSTEM_PYTHON = '/usr/bin/python3';
export const BOTO3_DRIVER = fileURLToPath(
  new URL('../../fixtures/conformance/boto3_driver.py', import.meta.url),
);
const CALL_TIMEOUT_MS = 60_000;

/** Bytes as the driver carries them in JSON. */
const bytes = (b: Buffer) => ({ $bytes: b.toString('base64') });
function fromBytes(v: unknown): Buffer {
  if (typeof v !== 'object' || v === null || !('$bytes' in v) || typeof v.$bytes !== 'string') {
    return Buffer.alloc(0);
  }
  return Buffer.from(v.$bytes, 'base64');
}

/** One line of the driver's answer (see boto3_driver.py). */
interface DriverAnswer {
  ok: boolean;
  status?: number;
  data?: unknown;
  error?: { code: string; status: number; message: string; modelled: boolean };
  driverError?: string;
  requests: SentRequest[];
}

/**
 * boto3 through `boto3_driver.py`, one long-lived process per client: one JSON
 * command per line in, one answer per line out. The driver refuses to send any
 * request that is not for `endpoint`.
 */
export function boto3Client(
  endpoint: string,
  credentials: Credentials,
  workDir: string,
): ScenarioClient {
  const sent: SentRequest[] = [];
  const child = spawn(SYSTEM_PYTHON, [BOTO3_DRIVER, endpoint], {
    env: clientEnv(credentials, workDir),
    stdio: ['pipe', 'pipe', 'pipe'],
    cwd: workDir,
  });
  let stderr = '';
  child.on('error', (e) => {
    stderr += `${e.message}\n`; // e.g. no /usr/bin/python3: the next answer fails with this
  });
  // A driver that died surfaces as a missing answer, not as an unhandled EPIPE.
  child.stdin.on('error', (e) => {
    stderr += `stdin: ${e.message}\n`;
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  let queue: Promise<unknown> = Promise.resolve();

  /** Sends one command and reads its answer; calls are serialised. */
  function ask(command: object): Promise<DriverAnswer> {
    const turn = queue.then(async () => {
      if (!child.stdin.writable) throw new Error(`boto3 driver is closed\n${stderr}`);
      child.stdin.write(`${JSON.stringify(command)}\n`);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`boto3 driver: no answer in ${CALL_TIMEOUT_MS} ms\n${stderr}`)),
          CALL_TIMEOUT_MS,
        );
      });
      try {
        const line = await Promise.race([lines.next(), timeout]);
        if (line.done) throw new Error(`boto3 driver exited\n${stderr}`);
        return JSON.parse(line.value) as DriverAnswer; // the driver's protocol, one object per line
      } finally {
        clearTimeout(timer);
      }
    });
    queue = turn.catch(() => undefined);
    return turn;
  }

  /** One boto3 call (`op` is the boto3 method name); a client error becomes a ClientFailure. */
  async function call<T>(op: string, params: object, extra: object = {}): Promise<Reply<T>> {
    const a = await ask({ op, params, ...extra });
    sent.push(...a.requests);
    if (a.driverError !== undefined) throw new Error(`boto3 ${op}: ${a.driverError}`);
    if (!a.ok || a.error) {
      const e = a.error ?? { code: '', status: 0, message: 'no error in answer', modelled: false };
      throw new ClientFailure(e.code, e.status, e.modelled, a.requests, e.message);
    }
    // The driver hands back boto3's response, which has the Lambda API's shape.
    return { status: a.status ?? 0, data: a.data as T, requests: a.requests };
  }

  return {
    sent,
    createFunction: (i) =>
      call('create_function', {
        FunctionName: i.name,
        Runtime: i.runtime,
        Handler: 'index.handler',
        Role: 'arn:aws:iam::000000000000:role/lambda',
        Code: { ZipFile: bytes(i.zip) },
      }),
    getFunction: (name) => call('get_function', { FunctionName: name }),
    async listFunctionPages() {
      const r = await call<{
        pages: { Functions?: { FunctionName?: string }[]; NextMarker?: string }[];
      }>('paginate', { PaginationConfig: { PageSize: 1 } }, { operation: 'list_functions' });
      const pages: ListPage[] = r.data.pages.map((p) => ({
        names: (p.Functions ?? []).map((f) => f.FunctionName ?? ''),
        nextMarker: p.NextMarker,
      }));
      return { ...r, data: pages };
    },
    async invoke(i) {
      const r = await call<{
        StatusCode?: number;
        ExecutedVersion?: string;
        FunctionError?: string;
        LogResult?: string;
        Payload?: unknown;
      }>('invoke', {
        FunctionName: i.name,
        ...(i.qualifier ? { Qualifier: i.qualifier } : {}),
        ...(i.tail ? { LogType: 'Tail' } : {}),
        Payload: bytes(Buffer.from(i.payload)),
      });
      const text = fromBytes(r.data.Payload).toString('utf8');
      return {
        ...r,
        data: {
          StatusCode: r.data.StatusCode,
          ExecutedVersion: r.data.ExecutedVersion,
          FunctionError: r.data.FunctionError,
          Payload: text ? JSON.parse(text) : undefined,
          Log: decodeLog(r.data.LogResult),
        },
      };
    },
    updateCode: (i) =>
      call('update_function_code', {
        FunctionName: i.name,
        ZipFile: bytes(i.zip),
        ...(i.revisionId ? { RevisionId: i.revisionId } : {}),
      }),
    updateConfig: (i) =>
      call('update_function_configuration', {
        FunctionName: i.name,
        ...(i.description !== undefined ? { Description: i.description } : {}),
        ...(i.timeoutS !== undefined ? { Timeout: i.timeoutS } : {}),
        ...(i.memoryMb !== undefined ? { MemorySize: i.memoryMb } : {}),
        ...(i.env ? { Environment: { Variables: i.env } } : {}),
        ...(i.layers ? { Layers: i.layers } : {}),
        ...(i.revisionId ? { RevisionId: i.revisionId } : {}),
      }),
    publishVersion: (name) => call('publish_version', { FunctionName: name }),
    createAlias: (i) =>
      call('create_alias', {
        FunctionName: i.name,
        Name: i.alias,
        FunctionVersion: i.version,
        RoutingConfig: { AdditionalVersionWeights: i.weights },
      }),
    putConcurrency: (name, reserved) =>
      call('put_function_concurrency', {
        FunctionName: name,
        ReservedConcurrentExecutions: reserved,
      }),
    deleteConcurrency: (name) => call('delete_function_concurrency', { FunctionName: name }),
    publishLayer: (i) =>
      call('publish_layer_version', { LayerName: i.name, Content: { ZipFile: bytes(i.zip) } }),
    tag: (arn, tags) => call('tag_resource', { Resource: arn, Tags: tags }),
    async listTags(arn) {
      const r = await call<{ Tags?: Record<string, string> }>('list_tags', { Resource: arn });
      return { ...r, data: r.data.Tags ?? {} };
    },
    untag: (arn, keys) => call('untag_resource', { Resource: arn, TagKeys: keys }),
    deleteFunction: (name) => call('delete_function', { FunctionName: name }),
    async close() {
      child.stdin.end(); // the driver's loop ends at EOF
      if (!(await waitForExit(child, 3000))) await stopChild(child);
    },
  };
}
