import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Credentials } from '../../../src/shared/sigv4.js';
import { clientEnv, runChild } from './child.js';
import {
  ClientFailure,
  decodeLog,
  type ListPage,
  type Reply,
  type ScenarioClient,
  type SentRequest,
} from './client.js';

/** Debian's awscli v2, never the pyenv shim that comes first on PATH. */
export const AWS_CLI = '/usr/bin/aws';
/** awscli v2's exit status for "the service returned an error". */
const SERVICE_ERROR_EXIT = 254;

/**
 * What `--debug` tells about the wire: each attempt before it is sent, each connection
 * opened (to whatever host), each status received.
 */
function wireOf(stderr: string): {
  requests: SentRequest[];
  hosts: string[];
  statuses: number[];
} {
  const requests = [
    ...stderr.matchAll(/Sending http request: <AWSPreparedRequest [^>]*?method=(\w+), url=(\S+),/g),
  ].map((m) => ({ method: m[1] ?? '', url: m[2] ?? '' }));
  const statuses = [
    ...stderr.matchAll(/urllib3\.connectionpool - DEBUG - \S+ "\w+ \S+ HTTP\/1\.1" (\d{3})/g),
  ].map((m) => Number(m[1]));
  const hosts = [
    ...stderr.matchAll(
      /urllib3\.connectionpool - DEBUG - Starting new HTTPS? connection \(\d+\): (\S+)/g,
    ),
  ].map((m) => m[1] ?? '');
  return { requests, hosts, statuses };
}

/** The CLI's `--max-items` NextToken wraps the server's NextMarker: base64 of `{"Marker": ...}`. */
function markerOfToken(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  const decoded: unknown = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  if (typeof decoded !== 'object' || decoded === null || !('Marker' in decoded)) {
    throw new Error(`a NextToken that wraps no Marker: ${token}`);
  }
  return String(decoded.Marker);
}

/**
 * `/usr/bin/aws lambda ...` with `--endpoint-url`, `--region us-east-1`, `--output json`,
 * `--debug` (to see every request and status), one process per call. The CLI cannot be
 * stopped before it sends, so its requests are checked afterwards from the debug log.
 * `workDir` holds zips and invoke outputs.
 */
export function awsCliClient(
  endpoint: string,
  credentials: Credentials,
  workDir: string,
): ScenarioClient {
  const sent: SentRequest[] = [];
  const env = clientEnv(credentials, workDir);
  let files = 0;
  const file = (suffix: string) => path.join(workDir, `cli-${++files}${suffix}`);
  const zipArg = (zip: Buffer) => {
    const p = file('.zip');
    writeFileSync(p, zip);
    return `fileb://${p}`;
  };

  /**
   * One CLI run: its JSON output (in the shape of the Lambda API's response, as the
   * caller expects) on success, a ClientFailure for a service error.
   */
  async function aws<T = Record<string, unknown>>(
    args: string[],
    opts: { payloadForm?: 'raw' | 'base64' } = {},
  ): Promise<Reply<T>> {
    // raw-in-base64-out for every call except the one showing the CLI's default (base64).
    const format =
      opts.payloadForm === 'base64' ? [] : ['--cli-binary-format', 'raw-in-base64-out'];
    const r = await runChild(
      AWS_CLI,
      [
        '--endpoint-url',
        endpoint,
        '--region',
        'us-east-1',
        '--output',
        'json',
        ...format,
        '--debug',
        'lambda',
        ...args,
      ],
      env,
    );
    const { requests, hosts, statuses } = wireOf(r.stderr);
    sent.push(...requests);
    const elsewhere = hosts.filter((h) => h !== new URL(endpoint).host);
    if (elsewhere.length) throw new Error(`the aws CLI connected to ${elsewhere.join(', ')}`);
    const status = statuses.at(-1) ?? 0;
    if (r.code === 0) {
      return { status, data: JSON.parse(r.stdout.trim() || '{}'), requests };
    }
    const err =
      /An error occurred \((\w+)\) when calling the \w+ operation(?: \(reached max retries: \d+\))?: (.*)$/m.exec(
        r.stderr,
      );
    if (r.code !== SERVICE_ERROR_EXIT || !err) {
      throw new Error(`aws ${args.join(' ')}: exit ${r.code}\n${r.stderr.slice(-3000)}`);
    }
    const code = err[1] ?? '';
    // The traceback names the class raised: botocore.errorfactory.<Code> when modelled.
    const raised = /^botocore\.(?:errorfactory|exceptions)\.(\w+): An error occurred/m.exec(
      r.stderr,
    );
    throw new ClientFailure(code, status, raised?.[1] === code, requests, err[2] ?? '');
  }

  return {
    sent,
    createFunction: (i) =>
      aws([
        'create-function',
        '--function-name',
        i.name,
        '--runtime',
        i.runtime,
        '--handler',
        'index.handler',
        '--role',
        'arn:aws:iam::000000000000:role/lambda',
        '--zip-file',
        zipArg(i.zip),
      ]),
    getFunction: (name) => aws(['get-function', '--function-name', name]),
    async listFunctionPages() {
      const pages: ListPage[] = [];
      const requests: SentRequest[] = [];
      let token: string | undefined;
      let status = 0;
      do {
        const r = await aws<{ Functions?: { FunctionName?: string }[]; NextToken?: string }>([
          'list-functions',
          '--max-items',
          '1',
          '--page-size',
          '1',
          ...(token ? ['--starting-token', token] : []),
        ]);
        requests.push(...r.requests);
        status = r.status;
        token = r.data.NextToken;
        pages.push({
          names: (r.data.Functions ?? []).map((f) => f.FunctionName ?? ''),
          nextMarker: markerOfToken(token),
        });
      } while (token);
      return { status, data: pages, requests };
    },
    async invoke(i) {
      const out = file('.out');
      const r = await aws<{
        StatusCode?: number;
        ExecutedVersion?: string;
        FunctionError?: string;
        LogResult?: string;
      }>(
        [
          'invoke',
          '--function-name',
          i.name,
          ...(i.qualifier ? ['--qualifier', i.qualifier] : []),
          ...(i.tail ? ['--log-type', 'Tail'] : []),
          '--payload',
          i.form === 'base64' ? Buffer.from(i.payload).toString('base64') : i.payload,
          out,
        ],
        { payloadForm: i.form ?? 'raw' },
      );
      const text = readFileSync(out, 'utf8');
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
      aws([
        'update-function-code',
        '--function-name',
        i.name,
        '--zip-file',
        zipArg(i.zip),
        ...(i.revisionId ? ['--revision-id', i.revisionId] : []),
      ]),
    updateConfig: (i) =>
      aws([
        'update-function-configuration',
        '--function-name',
        i.name,
        ...(i.description !== undefined ? ['--description', i.description] : []),
        ...(i.timeoutS !== undefined ? ['--timeout', String(i.timeoutS)] : []),
        ...(i.memoryMb !== undefined ? ['--memory-size', String(i.memoryMb)] : []),
        ...(i.env ? ['--environment', JSON.stringify({ Variables: i.env })] : []),
        ...(i.layers ? ['--layers', ...i.layers] : []),
        ...(i.revisionId ? ['--revision-id', i.revisionId] : []),
      ]),
    publishVersion: (name) => aws(['publish-version', '--function-name', name]),
    createAlias: (i) =>
      aws([
        'create-alias',
        '--function-name',
        i.name,
        '--name',
        i.alias,
        '--function-version',
        i.version,
        '--routing-config',
        JSON.stringify({ AdditionalVersionWeights: i.weights }),
      ]),
    putConcurrency: (name, reserved) =>
      aws([
        'put-function-concurrency',
        '--function-name',
        name,
        '--reserved-concurrent-executions',
        String(reserved),
      ]),
    deleteConcurrency: (name) => aws(['delete-function-concurrency', '--function-name', name]),
    publishLayer: (i) =>
      aws(['publish-layer-version', '--layer-name', i.name, '--zip-file', zipArg(i.zip)]),
    tag: (arn, tags) =>
      aws([
        'tag-resource',
        '--resource',
        arn,
        '--tags',
        Object.entries(tags)
          .map(([k, v]) => `${k}=${v}`)
          .join(','),
      ]),
    async listTags(arn) {
      const r = await aws<{ Tags?: Record<string, string> }>(['list-tags', '--resource', arn]);
      return { ...r, data: r.data.Tags ?? {} };
    },
    untag: (arn, keys) => aws(['untag-resource', '--resource', arn, '--tag-keys', ...keys]),
    deleteFunction: (name) => aws(['delete-function', '--function-name', name]),
    async close() {
      // Every CLI run has ended by the time its call returned.
    },
  };
}
