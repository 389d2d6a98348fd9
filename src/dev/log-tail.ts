/** One log line as the server's logs endpoint answers it. */
export interface TailEvent {
  timestamp: number;
  requestId?: string | null | undefined;
  message: string;
}

/** One page of a function's logs after `cursor`. */
export type FetchLogs = (
  fn: string,
  cursor: string | undefined,
  signal: AbortSignal,
) => Promise<{ events: TailEvent[]; nextCursor?: string | null | undefined }>;

// Bright, readable on dark and light terminals; red is kept for errors.
const PALETTE = [36, 35, 33, 32, 34, 96, 95, 93, 92, 94];

/** Whether to colour: a terminal, and NO_COLOR unset (https://no-color.org). */
export function useColour(
  stream: { isTTY?: boolean } = process.stdout,
  env = process.env,
): boolean {
  return stream.isTTY === true && !env.NO_COLOR;
}

/**
 * Formats log lines of many functions for one terminal: `name  reqid  text`,
 * the name padded and (with colour) in a colour of its own, the request id
 * shortened to 8 characters. Node's `time\treqid\tLEVEL\t` prefix is cut to
 * `LEVEL`, since the line already says which invocation it is.
 */
export class LogFormatter {
  private readonly colours = new Map<string, number>();
  private width = 0;

  constructor(
    names: readonly string[],
    private readonly colour: boolean,
  ) {
    for (const n of names) this.add(n);
  }

  add(name: string): void {
    if (!this.colours.has(name))
      this.colours.set(name, PALETTE[this.colours.size % PALETTE.length] ?? 36);
    this.width = Math.max(this.width, name.length);
  }

  /** `code` wraps `text` in an SGR colour when colour is on. */
  paint(code: number, text: string): string {
    return this.colour ? `\u001b[${code}m${text}\u001b[0m` : text;
  }

  format(fn: string, e: TailEvent): string[] {
    this.add(fn);
    const id = e.requestId ? e.requestId.slice(0, 8) : '-'.padEnd(8);
    const head = `${this.paint(this.colours.get(fn) ?? 36, fn.padEnd(this.width))}  ${this.paint(90, id)}`;
    const text = e.message.replace(/\r?\n$/, '');
    return text.split(/\r|\n/).map((line) => {
      const cut = e.requestId ? line.replace(/^\S+\t[0-9a-f-]{36}\t(\w+)\t/, '$1 ') : line;
      const shown = /^(ERROR|\[ERROR\])|Task timed out|Runtime\./.test(cut)
        ? this.paint(31, cut)
        : cut;
      return `${head}  ${shown}`;
    });
  }
}

/**
 * Polls every function's logs and prints new lines, oldest first, until
 * `stop()`. Starts after what is already there: only this session's lines.
 */
export class LogTail {
  private readonly cursors = new Map<string, string | undefined>();
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;

  constructor(
    private readonly fetchLogs: FetchLogs,
    private readonly formatter: LogFormatter,
    private readonly print: (line: string) => void,
    private readonly pollMs = 250,
  ) {}

  /** Starts following `names` (more can be added later). */
  async follow(names: readonly string[]): Promise<void> {
    for (const n of names) {
      if (this.cursors.has(n)) continue;
      this.formatter.add(n);
      // Skip what was logged before this session.
      this.cursors.set(n, await this.drain(n, undefined, false));
    }
    this.running ??= this.loop();
  }

  private async drain(fn: string, from: string | undefined, show: boolean) {
    let cursor = from;
    for (;;) {
      const page = await this.fetchLogs(fn, cursor, this.abort.signal);
      if (show)
        for (const e of page.events) for (const l of this.formatter.format(fn, e)) this.print(l);
      cursor = page.nextCursor ?? cursor;
      if (page.events.length === 0 || !page.nextCursor) return cursor;
    }
  }

  private async loop(): Promise<void> {
    while (!this.abort.signal.aborted) {
      for (const [fn, cursor] of this.cursors) {
        try {
          this.cursors.set(fn, await this.drain(fn, cursor, true));
        } catch {
          // A deleted function or a server restarting: try again on the next round.
        }
      }
      await new Promise((r) => setTimeout(r, this.pollMs));
    }
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }
}
