import path from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import { BuildError, type BuildTarget, prepareCode, SKIPPED_DIRS } from './build.js';

/** One function the dev loop keeps up to date. */
export interface DevFunction extends BuildTarget {
  name: string;
}

/** What the reloader needs from its owner. */
export interface ReloaderDeps {
  /** Where build folders go: one per TypeScript function, `<buildRoot>/<name>`. */
  buildRoot: string;
  /** Paths in messages are relative to this. */
  cwd: string;
  /** Packages `codePath` and updates the function's code; false when the code was unchanged. */
  update(name: string, codePath: string): Promise<boolean>;
  /** Told when the manifest file itself changed. */
  onManifestChange?(): void;
  manifestFile?: string;
  log(line: string): void;
  /** Quiet time after the last change before rebuilding (editors write in bursts). */
  debounceMs?: number;
}

/** True when `file` is inside the function's code folder (or is its zip). */
function belongsTo(f: DevFunction, file: string): boolean {
  return file === f.codePath || file.startsWith(f.codePath + path.sep);
}

/**
 * Watches the code folders of a project's functions and, after a quiet
 * moment, rebuilds and updates only the functions whose files changed.
 * A build or syntax error is printed as one line and the function keeps its
 * old code (its changed files stay pending, so the next save retries them).
 * Reloads run one at a time, in the order the changes came.
 */
export class Reloader {
  private functions: DevFunction[] = [];
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly changed = new Set<string>();
  /** Files changed since each function's last successful reload. */
  private readonly pending = new Map<string, Set<string>>();
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly deps: ReloaderDeps) {}

  /** The build folder of a function (for the first deploy, too). */
  buildDir(name: string): string {
    return path.join(this.deps.buildRoot, name);
  }

  /** Builds one function (TypeScript compiled, changed JS checked): the folder to package. */
  async prepare(f: DevFunction, files: readonly string[] = []): Promise<string> {
    return (await prepareCode(f, this.buildDir(f.name), files, this.deps.cwd)).codePath;
  }

  /** Starts watching (or, called again, switches to a new set of functions). */
  async watch(functions: readonly DevFunction[]): Promise<void> {
    this.functions = [...functions];
    const paths = [...new Set(this.functions.map((f) => f.codePath))];
    if (this.deps.manifestFile) paths.push(this.deps.manifestFile);
    await this.watcher?.close();
    const buildRoot = this.deps.buildRoot;
    const watcher = watch(paths, {
      ignoreInitial: true,
      ignored: (p: string) =>
        p.startsWith(buildRoot) || p.split(path.sep).some((part) => SKIPPED_DIRS.has(part)),
    });
    watcher.on('all', (_event, file) => this.touch(path.resolve(file)));
    this.watcher = watcher;
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  }

  private touch(file: string): void {
    this.changed.add(file);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), this.deps.debounceMs ?? 40);
  }

  private flush(): void {
    const files = [...this.changed];
    this.changed.clear();
    this.chain = this.chain.then(() => this.reload(files));
  }

  private async reload(files: readonly string[]): Promise<void> {
    if (this.deps.manifestFile && files.includes(path.resolve(this.deps.manifestFile))) {
      this.deps.onManifestChange?.();
      return;
    }
    for (const f of this.functions) {
      const mine = files.filter((file) => belongsTo(f, file));
      if (mine.length === 0) continue;
      const pending = this.pending.get(f.name) ?? new Set<string>();
      for (const m of mine) pending.add(m);
      this.pending.set(f.name, pending);
      const started = Date.now();
      try {
        const codePath = await this.prepare(f, [...pending]);
        const updated = await this.deps.update(f.name, codePath);
        this.pending.delete(f.name);
        if (updated) this.deps.log(`reloaded ${f.name} in ${Date.now() - started} ms`);
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        this.deps.log(
          e instanceof BuildError
            ? `error: ${why} (${f.name} keeps its old code)`
            : `error: ${f.name} not reloaded: ${why}`,
        );
      }
    }
  }

  /** Waits for reloads under way (tests, shutdown). */
  async idle(): Promise<void> {
    await this.chain;
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    await this.watcher?.close();
    await this.chain;
  }
}
