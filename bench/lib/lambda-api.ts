import type http from 'node:http';
import { ZipFile } from 'yazl';
import { type HttpAnswer, request } from './http-load.js';

/**
 * The hello function. It returns at once; `handlerMs` is the time spent inside
 * it (entry to return), which "added latency" subtracts.
 */
export const HELLO_SOURCE = `export const handler = async () => {
  const t0 = performance.now();
  const body = { hello: 'world' };
  return { ...body, handlerMs: performance.now() - t0 };
};
`;

/** The hello function in the HTTP API response shape (as serverless-offline's handler). */
export const HTTP_HELLO_SOURCE = `export const handler = async () => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ hello: 'world' }),
});
`;

/** A zip holding `index.mjs` = `source` (HELLO_SOURCE by default). */
export function helloZip(source = HELLO_SOURCE): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const zip = new ZipFile();
    zip.addBuffer(Buffer.from(source), 'index.mjs', { mtime: new Date(0), mode: 0o100644 });
    zip.end();
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

function expectStatus(a: HttpAnswer, want: number, what: string): HttpAnswer {
  if (a.status !== want) {
    throw new Error(`${what}: HTTP ${a.status} ${a.body.toString('utf8').slice(0, 500)}`);
  }
  return a;
}

/** CreateFunction for a nodejs<host major>.x function with `index.handler`. */
export async function createFunction(port: number, name: string, zip: Buffer): Promise<void> {
  const major = process.versions.node.split('.')[0];
  const body = JSON.stringify({
    FunctionName: name,
    Runtime: `nodejs${major}.x`,
    Handler: 'index.handler',
    Role: 'arn:aws:iam::000000000000:role/x',
    Code: { ZipFile: zip.toString('base64') },
  });
  const a = await request({
    port,
    method: 'POST',
    path: '/2015-03-31/functions',
    headers: { 'content-type': 'application/json' },
    body,
    agent: false,
  });
  expectStatus(a, 201, 'CreateFunction');
}

/** UpdateFunctionConfiguration of the environment: a new revision, so the next Invoke starts cold. */
export async function updateEnvironment(
  port: number,
  name: string,
  vars: Record<string, string>,
  agent: http.Agent | false,
): Promise<void> {
  const a = await request({
    port,
    method: 'PUT',
    path: `/2015-03-31/functions/${encodeURIComponent(name)}/configuration`,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ Environment: { Variables: vars } }),
    agent,
  });
  expectStatus(a, 200, 'UpdateFunctionConfiguration');
}

/** Path of the Invoke API for `name` (and a `?Qualifier=`). */
export const invokePath = (name: string, qualifier?: string) =>
  `/2015-03-31/functions/${encodeURIComponent(name)}/invocations${
    qualifier ? `?Qualifier=${encodeURIComponent(qualifier)}` : ''
  }`;

/** A control-API call with an optional JSON body: the status and the parsed answer. */
export async function apiCall(
  port: number,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  p: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> | null; text: string }> {
  const a = await request({
    port,
    method,
    path: p,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    agent: false,
  });
  const text = a.body.toString('utf8');
  let json: Record<string, unknown> | null = null;
  try {
    // Lambda API answers are JSON objects; anything else stays null.
    const v: unknown = JSON.parse(text);
    if (v && typeof v === 'object') json = v as Record<string, unknown>;
  } catch {
    // not JSON
  }
  return { status: a.status, json, text };
}

/** PublishVersion of `$LATEST`; returns the version number. */
export async function publishVersion(port: number, name: string): Promise<string> {
  const a = await apiCall(
    port,
    'POST',
    `/2015-03-31/functions/${encodeURIComponent(name)}/versions`,
    {},
  );
  if (a.status !== 201 || typeof a.json?.Version !== 'string') {
    throw new Error(`PublishVersion: HTTP ${a.status} ${a.text.slice(0, 300)}`);
  }
  return a.json.Version;
}

/** Figures of Lambda's REPORT line, in ms. */
export interface ReportLine {
  durationMs: number;
  initDurationMs: number | null;
}

/** Finds the REPORT line in a decoded log tail and reads Duration and Init Duration. */
export function parseReport(logText: string): ReportLine | null {
  const line = logText.split('\n').find((l) => l.startsWith('REPORT '));
  if (!line) return null;
  const num = (key: string) => {
    const m = new RegExp(`(?:^|\\t)${key}: ([\\d.]+) ms`).exec(line);
    return m ? Number(m[1]) : null;
  };
  const durationMs = num('Duration');
  if (durationMs === null) return null;
  return { durationMs, initDurationMs: num('Init Duration') };
}

export interface TailInvoke {
  elapsedMs: number;
  report: ReportLine | null;
  /** `handlerMs` from the hello function's answer. */
  handlerMs: number | null;
}

/** A synchronous Invoke with `X-Amz-Log-Type: Tail`; throws unless the function answered 200. */
export async function invokeWithTail(
  port: number,
  name: string,
  agent: http.Agent | false,
  qualifier?: string,
): Promise<TailInvoke> {
  const a = await request({
    port,
    method: 'POST',
    path: invokePath(name, qualifier),
    headers: { 'content-type': 'application/json', 'x-amz-log-type': 'Tail' },
    body: '{}',
    agent,
  });
  expectStatus(a, 200, 'Invoke');
  if (a.headers['x-amz-function-error']) {
    throw new Error(`Invoke: function error ${a.body.toString('utf8').slice(0, 500)}`);
  }
  const tail = a.headers['x-amz-log-result'];
  const log = typeof tail === 'string' ? Buffer.from(tail, 'base64').toString('utf8') : '';
  let handlerMs: number | null = null;
  try {
    // The hello function's answer: { hello, handlerMs }.
    const v = JSON.parse(a.body.toString('utf8')) as { handlerMs?: unknown };
    if (typeof v.handlerMs === 'number') handlerMs = v.handlerMs;
  } catch {
    // not the hello function's JSON; leave null
  }
  return { elapsedMs: a.elapsedMs, report: parseReport(log), handlerMs };
}
