import {
  type AnswerResult,
  checkHeaders,
  checkStatus,
  type HttpAnswer,
  malformed,
} from './answer.js';

/** The Content-Type of a streamed HTTP response with a JSON prelude (wire reference §1.4). */
export const PRELUDE_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';
/** The prelude ends with eight NUL bytes. */
const SEPARATOR = Buffer.alloc(8);

/** Index just past the prelude's separator in `buf`, or -1 when it has not arrived yet. */
export function preludeEnd(buf: Buffer): number {
  const i = buf.indexOf(SEPARATOR);
  return i < 0 ? -1 : i + SEPARATOR.length;
}

/** The status and headers of a prelude `{"statusCode","headers","cookies"}`. */
export function preludeHead(json: Buffer): Omit<HttpAnswer, 'body'> | string {
  let value: unknown;
  try {
    value = JSON.parse(json.toString('utf8'));
  } catch {
    return 'the response prelude is not valid JSON';
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return 'the response prelude is not a JSON object';
  }
  const r = value as Record<string, unknown>;
  const statusCode = r.statusCode === undefined ? 200 : checkStatus(r.statusCode);
  if (typeof statusCode === 'string') return statusCode;
  const headers = checkHeaders(r.headers, 'headers');
  if (typeof headers === 'string') return headers;
  if (r.cookies !== undefined) {
    if (!Array.isArray(r.cookies) || !r.cookies.every((c) => typeof c === 'string')) {
      return 'cookies must be an array of strings';
    }
    for (const c of r.cookies) headers.push(['set-cookie', c]);
  }
  if (!headers.some(([k]) => k === 'content-type')) {
    headers.push(['content-type', 'application/octet-stream']);
  }
  return { statusCode, headers };
}

/** A whole (buffered) prelude response: prelude, separator, body. */
export function preludeAnswer(payload: Buffer): AnswerResult {
  const end = preludeEnd(payload);
  if (end < 0) return malformed('the streamed response has no complete prelude');
  const head = preludeHead(payload.subarray(0, end - SEPARATOR.length));
  if (typeof head === 'string') return malformed(head);
  return { ok: true, answer: { ...head, body: payload.subarray(end) } };
}
