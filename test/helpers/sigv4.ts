import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { type Credentials, createSigner } from '../../src/shared/sigv4.js';

export interface SignedInjectOptions {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path and query exactly as sent (percent-encoding included). */
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Signing time; default now. */
  date?: Date;
  region?: string;
  /** Signs, then swaps the body for this one (a tampered request). */
  tamperedBody?: string;
  /** Credential scope service; default `lambda`. */
  service?: string;
  /** Send `X-Amz-Content-Sha256` as the JS SDK does (default true). */
  contentSha256?: boolean;
}

/**
 * Injects a request signed with SigV4 over exactly what is injected (method,
 * raw path, query, headers, body), as a real client would sign it.
 */
export async function signedInject(
  app: FastifyInstance,
  creds: Credentials,
  o: SignedInjectOptions,
): Promise<LightMyRequestResponse> {
  const host = 'localhost:80'; // what inject() sends as Host
  const q = o.url.indexOf('?');
  const path = q < 0 ? o.url : o.url.slice(0, q);
  const query: Record<string, string> = {};
  if (q >= 0) {
    for (const pair of o.url.slice(q + 1).split('&')) {
      const [k = '', v = ''] = pair.split('=');
      query[decodeURIComponent(k)] = decodeURIComponent(v);
    }
  }
  const signer = createSigner(creds, o.region ?? 'us-east-1', {
    applyChecksum: o.contentSha256 ?? true,
  });
  const signed = await signer.sign(
    {
      method: o.method,
      protocol: 'http:',
      hostname: 'localhost',
      path,
      query,
      headers: { host, ...o.headers },
      body: o.body,
    },
    {
      signingDate: o.date ?? new Date(),
      ...(o.service !== undefined ? { signingService: o.service } : {}),
    },
  );
  return app.inject({
    method: o.method,
    url: o.url,
    headers: signed.headers,
    ...(o.tamperedBody !== undefined
      ? { payload: o.tamperedBody }
      : o.body !== undefined
        ? { payload: o.body }
        : {}),
  });
}
