import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runNimbus, startNimbusServer } from '../helpers/cli-server.js';

const RUNTIME = `nodejs${process.versions.node.split('.')[0]}.x`;

describe('nimbus timer against a real server', () => {
  let dataDir: string;
  let work: string;
  let server: { child: ChildProcess; url: string };
  let env: Record<string, string>;
  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'nimbus-e2e-timer-'));
    work = mkdtempSync(path.join(tmpdir(), 'nimbus-e2e-timer-fn-'));
    mkdirSync(path.join(work, 'ticker'));
    writeFileSync(
      path.join(work, 'ticker/index.js'),
      `exports.handler = async (event) => { console.log('tick', event['detail-type'], JSON.stringify(event.detail)); return 1; };`,
    );
    server = await startNimbusServer(dataDir);
    env = { NIMBUS_ENDPOINT: server.url };
    const dep = await runNimbus(
      [
        'deploy',
        path.join(work, 'ticker'),
        '--name',
        'ticker',
        '--runtime',
        RUNTIME,
        '--handler',
        'index.handler',
      ],
      env,
    );
    assert.equal(dep.code, 0, dep.stderr);
  });
  after(async () => {
    const { child } = server;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.on('exit', r));
      child.kill('SIGTERM');
      // A server that does not stop must not hang the suite (the stop itself is tested in cli.test.ts).
      const stuck = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(stuck);
    }
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  test('timer add → ls → pause → resume → rm, with readable errors', async () => {
    const add = await runNimbus(
      [
        'timer',
        'add',
        'noon',
        '--fn',
        'ticker',
        '--schedule',
        'cron(0 12 ? * MON-FRI *)',
        '--timezone',
        'Europe/Paris',
        '--payload',
        '{"report":"daily"}',
        '--catch-up',
      ],
      env,
    );
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /^timer +noon$/m);
    assert.match(add.stdout, /^schedule +cron\(0 12 \? \* MON-FRI \*\) \(Europe\/Paris\)$/m);
    assert.match(add.stdout, /^next fire +\d{4}-\d\d-\d\d 1[01]:00:00 UTC$/m);
    assert.match(add.stdout, /^missed fires +caught up once$/m);

    const ls = await runNimbus(['timer', 'ls'], env);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /^NAME +FUNCTION +SCHEDULE +STATE +NEXT FIRE$/m);
    assert.match(
      ls.stdout,
      /^noon +ticker +cron\(0 12 \? \* MON-FRI \*\) Europe\/Paris +enabled +\d{4}/m,
    );

    const pause = await runNimbus(['timer', 'pause', 'noon'], env);
    assert.equal(pause.code, 0, pause.stderr);
    assert.equal(pause.stdout, 'paused noon: it will not fire until resumed\n');
    assert.match((await runNimbus(['timer', 'ls'], env)).stdout, /^noon +.* paused +-$/m);

    const resume = await runNimbus(['timer', 'resume', 'noon'], env);
    assert.equal(resume.code, 0, resume.stderr);
    assert.match(resume.stdout, /^resumed noon: next fire \d{4}-\d\d-\d\d 1[01]:00:00 UTC\n$/);

    const json = await runNimbus(['--json', 'timer', 'ls', '--fn', 'ticker'], env);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(
      JSON.parse(json.stdout).timers.map((t: { name: string; enabled: boolean }) => [
        t.name,
        t.enabled,
      ]),
      [['noon', true]],
    );

    const rm = await runNimbus(['timer', 'rm', 'noon'], env);
    assert.equal(rm.code, 0, rm.stderr);
    assert.equal(rm.stdout, 'deleted noon\n');
    assert.equal(
      (await runNimbus(['timer', 'ls'], env)).stdout,
      'no timers (add one with `nimbus timer add`)\n',
    );

    const again = await runNimbus(['timer', 'rm', 'noon'], env);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, 'error: NotFound: Timer not found: noon\n');

    const badSchedule = await runNimbus(
      ['timer', 'add', 'x', '--fn', 'ticker', '--schedule', 'rate(1 minutes)'],
      env,
    );
    assert.equal(badSchedule.code, 1);
    assert.equal(
      badSchedule.stderr,
      'error: BadRequest: invalid schedule "rate(1 minutes)": a rate of 1 takes the singular unit: rate(1 minute)\n',
    );
    const noFn = await runNimbus(
      ['timer', 'add', 'x', '--fn', 'nope:live', '--schedule', 'rate(1 hour)'],
      env,
    );
    assert.equal(noFn.code, 1);
    assert.match(noFn.stderr, /NotFound: Function not found: nope:live/);
    const noSchedule = await runNimbus(['timer', 'add', 'x', '--fn', 'ticker'], env);
    assert.equal(noSchedule.code, 1);
    assert.match(noSchedule.stderr, /required option '--schedule <expression>' not specified/);
  });

  test('a timer fires the function in real time; paused, it stops', async () => {
    const add = await runNimbus(
      [
        'timer',
        'add',
        'every-second',
        '--fn',
        'ticker',
        '--schedule',
        '* * * * * *',
        '--payload',
        '{"n":1}',
      ],
      env,
    );
    assert.equal(add.code, 0, add.stderr);
    const until = Date.now() + 15_000;
    let logs = '';
    while (!/tick Scheduled Event \{"n":1\}/.test(logs) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 250));
      logs = (await runNimbus(['logs', 'ticker'], env)).stdout;
    }
    assert.match(logs, /tick Scheduled Event \{"n":1\}/);
    assert.equal((await runNimbus(['timer', 'pause', 'every-second'], env)).code, 0);
    assert.equal((await runNimbus(['timer', 'rm', 'every-second'], env)).code, 0);
  });
});
