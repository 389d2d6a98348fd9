import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { SQS_ERRORS } from '../../src/queues/index.js';

const doc = readFileSync(new URL('../../docs/sqs.md', import.meta.url), 'utf8');

/** Rows of the errors table: | `Code` | `query code` | status | when | */
const rows = [...doc.matchAll(/^\| `([A-Za-z]+)` \| `([A-Za-z.]+)` \| (\d{3}) \|/gm)].map((m) => ({
  code: m[1]!,
  queryCode: m[2]!,
  status: Number(m[3]),
}));

test('sqs docs: every SQS error code is documented with its query code and status', () => {
  for (const [code, spec] of Object.entries(SQS_ERRORS)) {
    const row = rows.find((r) => r.code === code);
    assert.ok(row, `docs/sqs.md does not document ${code}`);
    assert.equal(row.queryCode, spec.queryCode, `${code}: query code in docs/sqs.md`);
    assert.equal(row.status, spec.status, `${code}: status in docs/sqs.md`);
  }
  for (const r of rows)
    assert.ok(r.code in SQS_ERRORS, `docs/sqs.md lists ${r.code}, which no longer exists`);
});
