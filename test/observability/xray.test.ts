import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TraceFlags } from '@opentelemetry/api';
import { spanContextOfXray, traceparentOf, xrayHeader } from '../../src/tracing/index.js';

const sc = {
  traceId: '5759e988bd862e3fe1be46a994272793',
  spanId: '53995c3f42cd8ad8',
  traceFlags: TraceFlags.SAMPLED,
};

test('xray: a span context and its X-Ray header convert both ways without loss', () => {
  const h = xrayHeader(sc);
  assert.equal(h, 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1');
  assert.deepEqual(spanContextOfXray(h), { ...sc, isRemote: true });
  assert.equal(traceparentOf(sc), '00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01');
  assert.equal(xrayHeader({ ...sc, traceFlags: TraceFlags.NONE }).slice(-9), 'Sampled=0');
});

test('xray: fields in any order, upper-case hex, extra fields and no Sampled are accepted', () => {
  const got = spanContextOfXray(
    'Parent=53995C3F42CD8AD8;Root=1-5759E988-BD862E3FE1BE46A994272793;Lineage=a:1',
  );
  assert.equal(got?.traceId, sc.traceId);
  assert.equal(got?.spanId, sc.spanId);
  assert.equal(got?.traceFlags, TraceFlags.SAMPLED);
  assert.equal(
    spanContextOfXray('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0')
      ?.traceFlags,
    TraceFlags.NONE,
  );
});

test('xray: headers without a usable Root and Parent name no parent', () => {
  for (const bad of [
    undefined,
    '',
    'Root=1-5759e988-bd862e3fe1be46a994272793',
    'Parent=53995c3f42cd8ad8',
    'Root=2-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8',
    'Root=1-5759e988-bd862e3f;Parent=53995c3f42cd8ad8',
    'Root=1-00000000-000000000000000000000000;Parent=53995c3f42cd8ad8',
    'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=0000000000000000',
    'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8zz',
  ]) {
    assert.equal(spanContextOfXray(bad), undefined, String(bad));
  }
});
