import type { RuntimeOutcome } from '../runtime-api/index.js';
import type { Clock } from '../shared/clock.js';
import type { InvokeOutcome, InvokeResult, PlatformFailure } from './instance-types.js';
import type { LogLine } from './log-lines.js';

/** How long to wait for the end marker after the runtime answered. */
const MARKER_WAIT_MS = 1000;

interface Pending {
  requestId: string;
  startedMs: number;
  outcome: InvokeOutcome | null;
  markerSeen: boolean;
  timer: NodeJS.Timeout;
  markerTimer: NodeJS.Timeout | null;
  resolve(r: InvokeResult): void;
}

/** What the tracker needs of its instance. */
export interface InvocationHost {
  clock: Clock;
  /** The runtime writes the end-of-invocation marker (Nimbus's bootstraps). */
  writesMarker: boolean;
  /** Every extension finished with the INVOKE event. */
  extensionsIdle(): boolean;
  /** The lines read since the last take: the invocation's log. */
  takeLines(): LogLine[];
  peakBytes(): number;
  /** The invocation ended (its result is about to be delivered). */
  onComplete(): void;
}

/**
 * An instance's invocation in flight: the answer, the end-of-invocation marker and the
 * extensions must all be in before it ends (or a timeout, a crash or a failure ends it
 * at once).
 */
export class InvocationTracker {
  private pending: Pending | null = null;

  constructor(private readonly host: InvocationHost) {}

  /** The invocation in flight, if any. */
  get current(): { requestId: string; answered: boolean } | null {
    const p = this.pending;
    return p ? { requestId: p.requestId, answered: p.outcome !== null } : null;
  }

  /** Starts tracking `requestId`; `onTimeout` runs if it is still in flight after `timeoutMs`. */
  begin(requestId: string, timeoutMs: number, onTimeout: () => void): Promise<InvokeResult> {
    return new Promise<InvokeResult>((resolve) => {
      this.pending = {
        requestId,
        startedMs: this.host.clock.monotonicMs(),
        outcome: null,
        markerSeen: false,
        timer: setTimeout(onTimeout, timeoutMs),
        markerTimer: null,
        resolve,
      };
    });
  }

  /** The runtime answered (response or error). */
  answer(requestId: string, outcome: RuntimeOutcome): void {
    const p = this.pending;
    if (!p || p.requestId !== requestId || p.outcome) return;
    p.outcome = outcome;
    // A framed runtime's log came on the channel before its answer: nothing more to wait for.
    if ('logsComplete' in outcome && outcome.logsComplete) p.markerSeen = true;
    if (!this.host.writesMarker || p.markerSeen) {
      this.complete();
      return;
    }
    p.markerTimer = setTimeout(() => {
      p.markerSeen = true; // waited long enough: what has been read is the log
      this.complete();
    }, MARKER_WAIT_MS);
  }

  /** The runtime's end-of-invocation marker was read. */
  marker(requestId: string): void {
    const p = this.pending;
    if (!p || p.requestId !== requestId) return;
    p.markerSeen = true;
    if (p.outcome) this.complete();
  }

  /** Settles the invocation with a platform failure (timeout, exit) unless it was answered. */
  fail(failure: PlatformFailure): void {
    const p = this.pending;
    if (!p || p.outcome) return;
    p.outcome = failure;
    this.complete(true);
  }

  /** Sets the outcome of an unanswered invocation (an extension failed), then ends it. */
  failWith(failure: (requestId: string) => PlatformFailure): void {
    const p = this.pending;
    if (!p) return;
    if (!p.outcome) p.outcome = failure(p.requestId);
    this.complete(true);
  }

  /**
   * Ends the invocation once the runtime answered, its end marker was read and every
   * extension finished with the INVOKE event; `force`: right now.
   */
  complete(force = false): void {
    const p = this.pending;
    if (!p?.outcome) return;
    if (!force && ((this.host.writesMarker && !p.markerSeen) || !this.host.extensionsIdle())) {
      return;
    }
    this.pending = null;
    clearTimeout(p.timer);
    if (p.markerTimer) clearTimeout(p.markerTimer);
    const result: InvokeResult = {
      outcome: p.outcome,
      lines: this.host.takeLines(),
      durationMs: this.host.clock.monotonicMs() - p.startedMs,
      maxMemoryBytes: this.host.peakBytes(),
    };
    this.host.onComplete();
    p.resolve(result);
  }
}
