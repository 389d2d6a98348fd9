import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parseDeployFlags } from '../../src/cli/commands/deploy.js';
import { readPayload } from '../../src/cli/commands/invoke.js';
import { formatLogEvent } from '../../src/cli/commands/logs.js';
import { serverConfigFromFlags } from '../../src/cli/commands/server.js';
import { parseDurationMs, parseSince } from '../../src/cli/duration.js';
import { CliError } from '../../src/cli/errors.js';
import { formatBytes, formatLambdaTime, formatTable } from '../../src/cli/output.js';
import { entryPoint, envPairs, functionName, intInRange } from '../../src/cli/validate.js';
import { runCli } from './cli-harness.js';

const NOW = Date.parse('2024-05-01T12:00:00.000Z');

describe('cli durations', () => {
  test('parseDurationMs: reads each unit', () => {
    assert.equal(parseDurationMs('250ms'), 250);
    assert.equal(parseDurationMs('30s'), 30_000);
    assert.equal(parseDurationMs('10m'), 600_000);
    assert.equal(parseDurationMs('1h'), 3_600_000);
    assert.equal(parseDurationMs('2d'), 172_800_000);
    assert.equal(parseDurationMs('1.5h'), 5_400_000);
  });

  test('parseDurationMs: rejects text without a known unit', () => {
    for (const bad of ['', '10', 'm', '10y', '-5m', '1 h', 'abc']) {
      assert.throws(() => parseDurationMs(bad), CliError, bad);
    }
  });

  test('parseSince: a duration counts back from now', () => {
    assert.equal(parseSince('10m', NOW), NOW - 600_000);
    assert.equal(parseSince('2d', NOW), NOW - 2 * 86_400_000);
  });

  test('parseSince: an ISO date is taken as is', () => {
    assert.equal(parseSince('2024-04-30T10:00:00Z', NOW), Date.parse('2024-04-30T10:00:00Z'));
    assert.equal(parseSince('2024-04-30', NOW), Date.parse('2024-04-30'));
  });

  test('parseSince: anything else is a readable error', () => {
    assert.throws(() => parseSince('yesterday', NOW), /invalid --since "yesterday"/);
    assert.throws(() => parseSince('2024-13-45', NOW), /invalid --since/);
  });
});

describe('cli flag validation', () => {
  test('functionName: accepts Lambda names, rejects others', () => {
    assert.equal(functionName('hello-world_2'), 'hello-world_2');
    assert.throws(() => functionName(''), /invalid function name/);
    assert.throws(() => functionName('a b'), /invalid function name/);
    assert.throws(() => functionName('x'.repeat(65)), /invalid function name/);
    assert.throws(() => functionName('a:b'), /invalid function name/);
  });

  test('intInRange: bounds are inclusive, non-numbers rejected', () => {
    assert.equal(intInRange('--memory', '128', 128, 10240, 'MB'), 128);
    assert.equal(intInRange('--memory', '10240', 128, 10240, 'MB'), 10240);
    assert.throws(
      () => intInRange('--memory', '127', 128, 10240, 'MB'),
      /--memory must be a whole number from 128 to 10240 MB \(got "127"\)/,
    );
    for (const bad of ['10241', '256.5', 'lots', '', '-1', '1e3']) {
      assert.throws(() => intInRange('--memory', bad, 128, 10240, 'MB'), CliError, bad);
    }
  });

  test('envPairs: KEY=VALUE, value may hold = or be empty, last key wins', () => {
    assert.deepEqual(envPairs(['A=1', 'B=x=y', 'C=', 'A=2']), { A: '2', B: 'x=y', C: '' });
    assert.throws(() => envPairs(['NOEQUALS']), /invalid --env "NOEQUALS"/);
    assert.throws(() => envPairs(['1A=x']), /invalid --env/);
    assert.throws(() => envPairs(['=x']), /invalid --env/);
  });

  test('entryPoint: needs file.export', () => {
    assert.equal(entryPoint('--initializer', 'index.init'), 'index.init');
    assert.throws(
      () => entryPoint('--initializer', 'index'),
      /--initializer must look like file.export/,
    );
    assert.throws(() => entryPoint('--initializer', 'a b.c'), /file.export/);
  });

  test('parseDeployFlags: converts to the native body with units in names', () => {
    const settings = parseDeployFlags({
      name: 'hello',
      runtime: 'nodejs22.x',
      handler: 'app.main',
      memory: '256',
      timeout: '30',
      env: ['A=1'],
      description: 'greets',
      initializer: 'app.init',
      initializationTimeout: '5',
      flavour: 'fc',
    });
    assert.deepEqual(settings, {
      runtime: 'nodejs22.x',
      handler: 'app.main',
      memoryMb: 256,
      timeoutS: 30,
      env: { A: '1' },
      description: 'greets',
      initializer: 'app.init',
      initializationTimeoutS: 5,
      flavour: 'fc',
    });
  });

  test('parseDeployFlags: omitted flags stay out of the body', () => {
    assert.deepEqual(parseDeployFlags({ name: 'hello' }), {});
  });

  test('parseDeployFlags: each bad flag is named in the message', () => {
    assert.throws(() => parseDeployFlags({ name: 'bad name' }), /invalid function name/);
    assert.throws(() => parseDeployFlags({ name: 'f', timeout: '901' }), /--timeout .* 1 to 900 s/);
    assert.throws(() => parseDeployFlags({ name: 'f', memory: '64' }), /--memory/);
    assert.throws(() => parseDeployFlags({ name: 'f', env: ['x'] }), /--env/);
    assert.throws(() => parseDeployFlags({ name: 'f', handler: 'a b' }), /--handler/);
    assert.throws(
      () => parseDeployFlags({ name: 'f', initializationTimeout: '0' }),
      /--initialization-timeout/,
    );
  });

  test('serverConfigFromFlags: flags override env; errors name the flag', () => {
    const cfg = serverConfigFromFlags({ port: '9100', httpPort: '9101' }, { NIMBUS_PORT: '1' });
    assert.equal(cfg.port, 9100);
    assert.equal(cfg.httpPort, 9101);
    assert.equal(serverConfigFromFlags({}, { NIMBUS_PORT: '9200' }).port, 9200);
    assert.throws(
      () => serverConfigFromFlags({ httpPort: '70000' }, {}),
      /^CliError: --http-port must/,
    );
    assert.throws(() => serverConfigFromFlags({ isolation: 'vm' }, {}), /isolation must be/);
  });
});

describe('cli invoke payload', () => {
  test('readPayload: --data must be JSON, is sent byte for byte', async () => {
    assert.equal((await readPayload({ data: '{"a": 1}' }))?.toString(), '{"a": 1}');
    await assert.rejects(readPayload({ data: '{a' }), /--data is not valid JSON/);
    await assert.rejects(readPayload({ data: '{}', path: 'x.json' }), /either --data or --path/);
    assert.equal(await readPayload({}), undefined);
  });

  test('readPayload: --path reads the file and checks it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'nimbus-cli-'));
    try {
      const good = path.join(dir, 'event.json');
      const bad = path.join(dir, 'bad.json');
      await writeFile(good, '{"k":"v"}');
      await writeFile(bad, 'not json');
      assert.equal((await readPayload({ path: good }))?.toString(), '{"k":"v"}');
      await assert.rejects(readPayload({ path: bad }), /bad\.json is not valid JSON/);
      await assert.rejects(readPayload({ path: path.join(dir, 'nope.json') }), /no such file/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('cli output helpers', () => {
  test('formatLogEvent: ISO time, \\r back to newlines, trailing newline dropped', () => {
    const line = formatLogEvent({ timestamp: NOW, message: 'Error: boom\r    at x\n' });
    assert.equal(line, '2024-05-01T12:00:00.000Z Error: boom\n    at x');
  });

  test('formatTable: aligns columns', () => {
    assert.equal(
      formatTable(
        ['NAME', 'RUNTIME'],
        [
          ['a-long-name', 'x'],
          ['b', 'python3.12'],
        ],
      ),
      'NAME         RUNTIME\na-long-name  x\nb            python3.12',
    );
  });

  test('formatBytes and formatLambdaTime', () => {
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1536), '1.5 KB');
    assert.equal(formatBytes(5 * 1024 * 1024), '5 MB');
    assert.equal(formatLambdaTime('2024-01-01T10:20:30.000+0000'), '2024-01-01 10:20:30 UTC');
    assert.equal(formatLambdaTime('odd'), 'odd');
    assert.equal(formatLambdaTime(undefined), '-');
  });
});

describe('cli bad flags (child process)', () => {
  const cases: [string, string[], RegExp][] = [
    ['unknown option', ['ls', '--bogus'], /^error: unknown option '--bogus'/],
    ['missing --name', ['deploy', '.'], /required option '--name <name>' not specified/],
    ['memory out of range', ['deploy', '.', '--name', 'f', '--memory', '64'], /^error: --memory/],
    ['bad env', ['deploy', '.', '--name', 'f', '--env', 'oops'], /^error: invalid --env "oops"/],
    [
      'bad flavour',
      ['deploy', '.', '--name', 'f', '--flavour', 'x'],
      /Allowed choices are lambda, fc/,
    ],
    ['invalid --data', ['invoke', 'f', '--data', '{nope'], /^error: --data is not valid JSON/],
    ['bad --since', ['logs', 'f', '--since', 'soon'], /^error: invalid --since "soon"/],
    ['bad --isolation', ['server', '--isolation', 'vm'], /Allowed choices are auto, bwrap, none/],
    ['bad --port', ['server', '--port', 'x'], /^error: --port must be a whole number/],
    ['bad --endpoint', ['--endpoint', 'nope', 'ls'], /^error: --endpoint must be an http\(s\) URL/],
  ];
  for (const [what, args, expected] of cases) {
    test(`cli: ${what} exits 1 with a readable message and no stack`, async () => {
      const run = await runCli(args, { endpoint: 'http://127.0.0.1:1' });
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, expected);
      assert.doesNotMatch(run.stderr, /\n\s+at /);
      assert.equal(run.stdout, '');
    });
  }

  test('cli: deploy of a path that does not exist says so', async () => {
    const run = await runCli(['deploy', '/nonexistent/fn', '--name', 'f']);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, 'error: /nonexistent/fn: no such file or folder\n');
  });
});
