import type { Counter } from 'prom-client';

/** One counter series: a label set and a plain number the hot path adds to. */
export interface Cell {
  readonly labels: Record<string, string>;
  value: number;
}

/**
 * Counter series kept as plain numbers: the invocation path adds to a cell it
 * already holds (no label hashing), and the prom-client counter copies the cells
 * in when Prometheus scrapes (its `collect` callback).
 */
export class CellSet {
  private readonly cells: Cell[] = [];

  /** A new series (the caller keeps it; asking twice makes two). */
  cell(labels: Record<string, string>): Cell {
    const c = { labels, value: 0 };
    this.cells.push(c);
    return c;
  }

  /** Writes every cell into `counter` (from its `collect` callback). */
  copyInto(counter: Counter<string>): void {
    counter.reset();
    for (const c of this.cells) counter.inc(c.labels, c.value);
  }
}
