import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serverConfigFromFlags } from '../../src/cli/commands/server.js';
import { isLoopbackHost, resolveConfig } from '../../src/shared/config.js';

test('auth config: off by default on loopback hosts, on elsewhere', () => {
  assert.equal(resolveConfig({}, {}).auth, false);
  assert.equal(resolveConfig({ host: '::1' }, {}).auth, false);
  assert.equal(resolveConfig({ host: 'localhost' }, {}).auth, false);
  assert.equal(resolveConfig({ host: '0.0.0.0' }, {}).auth, true);
  assert.equal(resolveConfig({ host: '10.1.2.3' }, {}).auth, true);
  assert.equal(resolveConfig({}, { NIMBUS_HOST: '::' }).auth, true);
});

test('auth config: --auth / NIMBUS_AUTH=1 turns it on for loopback too', () => {
  assert.equal(resolveConfig({ auth: true }, {}).auth, true);
  assert.equal(resolveConfig({}, { NIMBUS_AUTH: '1' }).auth, true);
  assert.equal(resolveConfig({ auth: false }, { NIMBUS_AUTH: '1' }).auth, false, 'flags win');
  assert.throws(() => resolveConfig({}, { NIMBUS_AUTH: 'maybe' }), /auth must be 1 or 0/);
});

test('auth config: auth off on a non-loopback host is refused with a clear message', () => {
  assert.throws(
    () => resolveConfig({ host: '0.0.0.0' }, { NIMBUS_AUTH: '0' }),
    /refusing to serve on 0\.0\.0\.0 with auth off: anyone who can reach it could run code/,
  );
  assert.throws(
    () => serverConfigFromFlags({ host: '0.0.0.0', auth: false }, {}),
    (e: Error) => e.name === 'CliError' && /Drop --no-auth/.test(e.message),
  );
});

test('auth config: which hosts count as loopback', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) {
    assert.ok(isLoopbackHost(h), h);
  }
  for (const h of ['0.0.0.0', '::', '192.168.1.1', '128.0.0.1', 'example.com']) {
    assert.ok(!isLoopbackHost(h), h);
  }
});
