import type { IncomingMessage, ServerResponse } from 'node:http';
import { replyError } from './replies.js';

/** Events an extension may subscribe to (reference §1.8). */
export type ExtensionEventType = 'INVOKE' | 'SHUTDOWN';

/**
 * One extension, as a state machine (RIE's external agent):
 *
 *   launched ──register──▶ registered ──event/next──▶ ready ──event──▶ running ──event/next──▶ ready
 *   (any) ──init/error──▶ init-error    (any) ──exit/error──▶ exit-error    process ends ──▶ exited
 *
 * Internal extensions (registered by the runtime process under a name that is no
 * executable in /opt/extensions) start at `registered`. Every other transition is refused
 * with 403 `Extension.InvalidExtensionState`.
 */
export type AgentState =
  | 'launched'
  | 'registered'
  | 'ready'
  | 'running'
  | 'init-error'
  | 'exit-error'
  | 'exited';

const STATE_NAMES: Record<AgentState, string> = {
  launched: 'Launched',
  registered: 'Registered',
  ready: 'Ready',
  running: 'Running',
  'init-error': 'InitError',
  'exit-error': 'ExitError',
  exited: 'Exited',
};

/** A 403 answer of the Extensions API: error type and message (RIE's rendering). */
export interface Refusal {
  refused: string;
  message: string;
}

export function refusal(refused: string, message: string): Refusal {
  return { refused, message };
}

/** True for a refusal (never an agent or an event list). */
export function isRefusal<T>(v: T | Refusal): v is Refusal {
  return typeof v === 'object' && v !== null && 'refused' in v;
}

export function refuse(res: ServerResponse, r: Refusal): void {
  replyError(res, 403, r.refused, r.message);
}

export function invalidState(from: AgentState, to: string, who: string, why: string): Refusal {
  return refusal(
    'Extension.InvalidExtensionState',
    `State transition from ${STATE_NAMES[from]} to ${to} failed for extension ${who}. Error: ${why}`,
  );
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Why a `Lambda-Extension-Identifier` value is refused, or null when it names an extension. */
export function identifierRefusal(id: unknown, known: boolean): Refusal | null {
  if (typeof id !== 'string' || id === '') {
    return refusal(
      'Extension.MissingExtensionIdentifier',
      'Missing Lambda-Extension-Identifier header',
    );
  }
  if (!UUID_RE.test(id)) {
    return refusal('Extension.InvalidExtensionIdentifier', 'Invalid Lambda-Extension-Identifier');
  }
  return known ? null : refusal('Extension.UnknownExtensionIdentifier', `Unknown extension ${id}`);
}

/** The `events` of a register body (`{"events":[...]}`), or why the body is refused. */
export function parseEvents(body: Buffer | null): ExtensionEventType[] | Refusal {
  const format = (why: string) => refusal('InvalidRequestFormat', why);
  if (body === null) return format('request body too large');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8') || '{}');
  } catch (e) {
    return format(`invalid JSON: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return format('the body must be a JSON object like {"events":["INVOKE","SHUTDOWN"]}');
  }
  const { events, configurationKeys } = parsed as { events?: unknown; configurationKeys?: unknown };
  if (Array.isArray(configurationKeys) && configurationKeys.length) {
    return format('configurationKeys are deprecated; use environment variables instead');
  }
  if (events === undefined || events === null) return [];
  if (!Array.isArray(events) || !events.every((e) => typeof e === 'string')) {
    return format('events must be an array of strings');
  }
  for (const e of events) {
    if (e !== 'INVOKE' && e !== 'SHUTDOWN') {
      return refusal('Extension.InvalidEventType', `${e}: invalid event type`);
    }
  }
  return events as ExtensionEventType[];
}

/** Internal extensions (the runtime's own) may not take SHUTDOWN (RIE). */
export function eventsRefusal(events: ExtensionEventType[], external: boolean): Refusal | null {
  if (external || !events.includes('SHUTDOWN')) return null;
  return refusal(
    'Extension.InvalidEventType',
    'SHUTDOWN: internal extensions (registered by the runtime process) cannot subscribe to SHUTDOWN; an extension in /opt/extensions registers with its file name',
  );
}

/** `Lambda-Extension-Accept-Feature: accountId` asks for the account id in the answer. */
export function wantsAccountId(req: IncomingMessage): boolean {
  return String(req.headers['lambda-extension-accept-feature'] ?? '')
    .split(',')
    .some((f) => f.trim() === 'accountId');
}

/** The `errorMessage` of an error report's optional JSON body, or ''. */
export function errorMessageOf(body: Buffer | null): string {
  try {
    const parsed = JSON.parse(body?.toString('utf8') ?? '') as { errorMessage?: unknown };
    return typeof parsed.errorMessage === 'string' ? parsed.errorMessage : '';
  } catch {
    return ''; // the body is optional and free-form
  }
}
