import { seg, send } from './client';
import type { LogLine } from './types';

/**
 * Follows `/nimbus/v1/functions/{name}/logs/stream` (server-sent events) over a
 * signed fetch (EventSource cannot sign), reconnecting after the last id seen.
 * Returns a function that stops it.
 */
export function followLogs(
  name: string,
  opts: { sinceMs: number; requestId?: string },
  onLines: (lines: LogLine[]) => void,
  onState: (state: 'live' | 'reconnecting', error?: string) => void,
): () => void {
  const stop = new AbortController();
  let after: number | undefined;
  const run = async () => {
    while (!stop.signal.aborted) {
      try {
        const res = await send(`/nimbus/v1/functions/${seg(name)}/logs/stream`, {
          query: {
            ...(after !== undefined ? { after } : { since: opts.sinceMs }),
            requestId: opts.requestId || undefined,
          },
          signal: stop.signal,
        });
        onState('live');
        const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          const blocks = buffer.split('\n\n');
          buffer = blocks.pop() ?? '';
          const lines: LogLine[] = [];
          for (const block of blocks) {
            const data = block
              .split('\n')
              .filter((l) => l.startsWith('data:'))
              .map((l) => l.slice(5).trimStart())
              .join('\n');
            if (!data) continue;
            const line = JSON.parse(data) as LogLine;
            after = line.id;
            lines.push(line);
          }
          if (lines.length) onLines(lines);
        }
      } catch (e) {
        if (stop.signal.aborted) return;
        onState('reconnecting', (e as Error).message);
      }
      if (!stop.signal.aborted) await new Promise((r) => setTimeout(r, 1000));
    }
  };
  void run();
  return () => stop.abort();
}
