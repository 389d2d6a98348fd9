import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ExtensionHub } from './extensions.js';
import { handleSubscriptionStub } from './telemetry-stub.js';

const EXTENSION = '/2020-01-01/extension/';
const SUBSCRIPTIONS: Record<string, 'telemetry' | 'logs' | undefined> = {
  '/2022-07-01/telemetry': 'telemetry',
  '/2020-08-15/logs': 'logs',
};

/**
 * The Extensions, Telemetry and Logs APIs (reference §1.8–1.9), one line per endpoint.
 * Returns false when the request names none of them (the caller answers 404).
 */
export function dispatchExtensionApi(
  hub: ExtensionHub | null,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> | undefined | false {
  const url = req.url ?? '';
  const method = req.method;
  if (hub && url.startsWith(EXTENSION)) {
    const rest = url.slice(EXTENSION.length);
    if (rest === 'register' && method === 'POST') return hub.handleRegister(req, res);
    if (rest === 'event/next' && method === 'GET') {
      hub.handleNext(req, res);
      return undefined;
    }
    if (rest === 'init/error' && method === 'POST') return hub.handleErrorReport('init', req, res);
    if (rest === 'exit/error' && method === 'POST') return hub.handleErrorReport('exit', req, res);
    return false;
  }
  if (method !== 'PUT') return false;
  const api = SUBSCRIPTIONS[url.endsWith('/') ? url.slice(0, -1) : url];
  if (!api) return false;
  handleSubscriptionStub(api, req, res);
  return undefined;
}
