import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import { type LogEvent, LogsAnswer } from '../answers.js';
import { type CliContext, contextFrom } from '../context.js';
import { parseSince } from '../duration.js';
import { out } from '../output.js';
import { functionName } from '../validate.js';

const PAGE_SIZE = 1000;
const POLL_MS = 500;

interface LogsFlags {
  since?: string;
  follow?: boolean;
  requestId?: string;
}

/** `2024-05-01T10:00:00.000Z message`, with `\r` inside the message turned back into newlines. */
export function formatLogEvent(event: LogEvent): string {
  const message = event.message.replace(/\r?\n$/, '').replace(/\r/g, '\n');
  return `${new Date(event.timestamp).toISOString()} ${message}`;
}

async function logs(name: string, flags: LogsFlags, ctx: CliContext): Promise<void> {
  functionName(name);
  const since = flags.since === undefined ? undefined : parseSince(flags.since, Date.now());
  const stop = new AbortController();
  const onSigint = () => stop.abort();
  // Ctrl-C is how --follow ends: stop quietly, exit 0.
  if (flags.follow) process.once('SIGINT', onSigint);
  let cursor: string | undefined;
  try {
    for (;;) {
      const { value } = await ctx.client.json(
        `/nimbus/v1/functions/${encodeURIComponent(name)}/logs`,
        LogsAnswer,
        {
          query: { since, after: cursor, limit: PAGE_SIZE, requestId: flags.requestId },
          signal: stop.signal,
        },
      );
      for (const event of value.events) {
        out(ctx.json ? JSON.stringify(event) : formatLogEvent(event));
      }
      cursor = value.nextCursor ?? cursor;
      // Page until an empty answer: the server may cap `limit` below what was asked.
      if (value.events.length > 0 && value.nextCursor) continue;
      if (!flags.follow) return;
      await sleep(POLL_MS, undefined, { signal: stop.signal });
    }
  } catch (e) {
    if (stop.signal.aborted) return;
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** `nimbus logs NAME [--since 10m] [--follow] [--request-id ID]` */
export function logsCommand(): Command {
  return new Command('logs')
    .description('print a function’s logs, oldest first (--json: one JSON event per line)')
    .argument('<name>', 'function name')
    .option('--since <when>', 'only newer lines: 30s, 10m, 1h, 2d or an ISO date')
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .option('--request-id <id>', 'only lines of this invocation')
    .action(async (name: string, flags: LogsFlags, cmd: Command) => {
      await logs(name, flags, contextFrom(cmd));
    });
}
