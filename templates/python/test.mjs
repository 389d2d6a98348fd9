// Checks the deployed project: `node test.mjs` (after `nimbus dev` or `nimbus deploy --yes`).
import assert from 'node:assert/strict';

const http = process.env.NIMBUS_HTTP_URL ?? 'http://127.0.0.1:8080';
const res = await fetch(`${http}/hello?name=nimbus`);
assert.equal(res.status, 200, await res.clone().text());
assert.deepEqual(await res.json(), { message: 'hello, nimbus' });
console.log('ok: GET /hello answered {"message":"hello, nimbus"}');
