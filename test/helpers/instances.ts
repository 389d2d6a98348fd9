import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RuntimeApiServer, type RuntimeInvocation } from '../../src/runtime-api/index.js';
import { detectIsolation, type IsolationInfo } from '../../src/sandbox/index.js';
import { Instance, type LogLine } from '../../src/scheduler/index.js';
import { systemClock } from '../../src/shared/clock.js';
import { randomIds } from '../../src/shared/ids.js';

export const FAKE_RUNTIMES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../fixtures/fake-runtimes',
);

/** A Runtime API server, an isolation and a run dir shared by the instances of one test file. */
export class InstanceLab {
  readonly rapi = new RuntimeApiServer();
  readonly runDir = mkdtempSync(path.join(tmpdir(), 'nimbus-lab-'));
  readonly stray: LogLine[] = [];
  readonly dead: Instance[] = [];
  private readonly made: Instance[] = [];

  constructor(readonly isolation: IsolationInfo) {}

  static create(mode: 'bwrap' | 'none'): InstanceLab {
    return new InstanceLab(detectIsolation(mode));
  }

  /** An instance whose runtime is `fixture` from test/fixtures/fake-runtimes. */
  instance(
    fixture: string,
    opts: {
      memoryMb?: number;
      initTimeoutMs?: number;
      env?: Record<string, string>;
      /** Host folder mounted at /opt (e.g. one with `extensions/`). */
      optDir?: string;
    } = {},
  ): Instance {
    const inst = new Instance(
      {
        id: randomIds.hex(6),
        poolKey: 'fake:$LATEST:1',
        functionName: 'fake',
        memoryMb: opts.memoryMb ?? 128,
        codeDir: FAKE_RUNTIMES,
        runtimeDir: FAKE_RUNTIMES,
        optDir: opts.optDir ?? null,
        initTimeoutMs: opts.initTimeoutMs ?? 10_000,
        writesMarker: true,
        plan: (paths) => ({
          argv: [process.execPath, `${paths.taskRoot}/${fixture}`],
          env: { NIMBUS_RUNTIME_SOCKET: paths.socketPath, PATH: '/usr/bin:/bin', ...opts.env },
        }),
      },
      {
        isolation: this.isolation,
        rapi: this.rapi,
        runDir: this.runDir,
        tmpSizeMb: 8,
        clock: systemClock,
        onDeath: (i) => this.dead.push(i),
        onStrayLines: (_i, lines) => this.stray.push(...lines),
      },
    );
    this.made.push(inst);
    return inst;
  }

  /** Waits until the instance has died (bounded). */
  async waitDead(inst: Instance, maxMs = 5000): Promise<void> {
    const until = Date.now() + maxMs;
    while (!this.dead.includes(inst) && Date.now() < until)
      await new Promise((r) => setTimeout(r, 10));
    if (!this.dead.includes(inst))
      throw new Error(`instance ${inst.id} did not die within ${maxMs} ms`);
  }

  async close(): Promise<void> {
    for (const i of this.made) i.kill();
    await Promise.all(this.made.map((i) => this.waitDead(i).catch(() => undefined)));
    this.rapi.close();
    this.isolation.cgroup?.dispose();
    rmSync(this.runDir, { recursive: true, force: true });
  }
}

let seq = 0;
export function invocation(
  payload: unknown,
  extra: Partial<RuntimeInvocation> = {},
): RuntimeInvocation {
  seq++;
  return {
    requestId: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    payload: Buffer.from(JSON.stringify(payload)),
    deadlineMs: Date.now() + 3000,
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fake',
    traceId: 'Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0',
    ...extra,
  };
}
