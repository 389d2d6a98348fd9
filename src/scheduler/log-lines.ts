/** One line a runtime printed, with the time it was read. */
export interface LogLine {
  timestampMs: number;
  text: string;
}

/** Marker a Nimbus bootstrap writes after an invocation's handler finished (docs/runtime-contract.md). */
const MARKER = '\u0000NIMBUS-END ';
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
    const m = line.indexOf(MARKER);
    if (m >= 0) {
      const before = line.slice(0, m);
      if (before) this.onLine(before);
      this.onMarker(line.slice(m + MARKER.length).trim());
      return;
    }
    this.onLine(line);
  }
}
