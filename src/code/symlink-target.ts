/** What sits at a path of a code tree, as far as symlink resolution needs to know. */
export type TreeNode =
  | { kind: 'file' }
  | { kind: 'directory' }
  | { kind: 'symlink'; target: string };

/** Where a symlink leads: inside the tree, or why it may not be kept. */
export type SymlinkVerdict = 'inside' | 'absolute' | 'escapes' | 'loop';

/** Linux's MAXSYMLINKS: more hops than this is ELOOP. */
const MAX_HOPS = 40;

/**
 * Resolves the symlink at `linkPath` (normalised, relative to the root)
 * through the tree the way the kernel would, following symlinks met on the
 * way: `t -> .` then `s -> t/..` escapes even though `t/..` looks harmless.
 * Paths missing from the tree are taken as folders, which can only make the
 * answer stricter.
 *
 * @example checkSymlink(new Map([['lib', { kind: 'symlink', target: '../x' }]]), 'lib') // 'escapes'
 */
export function checkSymlink(
  tree: ReadonlyMap<string, TreeNode>,
  linkPath: string,
): SymlinkVerdict {
  const link = tree.get(linkPath);
  if (link?.kind !== 'symlink') throw new Error(`${linkPath} is not a symlink in this tree`);
  if (link.target.startsWith('/')) return 'absolute';
  const stack = linkPath.split('/');
  stack.pop();
  const pending = splitTarget(link.target);
  let hops = 0;
  for (let next = pending.shift(); next !== undefined; next = pending.shift()) {
    if (next === '..') {
      if (stack.length === 0) return 'escapes';
      stack.pop();
      continue;
    }
    stack.push(next);
    const node = tree.get(stack.join('/'));
    if (node?.kind !== 'symlink') continue;
    hops += 1;
    if (hops > MAX_HOPS) return 'loop';
    if (node.target.startsWith('/')) return 'escapes';
    // A symlink's target is relative to the folder holding it.
    stack.pop();
    pending.unshift(...splitTarget(node.target));
  }
  return 'inside';
}

function splitTarget(target: string): string[] {
  return target.split('/').filter((s) => s !== '' && s !== '.');
}
