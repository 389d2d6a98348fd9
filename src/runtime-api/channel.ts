import type { ExtensionHub } from './extensions.js';
import { INVALID_REQUEST_ID, invalidTransition, type Refusal } from './replies.js';
import type { ChannelListener, RuntimeInvocation, RuntimeOutcome } from './types.js';

/**
 * The runtime's side of one instance, as a state machine:
 *
 *   init ──/next──▶ idle ──deliver──▶ invoking ──/response|/error──▶ idle
 *     └─/init/error──▶ closed            (any) ──close()──▶ closed
 *
 * Every transition not drawn is refused (RIE's 403 InvalidStateTransition). The channel
 * knows no transport: the HTTP Runtime API (http-endpoints.ts) and Nimbus's framed channel
 * (frames/) both drive it through `next`, `claim`, `settle` and `initError`.
 */
export type ChannelState = 'init' | 'idle' | 'invoking' | 'closed';

/** A runtime waiting for its next event, on whichever transport it asked. */
export interface NextWaiter {
  send(inv: RuntimeInvocation): void;
  /** The channel closed while it waited. */
  drop(): void;
}

/** The invocation a runtime is answering, once `claim` accepted its request id. */
export interface Answering {
  readonly inv: RuntimeInvocation;
  delivered: boolean;
  /** An answer is being read (or was settled): a second one is refused at once. */
  answered: boolean;
}

/** `claim`'s verdict: the invocation, a refusal to send back, or `closed` (hang up). */
export type Claim = Answering | Refusal | 'closed';

export function isAnswering(c: Claim): c is Answering {
  return typeof c === 'object' && 'inv' in c;
}

export class RuntimeChannel {
  private stateValue: ChannelState = 'init';
  private parkedNext: NextWaiter | null = null;
  private current: Answering | null = null;
  /** The last answered request id: a second answer to it is a state error, not an unknown id. */
  private lastAnswered: string | null = null;
  /** The instance's Extensions API (`/2020-01-01/extension/...`), served on the same socket. */
  extensions: ExtensionHub | null = null;
  /** When its socket took its first connection (performance.now()), for start phases. */
  connectedAtMs: number | null = null;

  constructor(private readonly listener: ChannelListener) {}

  get state(): ChannelState {
    return this.stateValue;
  }

  /** Hands an invocation to the runtime: at once if it is waiting in /next, else on its next /next. */
  deliver(inv: RuntimeInvocation): void {
    if (this.stateValue !== 'idle' || this.current) {
      throw new Error(`cannot deliver an invocation in state ${this.stateValue}`);
    }
    this.current = { inv, delivered: false, answered: false };
    this.stateValue = 'invoking';
    const parked = this.parkedNext;
    if (parked) {
      this.parkedNext = null;
      this.send(parked);
    }
  }

  /** The instance is going away: refuse everything from now on. */
  close(): void {
    this.stateValue = 'closed';
    this.current = null;
    const parked = this.parkedNext;
    this.parkedNext = null;
    parked?.drop();
  }

  /** The runtime asks for its next event; null when it now waits (or got one), else why not. */
  next(w: NextWaiter): Refusal | 'closed' | null {
    switch (this.stateValue) {
      case 'closed':
        return 'closed';
      case 'init':
        this.stateValue = 'idle';
        this.listener.onReady();
        break;
      case 'invoking':
        if (this.current?.delivered && !this.current.answered) {
          return invalidTransition(
            'Invoking',
            'Ready',
            'the current invocation has not been answered',
          );
        }
        break;
      case 'idle':
        break;
    }
    if (this.parkedNext)
      return invalidTransition('Ready', 'Ready', 'a /next request is already waiting');
    // init → idle above may have led the listener to deliver synchronously.
    if (this.current && !this.current.delivered) this.send(w);
    else this.parkedNext = w;
    return null;
  }

  /** A waiting runtime went away (its connection closed). */
  unpark(w: NextWaiter): void {
    if (this.parkedNext === w) this.parkedNext = null;
  }

  private send(w: NextWaiter): void {
    const cur = this.current!; // send() is only called with a delivered-pending invocation
    cur.delivered = true;
    w.send(cur.inv);
  }

  /** Checks that `requestId` is the invocation in flight and unanswered (`to`: the transition, for messages). */
  claim(requestId: string, to: string): Claim {
    const cur = this.current;
    if (this.stateValue === 'closed') return 'closed';
    const answeredAlready = invalidTransition(
      'InvocationResponded',
      to,
      'the invocation was already answered',
    );
    if (requestId === this.lastAnswered && cur?.inv.requestId !== requestId) return answeredAlready;
    if (!cur || cur.inv.requestId !== requestId || !cur.delivered) return INVALID_REQUEST_ID;
    if (cur.answered) return answeredAlready;
    return cur;
  }

  /** The delivered invocation no answer has begun for, if any (an oversize frame's). */
  unanswered(): Answering | null {
    const cur = this.current;
    return cur?.delivered && !cur.answered ? cur : null;
  }

  /** Whether `cur` is still the invocation in flight (not timed out or closed meanwhile). */
  isCurrent(cur: Answering): boolean {
    return this.current === cur;
  }

  /** Ends `cur` with the runtime's outcome. */
  settle(cur: Answering, outcome: RuntimeOutcome): void {
    cur.answered = true;
    this.lastAnswered = cur.inv.requestId;
    if (this.current === cur) {
      this.current = null;
      this.stateValue = 'idle';
    }
    this.listener.onOutcome(cur.inv.requestId, outcome);
  }

  /** Init failed, as the runtime reports; null when accepted. */
  initError(errorType: string, body: Buffer): Refusal | null {
    if (this.stateValue !== 'init') {
      return invalidTransition(this.stateValue, 'InitError', 'init has already completed');
    }
    this.stateValue = 'closed';
    this.listener.onInitError(errorType, body);
    return null;
  }

  /** Whether init may still fail (no /next yet). */
  get initialising(): boolean {
    return this.stateValue === 'init';
  }

  /** Log output the runtime sent on the channel itself (framed runtimes). */
  log(text: string): void {
    this.listener.onLogText?.(text);
  }
}

/** The outcome of a platform-detected runtime error. */
export function errorOutcome(errorType: string, errorMessage: string): RuntimeOutcome {
  return {
    kind: 'error',
    errorType,
    body: Buffer.from(JSON.stringify({ errorMessage, errorType })),
  };
}
