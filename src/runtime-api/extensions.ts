import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type AgentState,
  type ExtensionEventType,
  errorMessageOf,
  eventsRefusal,
  identifierRefusal,
  invalidState,
  isRefusal,
  parseEvents,
  type Refusal,
  refusal,
  refuse,
  wantsAccountId,
} from './extension-requests.js';
import { readBody } from './read-body.js';
import { replyAccepted } from './replies.js';

export type { ExtensionEventType } from './extension-requests.js';
export type ShutdownReason = 'spindown' | 'timeout' | 'failure';

/** One extension; its states are drawn at AgentState (extension-requests.ts). */
interface Agent {
  id: string;
  name: string;
  external: boolean;
  state: AgentState;
  events: Set<ExtensionEventType>;
  /** An `event/next` waiting for an event. */
  parked: ServerResponse | null;
  /** An event handed to the agent that its `event/next` has not fetched yet. */
  unsent: Buffer | null;
}

/** What the register answer says about the function. */
export interface FunctionMetadata {
  functionName: string;
  functionVersion: string;
  handler: string;
  accountId: string;
}

/** The instance that owns a hub hears about its extensions through this. */
export interface ExtensionListener {
  /** An extension became ready (or went away): a wait for init, an invoke or a shutdown may be over. */
  onExtensionProgress(): void;
  /** An extension reported an error or crashed: the instance fails and stops. */
  onExtensionFailure(errorType: string, errorMessage: string): void;
}

/** Lambda's limit on extensions per function (RIE `MaxAgentsAllowed`). */
export const MAX_EXTENSIONS = 10;
const MAX_REQUEST_BYTES = 64 * 1024;

/**
 * The Extensions API (`/2020-01-01/extension/...`) of one instance: registration, events,
 * error reports. The runtime's side is RuntimeChannel; the instance combines both (init
 * is complete when the runtime and every extension wait for their next event).
 * An instance without extensions only ever pays for the empty maps.
 */
export class ExtensionHub {
  private readonly agents = new Map<string, Agent>();
  private readonly byName = new Map<string, Agent>();
  private registrationOpen = true;
  private initComplete = false;
  private shuttingDown = false;
  private closed = false;
  private meta: FunctionMetadata = {
    functionName: '',
    functionVersion: '$LATEST',
    handler: '',
    accountId: '',
  };

  /** `externals`: the basenames of the executables launched from /opt/extensions. */
  constructor(
    private readonly listener: ExtensionListener,
    externals: readonly string[] = [],
  ) {
    for (const name of externals) this.add(name, true, 'launched');
  }

  setMetadata(meta: FunctionMetadata): void {
    this.meta = meta;
  }

  /** True when at least one extension exists (launched or registered). */
  get active(): boolean {
    return this.agents.size > 0;
  }

  /** The runtime asked for its first event: only launched extensions may register from now on. */
  closeRegistration(): void {
    this.registrationOpen = false;
  }

  /** The instance finished init: `init/error` is refused from now on. */
  markInitComplete(): void {
    this.initComplete = true;
  }

  /** Every launched extension registered, and every extension waits for its next event. */
  initDone(): boolean {
    for (const a of this.agents.values()) if (a.state !== 'ready') return false;
    return true;
  }

  /** Names of the extensions init still waits for, with what they have not done yet. */
  initWaitingFor(): string[] {
    const out: string[] = [];
    for (const a of this.agents.values()) {
      if (a.state === 'launched') out.push(`${a.name} (not registered)`);
      else if (a.state === 'registered') out.push(`${a.name} (no event/next yet)`);
    }
    return out;
  }

  /** Hands an INVOKE event to every subscribed extension; returns how many got it. */
  deliverInvoke(inv: {
    requestId: string;
    deadlineMs: number;
    invokedFunctionArn: string;
    traceId: string;
  }): number {
    if (this.agents.size === 0) return 0;
    const event = Buffer.from(
      JSON.stringify({
        eventType: 'INVOKE',
        deadlineMs: inv.deadlineMs,
        requestId: inv.requestId,
        invokedFunctionArn: inv.invokedFunctionArn,
        tracing: { type: 'X-Amzn-Trace-Id', value: inv.traceId },
      }),
    );
    let n = 0;
    for (const a of this.agents.values()) {
      if (a.state !== 'ready' || !a.events.has('INVOKE')) continue;
      this.handOver(a, event);
      n++;
    }
    return n;
  }

  /** True when no extension is still working on an event. */
  idle(): boolean {
    for (const a of this.agents.values()) if (a.state === 'running') return false;
    return true;
  }

  /** Names of the extensions still working on an event. */
  busyNames(): string[] {
    return [...this.agents.values()].filter((a) => a.state === 'running').map((a) => a.name);
  }

  /** True when some live extension subscribed to SHUTDOWN (stopping must wait for it). */
  wantsShutdown(): boolean {
    for (const a of this.agents.values()) {
      if (a.events.has('SHUTDOWN') && (a.state === 'ready' || a.state === 'running')) return true;
    }
    return false;
  }

  /**
   * Sends SHUTDOWN to every subscribed extension (an extension still busy with an INVOKE
   * gets it on its next `event/next`). From now on no extension failure is reported.
   */
  shutdown(reason: ShutdownReason, deadlineMs: number): void {
    this.shuttingDown = true;
    const event = Buffer.from(
      JSON.stringify({ eventType: 'SHUTDOWN', deadlineMs, shutdownReason: reason }),
    );
    for (const a of this.agents.values()) {
      if (!a.events.has('SHUTDOWN')) continue;
      if (a.state === 'ready') this.handOver(a, event);
      else if (a.state === 'running') a.unsent = event;
    }
  }

  /** An extension's process ended (the sandbox's entry process reports it). */
  onProcessExit(name: string, status: number): void {
    const a = this.byName.get(name);
    if (!a?.external || a.state === 'exited') return;
    const before = a.state;
    a.state = 'exited';
    a.unsent = null;
    this.unpark(a);
    if (!this.shuttingDown && !this.closed && before !== 'exit-error' && before !== 'init-error') {
      this.listener.onExtensionFailure(
        'Extension.Crash',
        `Extension ${name} exited ${status === 0 ? 'without an error' : `with status ${status}`} before it was shut down`,
      );
    }
    this.listener.onExtensionProgress();
  }

  /** The instance is gone: refuse everything from now on. */
  close(): void {
    this.closed = true;
    for (const a of this.agents.values()) this.unpark(a);
  }

  // Endpoints

  async handleRegister(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const name = req.headers['lambda-extension-name'];
    const body = await readBody(req, MAX_REQUEST_BYTES);
    if (this.closed) return void res.destroy();
    const agent = this.register(typeof name === 'string' ? name : '', body);
    if (isRefusal(agent)) return refuse(res, agent);
    const answer = JSON.stringify({
      functionName: this.meta.functionName,
      functionVersion: this.meta.functionVersion,
      handler: this.meta.handler,
      ...(wantsAccountId(req) ? { accountId: this.meta.accountId } : {}),
    });
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(answer),
      'Lambda-Extension-Identifier': agent.id,
    });
    res.end(answer);
  }

  /** Registers `name` (a launched extension, or an internal one while init runs). */
  private register(name: string, body: Buffer | null): Agent | Refusal {
    if (name === '') return refusal('Extension.InvalidExtensionName', 'Empty extension name');
    const events = parseEvents(body);
    if (isRefusal(events)) return events;
    const known = this.byName.get(name);
    const external = known?.external === true;
    const bad = eventsRefusal(events, external);
    if (bad) return bad;
    let agent = known;
    if (agent && external) {
      if (agent.state !== 'launched') {
        return invalidState(agent.state, 'Registered', name, 'already registered');
      }
    } else if (!this.registrationOpen) {
      return refusal(
        'Extension.RegistrationClosed',
        `Extension registration closed already: ${name} is not an executable in /opt/extensions, and init has completed`,
      );
    } else if (agent) {
      return refusal(
        'Extension.InvalidExtensionState',
        'Extension with this name already registered',
      );
    } else if (this.agents.size >= MAX_EXTENSIONS) {
      return refusal('Extension.TooManyExtensions', `Extension limit (${MAX_EXTENSIONS}) reached`);
    } else {
      agent = this.add(name, false, 'launched');
    }
    agent.state = 'registered';
    agent.events = new Set(events);
    return agent;
  }

  handleNext(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    const agent = this.identify(req, res);
    if (!agent) return;
    switch (agent.state) {
      case 'registered':
        agent.state = 'ready';
        break;
      case 'running':
        if (agent.unsent) break; // the event it is asking for has not been fetched yet
        agent.state = 'ready';
        break;
      case 'ready':
        if (agent.parked && !agent.parked.destroyed) {
          refuse(res, invalidState('ready', 'Ready', agent.id, 'an event/next is already waiting'));
          return;
        }
        break;
      default:
        refuse(res, invalidState(agent.state, 'Ready', agent.id, 'invalid state'));
        return;
    }
    if (agent.unsent) {
      this.send(res, agent.unsent);
      agent.unsent = null;
    } else {
      agent.parked = res;
      // (the response's close: the request's fires as soon as its empty body is read)
      res.on('close', () => {
        if (agent.parked === res) agent.parked = null;
      });
    }
    this.listener.onExtensionProgress();
  }

  async handleErrorReport(
    kind: 'init' | 'exit',
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const body = await readBody(req, MAX_REQUEST_BYTES);
    if (this.closed) return void res.destroy();
    const agent = this.identify(req, res);
    if (!agent) return;
    const errorType = req.headers['lambda-extension-function-error-type'];
    if (typeof errorType !== 'string' || errorType === '') {
      return refuse(
        res,
        refusal('Extension.MissingHeader', 'Lambda-Extension-Function-Error-Type not found'),
      );
    }
    const allowed =
      kind === 'init'
        ? agent.state === 'registered' || agent.state === 'ready'
        : agent.state !== 'exit-error' && agent.state !== 'init-error';
    if (!allowed || (kind === 'init' && this.initComplete)) {
      const to = kind === 'init' ? 'InitError' : 'ExitError';
      return refuse(res, invalidState(agent.state, to, agent.id, 'invalid state'));
    }
    agent.state = kind === 'init' ? 'init-error' : 'exit-error';
    agent.unsent = null;
    this.unpark(agent);
    replyAccepted(res);
    if (this.shuttingDown) return;
    const message = errorMessageOf(body);
    const detail = message ? `: ${message}` : '';
    this.listener.onExtensionFailure(
      kind === 'init' ? 'Extension.InitError' : 'Extension.ExitError',
      `Extension ${agent.name} reported ${errorType}${detail}`,
    );
  }

  // Internals

  private add(name: string, external: boolean, state: AgentState): Agent {
    const agent: Agent = {
      id: randomUUID(),
      name,
      external,
      state,
      events: new Set(),
      parked: null,
      unsent: null,
    };
    this.agents.set(agent.id, agent);
    this.byName.set(name, agent);
    return agent;
  }

  /** The agent named by `Lambda-Extension-Identifier`, or null after answering the refusal. */
  private identify(req: IncomingMessage, res: ServerResponse): Agent | null {
    if (this.closed) {
      res.destroy();
      return null;
    }
    const id = req.headers['lambda-extension-identifier'];
    const agent = this.agents.get(String(id ?? '').toLowerCase());
    const refused = identifierRefusal(id, agent !== undefined && agent.state !== 'launched');
    if (refused || !agent) {
      // identifierRefusal refuses whenever there is no agent
      refuse(res, refused as Refusal);
      return null;
    }
    return agent;
  }

  /** Marks the agent busy with `event` and sends it now if the agent is waiting. */
  private handOver(agent: Agent, event: Buffer): void {
    agent.state = 'running';
    const parked = agent.parked;
    if (parked && !parked.destroyed) {
      agent.parked = null;
      this.send(parked, event);
    } else {
      agent.unsent = event;
    }
  }

  private send(res: ServerResponse, event: Buffer): void {
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Content-Length': event.length,
      'Lambda-Extension-Event-Identifier': randomUUID(),
    });
    res.end(event);
  }

  private unpark(agent: Agent): void {
    const parked = agent.parked;
    agent.parked = null;
    if (parked && !parked.writableEnded) parked.destroy();
  }
}
