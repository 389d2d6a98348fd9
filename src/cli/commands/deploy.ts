import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Command, Option } from 'commander';
import { DeployAnswer } from '../answers.js';
import { lambdaFunctionPath } from '../client.js';
import { type CliContext, contextFrom } from '../context.js';
import { CliError } from '../errors.js';
import { out, printJson } from '../output.js';
import { entryPoint, envPairs, functionName, handlerName, intInRange } from '../validate.js';

const DEFAULT_RUNTIME = 'nodejs20.x';
const DEFAULT_HANDLER = 'index.handler';

/** Flags as commander hands them over (strings, unchecked). */
export interface DeployFlags {
  name: string;
  runtime?: string;
  handler?: string;
  memory?: string;
  timeout?: string;
  env?: string[];
  description?: string;
  initializer?: string;
  initializationTimeout?: string;
  flavour?: string;
  service?: string;
}

/** The native deploy body without `zipFile`; absent fields keep their value on update. */
export interface DeploySettings {
  runtime?: string;
  handler?: string;
  memoryMb?: number;
  timeoutS?: number;
  env?: Record<string, string>;
  description?: string;
  initializer?: string;
  initializationTimeoutS?: number;
  flavour?: string;
  service?: string;
}

/** Checks every deploy flag before anything is read or sent. */
export function parseDeployFlags(flags: DeployFlags): DeploySettings {
  functionName(flags.name);
  const s: DeploySettings = {};
  if (flags.runtime !== undefined) {
    if (!/^[a-z0-9.]{1,64}$/.test(flags.runtime)) {
      throw new CliError(`invalid --runtime ${JSON.stringify(flags.runtime)}, e.g. nodejs20.x`);
    }
    s.runtime = flags.runtime;
  }
  if (flags.handler !== undefined) s.handler = handlerName(flags.handler);
  if (flags.memory !== undefined)
    s.memoryMb = intInRange('--memory', flags.memory, 128, 10240, 'MB');
  if (flags.timeout !== undefined) s.timeoutS = intInRange('--timeout', flags.timeout, 1, 900, 's');
  if (flags.env !== undefined) s.env = envPairs(flags.env);
  if (flags.description !== undefined) {
    if (flags.description.length > 256)
      throw new CliError('--description is longer than 256 characters');
    s.description = flags.description;
  }
  if (flags.initializer !== undefined)
    s.initializer = entryPoint('--initializer', flags.initializer);
  if (flags.initializationTimeout !== undefined) {
    const t = flags.initializationTimeout;
    s.initializationTimeoutS = intInRange('--initialization-timeout', t, 1, 900, 's');
  }
  if (flags.flavour !== undefined) s.flavour = flags.flavour;
  if (flags.service !== undefined) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_-]{0,127}$/.test(flags.service)) {
      throw new CliError(`invalid --service ${JSON.stringify(flags.service)}`);
    }
    s.service = flags.service;
  }
  return s;
}

/** A folder is zipped; a `.zip` file is sent as is. */
async function loadCode(codePath: string): Promise<Buffer> {
  const info = await stat(codePath).catch(() => undefined);
  if (!info) throw new CliError(`${codePath}: no such file or folder`);
  if (info.isDirectory()) {
    // Loaded on demand: only deploy needs the zip code.
    const { zipDirectory } = await import('../../code/index.js');
    return zipDirectory(path.resolve(codePath));
  }
  if (info.isFile() && codePath.toLowerCase().endsWith('.zip')) return readFile(codePath);
  throw new CliError(`${codePath} must be a folder or a .zip file`);
}

// Runtime and handler default only for a new function: on update, an omitted
// flag keeps the deployed value instead of resetting it.
async function functionExists(ctx: CliContext, name: string): Promise<boolean> {
  try {
    await ctx.client.request(lambdaFunctionPath(name));
    return true;
  } catch (e) {
    if (e instanceof CliError && e.status === 404) return false;
    throw e;
  }
}

async function deploy(codePath: string, flags: DeployFlags, ctx: CliContext): Promise<void> {
  const settings = parseDeployFlags(flags);
  const zip = await loadCode(codePath);
  if ((!settings.runtime || !settings.handler) && !(await functionExists(ctx, flags.name))) {
    settings.runtime ??= DEFAULT_RUNTIME;
    settings.handler ??= DEFAULT_HANDLER;
  }
  const { value, raw } = await ctx.client.json(
    `/nimbus/v1/functions/${encodeURIComponent(flags.name)}`,
    DeployAnswer,
    { method: 'PUT', json: { zipFile: zip.toString('base64'), ...settings } },
  );
  if (ctx.json) return printJson(raw);
  const f = value.function;
  out(
    `${value.created ? 'created' : 'updated'} ${f.FunctionName} ` +
      `(${f.Runtime}, ${f.Handler}, ${f.MemorySize} MB, ${f.Timeout} s) sha256 ${f.CodeSha256}`,
  );
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The manifest flags of `nimbus deploy` (no PATH). */
interface ProjectFlags {
  file?: string;
  yes?: boolean;
  prune?: boolean;
  dryRun?: boolean;
  verbose?: boolean;
}

/** `nimbus deploy PATH --name N ...` (one function) or `nimbus deploy [-f FILE]` (a manifest). */
export function deployCommand(): Command {
  return new Command('deploy')
    .description(
      'deploy a project from nimbus.yml (or -f serverless.yml / SAM / Function Compute template), or one function from a folder or .zip with --name',
    )
    .argument('[path]', 'folder to zip, or a .zip file (with --name)')
    .option('--name <name>', 'function name (with PATH)')
    .option('-f, --file <manifest>', 'manifest to deploy (default: nimbus.yml in this folder)')
    .option('--yes', 'apply without asking')
    .option('--prune', 'delete what this project owns and the manifest no longer has')
    .option('--dry-run', 'show the plan, change nothing')
    .option('--verbose', 'list unchanged resources too')
    .option('--runtime <runtime>', `runtime (new functions: ${DEFAULT_RUNTIME})`)
    .option('--handler <handler>', `handler, file.export (new functions: ${DEFAULT_HANDLER})`)
    .option('--memory <MB>', 'memory, 128–10240 MB (new functions: 128)')
    .option('--timeout <s>', 'timeout, 1–900 s (new functions: 3)')
    .option('--env <KEY=VALUE>', 'environment variable (repeatable)', collect)
    .option('--description <text>', 'description')
    .option('--initializer <file.export>', 'initializer run once per instance')
    .option('--initialization-timeout <s>', 'initializer timeout, 1–900 s')
    .addOption(new Option('--flavour <flavour>', 'handler flavour').choices(['lambda', 'fc']))
    .option('--service <name>', 'the service it belongs to (new functions: default)')
    .action(
      async (
        codePath: string | undefined,
        flags: Partial<DeployFlags> & ProjectFlags,
        cmd: Command,
      ) => {
        const ctx = contextFrom(cmd);
        if (codePath !== undefined) {
          if (flags.file !== undefined)
            throw new CliError('give either PATH --name NAME or -f FILE, not both');
          if (flags.name === undefined) {
            throw new CliError(
              "required option '--name <name>' not specified (deploying PATH as one function)",
            );
          }
          return deploy(codePath, { ...flags, name: flags.name }, ctx);
        }
        if (flags.name !== undefined)
          throw new CliError('--name needs a PATH: nimbus deploy ./dir --name NAME');
        // Loaded on demand: the manifest code (yaml, ajv) is only needed here.
        const { findProject } = await import('../project/find-manifest.js');
        const { deployProject } = await import('../project/deploy-project.js');
        await deployProject(ctx, await findProject(flags.file), {
          yes: flags.yes === true,
          prune: flags.prune === true,
          dryRun: flags.dryRun === true,
          verbose: flags.verbose === true,
        });
      },
    );
}
