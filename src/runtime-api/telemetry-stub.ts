import type { IncomingMessage, ServerResponse } from 'node:http';
import { replyError } from './replies.js';

/**
 * `PUT /2022-07-01/telemetry` and `PUT /2020-08-15/logs`: accepted and never delivered,
 * answered exactly as RIE's stubs answer (202 with a `*.NotSupported` body), whatever the
 * subscription says. No state changes, so a subscribing extension keeps working.
 */
export function handleSubscriptionStub(
  api: 'telemetry' | 'logs',
  req: IncomingMessage,
  res: ServerResponse,
): void {
  req.resume();
  const done = () => {
    if (api === 'telemetry') {
      replyError(res, 202, 'Telemetry.NotSupported', 'Telemetry API is not supported');
    } else {
      replyError(res, 202, 'Logs.NotSupported', 'Logs API is not supported');
    }
  };
  if (req.readableEnded) done();
  else req.once('end', done);
}
