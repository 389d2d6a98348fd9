import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { METRICS } from '../../src/metrics/definitions.js';
import { Metrics } from '../../src/metrics/metrics.js';
import { withReference } from '../../src/metrics/reference.js';
import { systemClock } from '../../src/shared/clock.js';
import { parseScrape } from '../helpers/prometheus.js';

test('docs/metrics.md: the reference is the one the definitions generate (node --import tsx scripts/metrics-docs.ts)', () => {
  const doc = readFileSync(new URL('../../docs/metrics.md', import.meta.url), 'utf8');
  assert.equal(doc, withReference(doc));
});

test('metrics: the registry exports every defined metric with its type and help', async () => {
  const store = {
    addMinutes: async () => undefined,
    minutes: async () => [],
    prune: async () => 0,
    asyncBacklog: async () => [],
  };
  const m = new Metrics({ clock: systemClock, store });
  try {
    const s = parseScrape((await m.scrape()).text);
    for (const d of Object.values(METRICS)) {
      const f = s.families.get(d.name);
      assert.ok(f, `${d.name} is not exported`);
      assert.equal(f.type, d.type.toUpperCase(), d.name);
      assert.equal(f.help, d.help, d.name);
    }
  } finally {
    await m.close();
  }
});

test('docs/grafana-dashboard.json queries only metrics Nimbus exports', () => {
  const dashboard = readFileSync(
    new URL('../../docs/grafana-dashboard.json', import.meta.url),
    'utf8',
  );
  const panels = (JSON.parse(dashboard) as { panels: { targets: { expr: string }[] }[] }).panels;
  const names = new Set<string>(Object.values(METRICS).map((d) => d.name));
  const used = panels.flatMap((p) =>
    p.targets.flatMap((t) => t.expr.match(/nimbus_[a-z_]+/g) ?? []),
  );
  assert.ok(used.length > 10);
  for (const n of used) {
    assert.ok(names.has(n.replace(/_(bucket|sum|count)$/, '')), `${n} is not a Nimbus metric`);
  }
});

test('metrics: histogram buckets are cumulative, with +Inf, _sum and _count', async () => {
  const store = {
    addMinutes: async () => undefined,
    minutes: async () => [],
    prune: async () => 0,
    asyncBacklog: async () => [],
  };
  const m = new Metrics({ clock: systemClock, store });
  try {
    const req = { fn: { name: 'f', version: '$LATEST', memoryMb: 256 } };
    for (const durationMs of [3, 2000, 2000000]) {
      m.invoked(req, {
        durationMs,
        billedDurationMs: durationMs,
        initDurationMs: null,
        errorType: null,
      });
    }
    const s = parseScrape((await m.scrape()).text);
    const l = { function: 'f', qualifier: '$LATEST' };
    const bucket = (le: string) =>
      s.value('nimbus_invocation_duration_seconds_bucket', { le, ...l });
    assert.equal(bucket('0.001'), 0);
    assert.equal(bucket('0.005'), 1);
    assert.equal(bucket('2.5'), 2);
    assert.equal(bucket('900'), 2);
    assert.equal(bucket('+Inf'), 3);
    assert.deepEqual(s.histogram('nimbus_invocation_duration_seconds', l), {
      count: 3,
      sum: 2002.003,
    });
    assert.equal(s.value('nimbus_billed_gb_seconds_total', l), (2002003 / 1000) * 0.25);
  } finally {
    await m.close();
  }
});
