const BARS = '▁▂▃▄▅▆▇█';

/**
 * A one-line chart of `values`: `▁` for the lowest (or zero), `█` for the highest;
 * a null (no data in that period) is a space.
 * @example sparkline([0, 1, 4, null, 2]) // '▁▂█ ▃'
 */
export function sparkline(values: readonly (number | null)[]): string {
  const present = values.filter((v): v is number => v !== null);
  const max = Math.max(0, ...present);
  return values
    .map((v) => {
      if (v === null) return ' ';
      if (max === 0) return BARS[0];
      return BARS[Math.min(BARS.length - 1, Math.round((v / max) * (BARS.length - 1)))];
    })
    .join('');
}
