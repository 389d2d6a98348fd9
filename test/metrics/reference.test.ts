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
