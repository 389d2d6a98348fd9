import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_CODES } from '../../src/shared/error-codes.js';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

/** Rows of the first table: | `Code` | status | kind | ... */
const rows = [...doc.matchAll(/^\| `([A-Za-z]+)` \| (\d{3}) \| (user|system) \|/gm)].map((m) => ({
  code: m[1]!,
  status: Number(m[2]),
  kind: m[3]!,
}));

test('errors: every catalogued code is documented with its status and kind', () => {
  for (const [code, spec] of Object.entries(ERROR_CODES)) {
    const row = rows.find((r) => r.code === code);
    assert.ok(row, `docs/errors.md does not document ${code}`);
    assert.equal(row.status, spec.status, `${code}: status in docs/errors.md`);
    assert.equal(row.kind, spec.kind, `${code}: kind in docs/errors.md`);
  }
});

test('errors: every documented code still exists in the catalogue', () => {
  assert.ok(rows.length > 0);
  for (const r of rows)
    assert.ok(r.code in ERROR_CODES, `docs/errors.md lists ${r.code}, which no longer exists`);
});
