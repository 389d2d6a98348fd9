import { strToU8, zipSync } from 'fflate';
import { api, seg } from './client';
import type { FunctionConfiguration } from './types';

/** Every function (ListFunctions, page by page). */
export async function listFunctions(): Promise<FunctionConfiguration[]> {
  const all: FunctionConfiguration[] = [];
  let marker: string | undefined;
  do {
    const page = await api<{ Functions: FunctionConfiguration[]; NextMarker?: string | null }>(
      '/2015-03-31/functions',
      { query: { MaxItems: 50, Marker: marker } },
    );
    all.push(...page.Functions);
    marker = page.NextMarker ?? undefined;
  } while (marker);
  return all;
}

export function getFunction(name: string) {
  return api<{ Configuration: FunctionConfiguration; Code?: { Location?: string } }>(
    `/2015-03-31/functions/${seg(name)}`,
  );
}

/** A one-file handler as the zip Lambda takes, base64 (fflate, in the browser). */
export function zipOneFile(fileName: string, source: string): string {
  return base64(zipSync({ [fileName]: [strToU8(source), { level: 6 }] }));
}

export function base64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}

/** The inline editor's file and handler per runtime family. */
export function inlineFile(runtime: string): { file: string; handler: string; source: string } {
  if (runtime.startsWith('python')) {
    return {
      file: 'lambda_function.py',
      handler: 'lambda_function.lambda_handler',
      source: `import json


def lambda_handler(event, context):
    print("got event", json.dumps(event))
    return {"statusCode": 200, "body": json.dumps({"hello": "world"})}
`,
    };
  }
  return {
    file: 'index.mjs',
    handler: 'index.handler',
    source: `export const handler = async (event, context) => {
  console.log('got event', JSON.stringify(event));
  return { statusCode: 200, body: JSON.stringify({ hello: 'world' }) };
};
`,
  };
}

/** The Lambda runtime identifiers the inline editor offers. */
export const INLINE_RUNTIMES = [
  'nodejs20.x',
  'nodejs22.x',
  'nodejs24.x',
  'python3.12',
  'python3.13',
  'python3.11',
];
