import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { run } from './run.js';

/** One published version of a package, as the registry describes it. */
export interface PackageVersion {
  name: string;
  version: string;
  /** Subresource-integrity string of the tarball (`sha512-<base64>`). */
  integrity: string;
  tarball: string;
}

/** Where Node.js packages come from; tests give a fake. */
export interface PackageSource {
  /** The published versions of `name` that match the semver `range` (e.g. `22`). */
  versions(name: string, range: string): Promise<PackageVersion[]>;
  /** Writes `v`'s tarball to `dest` (a new file), telling how many bytes have arrived. */
  download(
    v: PackageVersion,
    dest: string,
    onProgress: (receivedBytes: number, totalBytes: number | null) => void,
  ): Promise<void>;
}

const NPM_TIMEOUT_MS = 120_000;
const DOWNLOAD_TIMEOUT_MS = 15 * 60_000;

/** The npm that came with this node, else the one on PATH. */
function npmCommand(): string {
  const beside = path.join(path.dirname(process.execPath), 'npm');
  return existsSync(beside) ? beside : 'npm';
}

/** npm's own words for a failed `--json` command: `{"error":{"code","summary"}}`, else its stderr. */
function npmFailure(what: string, stdout: string, stderr: string): Error {
  try {
    const parsed = JSON.parse(stdout) as { error?: { code?: string; summary?: string } };
    if (parsed.error?.summary) {
      return new Error(`${what}: ${parsed.error.code ?? 'npm'}: ${parsed.error.summary}`);
    }
  } catch {
    // not JSON
  }
  const lines = stderr
    .split('\n')
    .filter((l) => l.startsWith('npm error'))
    .slice(0, 3)
    .join('; ');
  return new Error(`${what}: ${lines || 'npm failed'}`);
}

interface ViewEntry {
  version?: unknown;
  'dist.integrity'?: unknown;
  'dist.tarball'?: unknown;
}

/**
 * The npm registry, reached through the machine's own npm, so its configuration (registry,
 * proxy, certificates, auth) decides where packages come from: `npm view` lists versions;
 * the tarball is fetched from the address npm gave (with progress), or through `npm pack`
 * when that fetch cannot connect.
 */
export function npmSource(): PackageSource {
  return {
    async versions(name, range) {
      const spec = `${name}@${range}`;
      const r = await run(
        npmCommand(),
        ['view', spec, 'version', 'dist.integrity', 'dist.tarball', '--json'],
        NPM_TIMEOUT_MS,
      );
      if (r.code !== 0) throw npmFailure(`npm view ${spec}`, r.stdout, r.stderr);
      let parsed: unknown;
      try {
        parsed = JSON.parse(r.stdout || '[]');
      } catch {
        throw new Error(`npm view ${spec}: the answer is not JSON`);
      }
      // One match gives an object, several an array.
      const entries = (Array.isArray(parsed) ? parsed : [parsed]) as ViewEntry[];
      return entries.flatMap((e) =>
        typeof e?.version === 'string' &&
        typeof e['dist.integrity'] === 'string' &&
        typeof e['dist.tarball'] === 'string'
          ? [
              {
                name,
                version: e.version,
                integrity: e['dist.integrity'],
                tarball: e['dist.tarball'],
              },
            ]
          : [],
      );
    },

    async download(v, dest, onProgress) {
      let res: Response;
      try {
        res = await fetch(v.tarball, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
      } catch {
        // No connection from here (a proxy only npm knows of, say): let npm fetch it.
        await npmPack(v, dest);
        const { size } = await stat(dest);
        onProgress(size, size);
        return;
      }
      if (!res.ok || !res.body) {
        throw new Error(`downloading ${v.tarball}: HTTP ${res.status} ${res.statusText}`);
      }
      const total = Number(res.headers.get('content-length')) || null;
      let received = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          received += chunk.length;
          onProgress(received, total);
          done(null, chunk);
        },
      });
      // Web streams and Node's differ only in their types here.
      const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
      await pipeline(body, counter, createWriteStream(dest, { flags: 'wx' }));
    },
  };
}

/** `npm pack name@version` into a scratch folder, then moved to `dest`. */
async function npmPack(v: PackageVersion, dest: string): Promise<void> {
  const scratch = await mkdtemp(`${dest}.pack-`);
  try {
    const spec = `${v.name}@${v.version}`;
    const r = await run(
      npmCommand(),
      ['pack', spec, '--pack-destination', scratch, '--json'],
      DOWNLOAD_TIMEOUT_MS,
    );
    if (r.code !== 0) throw npmFailure(`npm pack ${spec}`, r.stdout, r.stderr);
    const [packed] = JSON.parse(r.stdout) as { filename: string }[];
    if (!packed) throw new Error(`npm pack ${spec}: no file was written`);
    await rename(path.join(scratch, path.basename(packed.filename)), dest);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
