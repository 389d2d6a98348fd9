import type { InvokeResponse } from '../invoke/index.js';
import type { PayloadFormat } from '../store/types.js';
import type { AnswerResult } from './answer.js';
import { fcAnswer } from './payload-fc.js';
import { v1Answer } from './payload-v1.js';
import { v2Answer } from './payload-v2.js';
import { PRELUDE_CONTENT_TYPE, preludeAnswer } from './prelude.js';

/** A failed invocation as an HTTP status and API Gateway's words. */
export interface FunctionFailure {
  status: number;
  message: string;
  /** For the log: `Type: message`. */
  why: string;
}

/** Timeout → 504; any other function error → 502. */
export function functionFailure(res: InvokeResponse): FunctionFailure {
  let errorType = 'Unknown';
  let errorMessage = '';
  try {
    const e = JSON.parse(res.payload.toString('utf8')) as {
      errorType?: unknown;
      errorMessage?: unknown;
    };
    if (typeof e.errorType === 'string') errorType = e.errorType;
    if (typeof e.errorMessage === 'string') errorMessage = e.errorMessage;
  } catch {
    errorMessage = res.payload.toString('utf8').slice(0, 200);
  }
  const why = `function error ${errorType}${errorMessage ? `: ${errorMessage}` : ''}`;
  return errorType === 'Sandbox.Timedout'
    ? { status: 504, message: 'Endpoint request timed out', why }
    : { status: 502, message: 'Internal Server Error', why };
}

/** A successful invocation's payload as an HTTP answer, by the route's payload format. */
export function answerOf(format: PayloadFormat, res: InvokeResponse): AnswerResult {
  const type = res.contentType;
  if (format === 'fc') return fcAnswer(res.payload, type);
  // A streaming handler whose response was buffered (BUFFERED function URL).
  if (type.startsWith(PRELUDE_CONTENT_TYPE)) return preludeAnswer(res.payload);
  if (format === '1.0') return v1Answer(res.payload);
  if (!/^application\/json\b/i.test(type)) {
    // A plain streamed body (no prelude): answered as is, like a function URL does.
    return {
      ok: true,
      answer: { statusCode: 200, headers: [['content-type', type]], body: res.payload },
    };
  }
  return v2Answer(res.payload);
}
