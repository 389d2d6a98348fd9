import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { hostPythonVersion } from '../../shared/runtimes.js';
import { CliError } from '../errors.js';
import { out } from '../output.js';

// Same relative path from src/cli/commands/ and dist/cli/commands/.
const TEMPLATES = fileURLToPath(new URL('../../../templates/', import.meta.url));

/** What each template is, for `nimbus init --help` and errors. */
export const TEMPLATE_NAMES: Record<string, string> = {
  node: 'a Node.js function behind GET /hello',
  python: 'a Python function behind GET /hello',
  'fc-http': 'a Function Compute HTTP handler (with an initializer) behind GET /hello',
  'queue-consumer': 'an SQS queue and a function consuming it (partial batch failures)',
};

/** Every file of a template folder, relative to it. */
async function files(dir: string, rel = ''): Promise<string[]> {
  const found: string[] = [];
  for (const e of await readdir(path.join(dir, rel), { withFileTypes: true })) {
    const r = path.join(rel, e.name);
    if (e.isDirectory()) found.push(...(await files(dir, r)));
    else found.push(r);
  }
  return found.sort();
}

/** Values put in for `{{name}}`: runtimes this host runs without downloading anything. */
function placeholders(project: string): Record<string, string> {
  const py = hostPythonVersion();
  return {
    project,
    nodeRuntime: `nodejs${process.versions.node.split('.')[0]}.x`,
    pythonRuntime: py ? `python${py.major}.${py.minor}` : 'python3.12',
  };
}

/** A project name the manifest schema accepts, from the folder's name. */
export function projectName(dir: string): string {
  const base = path.basename(path.resolve(dir)).replace(/[^a-zA-Z0-9_-]/g, '-');
  return base.slice(0, 64) || 'project';
}

/** Writes template `name` into `dir`; refuses to overwrite any file. Returns the files written. */
export async function writeTemplate(name: string, dir: string): Promise<string[]> {
  if (!Object.hasOwn(TEMPLATE_NAMES, name)) {
    throw new CliError(
      `unknown template ${JSON.stringify(name)}: use one of ${Object.keys(TEMPLATE_NAMES).join(', ')}`,
    );
  }
  const src = path.join(TEMPLATES, name);
  const list = await files(src);
  const clash = list.filter((f) => existsSync(path.join(dir, f)));
  if (clash.length) {
    throw new CliError(
      `not writing into ${dir}: ${clash.join(', ')} already exist${clash.length === 1 ? 's' : ''}`,
    );
  }
  const values = placeholders(projectName(dir));
  for (const f of list) {
    const text = await readFile(path.join(src, f), 'utf8');
    const filled = text.replace(/\{\{(\w+)\}\}/g, (m, k: string) => values[k] ?? m);
    await mkdir(path.dirname(path.join(dir, f)), { recursive: true });
    await writeFile(path.join(dir, f), filled);
  }
  return list;
}

/** `nimbus init [template] [dir]` */
export function initCommand(): Command {
  const help = Object.entries(TEMPLATE_NAMES)
    .map(([k, v]) => `  ${k.padEnd(15)} ${v}`)
    .join('\n');
  return new Command('init')
    .description('start a project from a template: nimbus.yml, a handler and a test of its own')
    .argument('[template]', 'node, python, fc-http or queue-consumer', 'node')
    .argument('[dir]', 'folder to write into (created if missing)', '.')
    .addHelpText('after', `\nTemplates:\n${help}`)
    .action(async (template: string, dir: string) => {
      const written = await writeTemplate(template, dir);
      for (const f of written) out(`created ${path.join(dir, f)}`);
      const cd = dir === '.' ? '' : `cd ${dir} && `;
      out(`next: ${cd}nimbus dev   (then, in another terminal: node test.mjs)`);
    });
}
