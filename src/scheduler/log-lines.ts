/** One line a runtime printed, with the time it was read. */
export interface LogLine {
  timestampMs: number;
  text: string;
}

/** Every marker starts so (docs/runtime-contract.md); one search per line finds any. */
const MARKER_PREFIX = '\u0000NIMBUS-';
/** Marker a Nimbus bootstrap writes after an invocation's handler finished. */
const END = 'END ';
/** Marker the sandbox's entry process writes when an extension or the runtime ended. */
const EXIT = 'EXIT ';
/** Marker a prewarmed runtime writes once it is loaded and waits for its assignment. */
const POOLED = 'POOLED';
/** Longest line kept; the rest of an overlong line is cut with a note. */
const MAX_LINE_CHARS = 256 * 1024;

/**
 * Splits a runtime's output into lines and spots end-of-invocation markers.
 * `onLine` gets every ordinary line, `onMarker` the request id of each marker.
 */
export class LineSplitter {
  private partial = '';

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly onMarker: (requestId: string) => void,
    /** Gets the text after `\0NIMBUS-EXIT ` (only instances with extensions have an entry process). */
    private readonly onExitMarker?: (text: string) => void,
    /** Told of `\0NIMBUS-POOLED` (prewarmed sandboxes only). */
    private readonly onPooled?: () => void,
  ) {}

  push(chunk: Buffer): void {
    let text = this.partial + chunk.toString('utf8');
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      this.emit(text.slice(start, nl));
      start = nl + 1;
    }
    text = text.slice(start);
    if (text.length > MAX_LINE_CHARS) {
      this.emit(`${text.slice(0, MAX_LINE_CHARS)} [line truncated]`);
      text = '';
    }
    this.partial = text;
  }

  /** Emits whatever is left without a trailing newline (on process exit). */
  flush(): void {
    if (this.partial) this.emit(this.partial);
    this.partial = '';
  }

  private emit(line: string): void {
    const m = line.indexOf(MARKER_PREFIX);
    if (m >= 0) {
      const rest = line.slice(m + MARKER_PREFIX.length);
      const end = rest.startsWith(END);
      if (this.onPooled && rest.startsWith(POOLED)) {
        this.onPooled();
        return;
      }
      if (end || (rest.startsWith(EXIT) && this.onExitMarker)) {
        const before = line.slice(0, m);
        if (before) this.onLine(before);
        if (end) this.onMarker(rest.slice(END.length).trim());
        else this.onExitMarker?.(rest.slice(EXIT.length));
        return;
      }
    }
    this.onLine(line);
  }
}
