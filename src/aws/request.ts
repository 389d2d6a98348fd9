import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * One request to a built-in AWS-compatible service (SQS, S3), after the front
 * door on the control API's port has told the services apart and, with auth on,
 * checked the SigV4 signature of its headers.
 */
export interface AwsRequest {
  req: IncomingMessage;
  res: ServerResponse;
  /** Echoed as `x-amzn-RequestId` / `x-amz-request-id`. */
  requestId: string;
  /** Region of the signature's scope, else the server's. */
  region: string;
  accountId: string;
  /** How the client addressed us, e.g. `http://127.0.0.1:9000` (from the Host header). */
  baseUrl: string;
  /** The verified caller's access key id; null when auth is off or the request is unsigned. */
  accessKeyId: string | null;
  /**
   * S3 only: the body's SHA-256 the signature covers (hex), which the service must
   * check while it reads the body; null for `UNSIGNED-PAYLOAD`, `STREAMING-*`
   * payloads, or auth off.
   */
  payloadSha256: string | null;
}
