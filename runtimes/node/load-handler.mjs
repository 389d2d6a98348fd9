// Resolves `_HANDLER` (`dir/sub/file.export[.nested]`) to a function, as Lambda's Node
// runtime does: `.js` is ESM under a `"type": "module"` package.json, else CommonJS; `.mjs`
// is imported, `.cjs` required; a directory loads its package.json `main` or its index.
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  HandlerNotFound,
  ImportModuleError,
  MalformedHandlerName,
  UserCodeSyntaxError,
  wrapError,
} from './errors.mjs';

/** @type {NodeJS.Require | undefined} made on first use: ES module handlers never need it */
let cjsRequire;
const cjs = () => (cjsRequire ??= createRequire(import.meta.url));
const EXTENSIONS = ['.js', '.mjs', '.cjs'];
const NOT_FOUND = new Set(['MODULE_NOT_FOUND', 'ERR_MODULE_NOT_FOUND']);

/**
 * Loads the module named by `handler` and returns the function it exports.
 * The module part is the handler's basename up to its first dot; the rest is a property
 * path into the exports (`index.obj.fn` → `exports.obj.fn`).
 *
 * @param {string} taskRoot  LAMBDA_TASK_ROOT
 * @param {string} handler  e.g. `src/api/index.handler`
 * @returns {Promise<Function>}
 * @throws {Error} a `Runtime.*` error: MalformedHandlerName, ImportModuleError,
 *   UserCodeSyntaxError or HandlerNotFound
 */
export async function loadHandler(taskRoot, handler) {
  if (handler.includes('..')) {
    throw new MalformedHandlerName(
      `'${handler}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const slash = handler.lastIndexOf('/');
  const moduleRoot = handler.slice(0, slash + 1);
  const match = /^([^.]*)\.(.*)$/.exec(handler.slice(slash + 1));
  if (!match) throw new MalformedHandlerName('Bad handler');
  const [, moduleName = '', exportPath = ''] = match;

  const exports = await loadUserModule(path.resolve(taskRoot, moduleRoot), moduleName, taskRoot);
  /** @type {unknown} */
  let fn = exports;
  for (const key of exportPath.split('.')) {
    fn = fn == null ? undefined : /** @type {Record<string, unknown>} */ (fn)[key];
  }
  if (!fn) throw new HandlerNotFound(`${handler} is undefined or not exported`);
  if (typeof fn !== 'function') throw new HandlerNotFound(`${handler} is not a function`);
  return fn;
}

/**
 * @param {string} dir  absolute directory of the module
 * @param {string} name  module name without extension
 * @param {string} taskRoot
 * @returns {Promise<unknown>} the module's exports (CommonJS) or namespace (ESM)
 */
async function loadUserModule(dir, name, taskRoot) {
  try {
    const loaded = await loadPath(path.join(dir, name), 0);
    if (loaded !== undefined) return loaded.exports;
    // Not a file of the task: a package, e.g. from a layer on NODE_PATH.
    return cjs()(cjs().resolve(name, { paths: [taskRoot, dir] }));
  } catch (err) {
    if (err instanceof SyntaxError) throw wrapError(UserCodeSyntaxError, err, true);
    const code = /** @type {NodeJS.ErrnoException} */ (err)?.code;
    // A missing module reports where the runtime looked; a module that threw, where it threw.
    throw wrapError(ImportModuleError, err, !NOT_FOUND.has(code ?? ''));
  }
}

/**
 * @param {string} base  absolute path, without extension
 * @param {number} depth  package.json `main` hops so far
 * @returns {Promise<{exports: unknown} | undefined>}
 */
async function loadPath(base, depth) {
  if (kind(base) === 'file') return { exports: await loadFile(base) };
  for (const ext of EXTENSIONS) {
    if (kind(base + ext) === 'file') return { exports: await loadFile(base + ext) };
  }
  if (kind(base) !== 'dir') return undefined;
  const main = readPackageJson(base)?.main;
  if (typeof main === 'string' && main !== '' && depth < 3) {
    const target = path.resolve(base, main);
    const loaded = target === base ? undefined : await loadPath(target, depth + 1);
    if (loaded !== undefined) return loaded;
  }
  return loadPath(path.join(base, 'index'), depth + 1);
}

/** @param {string} file */
function loadFile(file) {
  const ext = path.extname(file);
  if (ext === '.mjs' || (ext === '.js' && isModuleScope(path.dirname(file)))) {
    return import(pathToFileURL(file).href);
  }
  return cjs()(file);
}

/** @param {string} p @returns {'file' | 'dir' | undefined} */
function kind(p) {
  const stat = statSync(p, { throwIfNoEntry: false });
  if (stat === undefined) return undefined;
  return stat.isFile() ? 'file' : stat.isDirectory() ? 'dir' : undefined;
}

/** @type {Map<string, {type?: unknown, main?: unknown} | null>} */
const packageJsonCache = new Map();

/** @param {string} dir */
function readPackageJson(dir) {
  let pkg = packageJsonCache.get(dir);
  if (pkg !== undefined) return pkg;
  try {
    pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    if (typeof pkg !== 'object') pkg = null;
  } catch (err) {
    const code = /** @type {NodeJS.ErrnoException} */ (err).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') {
      console.warn(`${dir}/package.json cannot be read, it is ignored for ES module detection.`);
    }
    pkg = null;
  }
  packageJsonCache.set(dir, pkg);
  return pkg;
}

/**
 * Whether `.js` files in `dir` are ES modules: the nearest package.json says
 * `"type": "module"`. The search stops at a `node_modules` folder, as the RIC's does.
 *
 * @param {string} dir
 * @returns {boolean}
 */
function isModuleScope(dir) {
  for (let d = dir; ; d = path.dirname(d)) {
    if (d.endsWith(`${path.sep}node_modules`)) return false;
    const pkg = readPackageJson(d);
    if (pkg !== null) return pkg.type === 'module';
    if (path.dirname(d) === d) return false;
  }
}
