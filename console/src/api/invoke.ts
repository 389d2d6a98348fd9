import { seg, send } from './client';

export interface InvokeResult {
  status: number;
  requestId: string | null;
  functionError: string | null;
  body: string;
  tail: string | null;
  report: Record<string, string> | null;
  version: string | null;
}

/** `REPORT RequestId: x Duration: 1.2 ms Billed Duration: 2 ms ...` as label → value. */
export function parseReport(tail: string): Record<string, string> | null {
  const line = tail.split('\n').find((l) => l.startsWith('REPORT '));
  if (!line) return null;
  const out: Record<string, string> = {};
  // Fields are tab-separated `Label: value` (src/observability/report.ts).
  for (const part of line.slice('REPORT '.length).split('\t')) {
    const colon = part.indexOf(':');
    if (colon > 0) out[part.slice(0, colon).trim()] = part.slice(colon + 1).trim();
  }
  return out;
}

function decodeBase64(b64: string): string {
  const bin = atob(b64);
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

/** Invoke: RequestResponse with the Tail log, or Event (queued, 202). */
export async function invoke(
  name: string,
  payload: string,
  type: 'RequestResponse' | 'Event',
): Promise<InvokeResult> {
  const res = await send(`/2015-03-31/functions/${seg(name)}/invocations`, {
    method: 'POST',
    body: payload,
    headers: {
      'x-amz-invocation-type': type,
      ...(type === 'RequestResponse' ? { 'x-amz-log-type': 'Tail' } : {}),
    },
  });
  const logResult = res.headers.get('x-amz-log-result');
  const tail = logResult ? decodeBase64(logResult) : null;
  return {
    status: res.status,
    requestId: res.headers.get('x-amzn-requestid'),
    functionError: res.headers.get('x-amz-function-error'),
    body: await res.text(),
    tail,
    report: tail ? parseReport(tail) : null,
    version: res.headers.get('x-amz-executed-version'),
  };
}

/** The body as indented JSON when it is JSON. */
export function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
