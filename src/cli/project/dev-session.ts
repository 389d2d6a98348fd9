import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type DevFunction, LogFormatter, LogTail, Reloader, useColour } from '../../dev/index.js';
import { FUNCTION_DEFAULTS, type Manifest, packageCode } from '../../manifest/index.js';
import { DeployAnswer, LogsAnswer } from '../answers.js';
import type { CliContext } from '../context.js';
import { err, out } from '../output.js';
import { applyPlan, type ProjectSource, packageAll, planProject } from './deploy-project.js';
import { findProject } from './find-manifest.js';

/** The functions of a manifest as the dev loop builds them (absolute code paths). */
export function devFunctions(src: ProjectSource): DevFunction[] {
  return Object.entries(src.manifest.functions).map(([name, f]) => ({
    name,
    codePath: path.resolve(src.baseDir, f.code),
    runtime: f.runtime ?? FUNCTION_DEFAULTS.runtime,
    handler: f.handler ?? FUNCTION_DEFAULTS.handler,
  }));
}

/**
 * `nimbus dev` once a server is there: deploys the manifest (TypeScript
 * compiled first), then reloads changed functions, re-plans when the
 * manifest changes, and prints every function's logs until `stop()`.
 */
export class DevSession {
  private src!: ProjectSource;
  private readonly shas = new Map<string, string>();
  private reloader!: Reloader;
  private tail!: LogTail;
  private buildRoot = '';

  constructor(
    private readonly ctx: CliContext,
    private readonly file: string | undefined,
  ) {}

  async start(): Promise<void> {
    this.src = await findProject(this.file);
    this.buildRoot = await mkdtemp(path.join(tmpdir(), 'nimbus-dev-build-'));
    this.reloader = new Reloader({
      buildRoot: this.buildRoot,
      cwd: process.cwd(),
      manifestFile: path.resolve(this.src.file),
      update: (name, codePath) => this.update(name, codePath),
      onManifestChange: () => void this.redeploy(),
      log: err,
    });
    const names = Object.keys(this.src.manifest.functions);
    this.tail = new LogTail(
      (fn, cursor, signal) => this.logs(fn, cursor, signal),
      new LogFormatter(names, useColour()),
      out,
    );
    await this.deploy();
    await this.reloader.watch(devFunctions(this.src));
    await this.tail.follow(names);
    err(`watching ${names.length} function${names.length === 1 ? '' : 's'}: ${names.join(', ')}`);
  }

  /** Plans and applies the whole manifest (the deploy planner, --yes implied). */
  private async deploy(): Promise<void> {
    const functions: Manifest['functions'] = {};
    for (const f of devFunctions(this.src)) {
      const spec = this.src.manifest.functions[f.name];
      const codePath = await this.reloader.prepare(f);
      // A compiled function is packaged from its build folder; the others as written.
      if (spec) functions[f.name] = codePath === f.codePath ? spec : { ...spec, code: codePath };
    }
    const built: ProjectSource = { ...this.src, manifest: { ...this.src.manifest, functions } };
    const code = await packageAll(built);
    for (const [name, c] of code) this.shas.set(name, c.sha256);
    const plan = await planProject(this.ctx, built, code, false);
    const n = await applyPlan(this.ctx, built, code, plan);
    err(`deployed ${this.src.manifest.project}: ${n} change${n === 1 ? '' : 's'} applied`);
  }

  /** The manifest changed: load it again, deploy it, watch its functions. */
  private async redeploy(): Promise<void> {
    try {
      this.src = await findProject(this.file);
      await this.deploy();
      await this.reloader.watch(devFunctions(this.src));
      await this.tail.follow(Object.keys(this.src.manifest.functions));
    } catch (e) {
      err(
        `error: ${e instanceof Error ? e.message : String(e)} (the last good deploy keeps serving)`,
      );
    }
  }

  /** Uploads a function's new code (UpdateFunctionCode: the server retires its old instances). */
  private async update(name: string, codePath: string): Promise<boolean> {
    const p = await packageCode(this.src.baseDir, codePath);
    if (this.shas.get(name) === p.sha256) return false;
    await this.ctx.client.json(`/nimbus/v1/functions/${encodeURIComponent(name)}`, DeployAnswer, {
      method: 'PUT',
      json: { zipFile: p.zip.toString('base64') },
    });
    this.shas.set(name, p.sha256);
    return true;
  }

  private async logs(fn: string, cursor: string | undefined, signal: AbortSignal) {
    const { value } = await this.ctx.client.json(
      `/nimbus/v1/functions/${encodeURIComponent(fn)}/logs`,
      LogsAnswer,
      { query: { after: cursor, limit: 1000 }, signal },
    );
    return value;
  }

  /** Stops watching and tailing; removes the build folder. */
  async stop(): Promise<void> {
    await this.reloader?.close();
    await this.tail?.stop();
    if (this.buildRoot) await rm(this.buildRoot, { recursive: true, force: true });
  }
}
