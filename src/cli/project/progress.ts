/**
 * A one-line progress bar on a terminal (`[#####.....] 2/4 packaging api`),
 * redrawn in place; off a terminal it draws nothing, so logs and pipes get
 * only the plain lines `done` prints.
 */
export class Progress {
  private drawn = false;

  constructor(
    private readonly stream: { isTTY?: boolean; write(text: string): unknown } = process.stderr,
    private readonly width = 20,
  ) {}

  /** Shows step `i` of `n` (1-based) with what is happening. */
  step(i: number, n: number, label: string): void {
    if (this.stream.isTTY !== true) return;
    const filled = Math.round(((i - 1) / Math.max(n, 1)) * this.width);
    const bar = `${'#'.repeat(filled)}${'.'.repeat(this.width - filled)}`;
    this.stream.write(`\r\u001b[2K[${bar}] ${i}/${n} ${label}`);
    this.drawn = true;
  }

  /** Clears the bar (if drawn) and prints a finished line. */
  done(line: string): void {
    this.clear();
    this.stream.write(`${line}\n`);
  }

  clear(): void {
    if (this.drawn) this.stream.write('\r\u001b[2K');
    this.drawn = false;
  }
}
