import assert from 'node:assert/strict';
import type { InjectOptions } from 'fastify';
import type { Platform } from '../../src/server.js';
import { createBody } from './platform.js';

/**
 * The Lambda API calls in-process API tests keep making: CreateFunction that
 * must succeed, and Invoke (with the Tail log when `tail` is set).
 */
export function lambdaCalls(
  platform: () => Platform,
  opts: { createDefaults?: Record<string, unknown>; tail?: boolean } = {},
) {
  const inject = (o: InjectOptions) => platform().app.inject(o);
  return {
    inject,
    async deploy(name: string, files: Record<string, string>, extra: Record<string, unknown> = {}) {
      const r = await inject({
        method: 'POST',
        url: '/2015-03-31/functions',
        payload: await createBody(name, files, { ...opts.createDefaults, ...extra }),
      });
      assert.equal(r.statusCode, 201, r.body);
    },
    invoke(name: string, payload?: string, headers: Record<string, string> = {}) {
      return inject({
        method: 'POST',
        url: `/2015-03-31/functions/${name}/invocations`,
        ...(payload !== undefined ? { payload } : {}),
        headers: { ...(opts.tail ? { 'X-Amz-Log-Type': 'Tail' } : {}), ...headers },
      });
    },
  };
}

/** The decoded `X-Amz-Log-Result` of an Invoke answer. */
export function logTail(r: { headers: Record<string, unknown> }): string {
  return Buffer.from(String(r.headers['x-amz-log-result']), 'base64').toString();
}
