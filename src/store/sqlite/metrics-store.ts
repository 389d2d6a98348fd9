import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { MetricMinutesTable } from '../metrics-schema.js';
import type { AsyncBacklog, MetricsStore, MinuteAggregate, MinuteQuery } from '../metrics-types.js';
import type { Database } from '../schema.js';

const PRUNE_CHUNK = 1000;

/** Per-minute aggregates in `metric_minutes`; each write merges into the stored minute. */
export class SqliteMetricsStore implements MetricsStore {
  private readonly addAll: (rows: MinuteAggregate[]) => void;

  constructor(
    private readonly db: Kysely<Database>,
    sqlite: BetterSqlite3.Database,
  ) {
    const find = sqlite.prepare(
      `select * from metric_minutes
       where function_name = ? and minute_ms = ? and qualifier = ? and version = ?`,
    );
    const upsert = sqlite.prepare(
      `insert or replace into metric_minutes (function_name, qualifier, version, minute_ms,
         invocations, errors, throttles, cold_starts, duration_ms_sum, gb_seconds, digest)
       values (@function_name, @qualifier, @version, @minute_ms, @invocations, @errors,
         @throttles, @cold_starts, @duration_ms_sum, @gb_seconds, @digest)`,
    );
    this.addAll = sqlite.transaction((rows: MinuteAggregate[]) => {
      for (const r of rows) {
        // Written only by this class.
        const old = find.get(r.functionName, r.minuteMs, r.qualifier, r.version) as
          | MetricMinutesTable
          | undefined;
        upsert.run(toRow(old ? merge(fromRow(old), r) : r));
      }
    });
  }

  async addMinutes(rows: MinuteAggregate[]): Promise<void> {
    if (rows.length === 0) return;
    // Holding Kysely's connection keeps this raw transaction from nesting inside one of Kysely's.
    await this.db.connection().execute(async () => this.addAll(rows));
  }

  async minutes(q: MinuteQuery): Promise<MinuteAggregate[]> {
    let query = this.db
      .selectFrom('metric_minutes')
      .selectAll()
      .where('minute_ms', '>=', q.fromMs)
      .where('minute_ms', '<', q.toMs);
    if (q.functionName) query = query.where('function_name', '=', q.functionName);
    if (q.qualifier) query = query.where('qualifier', '=', q.qualifier);
    const rows = await query.orderBy('minute_ms').orderBy('function_name').execute();
    return rows.map(fromRow);
  }

  async prune(olderThanMs: number): Promise<number> {
    let total = 0;
    for (;;) {
      const r = await this.db
        .deleteFrom('metric_minutes')
        .where(({ eb, selectFrom }) =>
          eb(
            'minute_ms',
            'in',
            selectFrom('metric_minutes')
              .select('minute_ms')
              .where('minute_ms', '<', olderThanMs)
              .limit(PRUNE_CHUNK),
          ),
        )
        .executeTakeFirst();
      const n = Number(r.numDeletedRows);
      total += n;
      if (n === 0) return total;
      // Let invocations in between: pruning never holds the write lock for long.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async asyncBacklog(): Promise<AsyncBacklog[]> {
    const rows = await this.db
      .selectFrom('async_events')
      .select((eb) => [
        'function_name',
        eb.fn.countAll<number>().as('n'),
        eb.fn.min('enqueued_at_ms').as('oldest'),
      ])
      .groupBy('function_name')
      .execute();
    return rows.map((r) => ({
      functionName: r.function_name,
      count: Number(r.n),
      oldestEnqueuedAtMs: Number(r.oldest),
    }));
  }
}

function merge(a: MinuteAggregate, b: MinuteAggregate): MinuteAggregate {
  const digest = { ...a.digest };
  for (const [k, n] of Object.entries(b.digest)) digest[k] = (digest[k] ?? 0) + n;
  return {
    ...a,
    invocations: a.invocations + b.invocations,
    errors: a.errors + b.errors,
    throttles: a.throttles + b.throttles,
    coldStarts: a.coldStarts + b.coldStarts,
    durationMsSum: a.durationMsSum + b.durationMsSum,
    gbSeconds: a.gbSeconds + b.gbSeconds,
    digest,
  };
}

function toRow(r: MinuteAggregate): MetricMinutesTable {
  return {
    function_name: r.functionName,
    qualifier: r.qualifier,
    version: r.version,
    minute_ms: r.minuteMs,
    invocations: r.invocations,
    errors: r.errors,
    throttles: r.throttles,
    cold_starts: r.coldStarts,
    duration_ms_sum: r.durationMsSum,
    gb_seconds: r.gbSeconds,
    digest: JSON.stringify(r.digest),
  };
}

function fromRow(r: MetricMinutesTable): MinuteAggregate {
  return {
    functionName: r.function_name,
    qualifier: r.qualifier,
    version: r.version,
    minuteMs: Number(r.minute_ms),
    invocations: Number(r.invocations),
    errors: Number(r.errors),
    throttles: Number(r.throttles),
    coldStarts: Number(r.cold_starts),
    durationMsSum: Number(r.duration_ms_sum),
    gbSeconds: Number(r.gb_seconds),
    // Written only by toRow().
    digest: JSON.parse(r.digest) as Record<string, number>,
  };
}
