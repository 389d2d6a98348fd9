import { readFile } from 'node:fs/promises';
import {
  type CollectionTag,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type ScalarTag,
} from 'yaml';
import { ManifestError } from './errors.js';
import type { ManifestIssue } from './types.js';

/** CloudFormation's intrinsic short forms, each as its long form (`!Ref X` → `{ Ref: 'X' }`). */
const INTRINSICS: [string, string][] = [
  ['!Ref', 'Ref'],
  ['!GetAtt', 'Fn::GetAtt'],
  ['!Sub', 'Fn::Sub'],
  ['!Join', 'Fn::Join'],
  ['!Select', 'Fn::Select'],
  ['!Split', 'Fn::Split'],
  ['!If', 'Fn::If'],
  ['!Equals', 'Fn::Equals'],
  ['!Not', 'Fn::Not'],
  ['!And', 'Fn::And'],
  ['!Or', 'Fn::Or'],
  ['!FindInMap', 'Fn::FindInMap'],
  ['!GetAZs', 'Fn::GetAZs'],
  ['!ImportValue', 'Fn::ImportValue'],
  ['!Base64', 'Fn::Base64'],
  ['!Cidr', 'Fn::Cidr'],
  ['!Condition', 'Condition'],
];

/** Each short tag on a scalar, a sequence and a mapping (`!Sub [text, {vars}]`). */
const CUSTOM_TAGS: (ScalarTag | CollectionTag)[] = INTRINSICS.flatMap(([tag, key]) => [
  { tag, identify: () => false, resolve: (v: string) => ({ [key]: v }) },
  ...(['seq', 'map'] as const).map((collection) => ({
    tag,
    collection,
    identify: () => false,
    // The collection node turns into plain JSON under its long-form key.
    resolve: (v: { toJSON(): unknown }) => ({ [key]: v.toJSON() }),
  })),
]) as (ScalarTag | CollectionTag)[];

/** A parsed YAML file that can say where any path in it is. */
export interface YamlFile {
  file: string;
  value: unknown;
  /** Line and column of the value at `path` (or of its nearest parent), 1-based. */
  position(path: readonly (string | number)[], key?: string): { line: number; column: number };
  /** An issue at `path`. */
  issue(path: readonly (string | number)[], message: string, key?: string): ManifestIssue;
}

/**
 * Parses YAML text keeping positions; CloudFormation short tags (`!Ref`,
 * `!GetAtt`, `!Sub`, ...) read as their long forms. Syntax errors throw a
 * ManifestError with file:line:column.
 * @example const y = parseYaml('a: 1', 'nimbus.yml'); y.position(['a']) // { line: 1, column: 4 }
 */
export function parseYaml(text: string, file: string): YamlFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, customTags: CUSTOM_TAGS, prettyErrors: false });
  const at = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  if (doc.errors.length) {
    throw new ManifestError(
      doc.errors.map((e) => ({
        file,
        ...at(e.pos[0]),
        message: e.message.split('\n')[0] ?? e.message,
      })),
    );
  }
  const position: YamlFile['position'] = (path, key) => {
    let node: unknown = doc.contents;
    let offset = (node as Node | null)?.range?.[0] ?? 0;
    for (const step of path) {
      const child = childOf(node, step);
      if (!child) break;
      node = child.value;
      offset = child.offset;
    }
    // An unknown key is shown where the key itself is written.
    if (key !== undefined && isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
      const range = (pair?.key as Node | undefined)?.range;
      if (range) offset = range[0];
    }
    return at(offset);
  };
  return {
    file,
    value: doc.toJS(),
    position,
    issue: (path, message, key) => ({ file, ...position(path, key), message }),
  };
}

/** The node at one step below `node`, with the offset where it starts. */
function childOf(
  node: unknown,
  step: string | number,
): { value: unknown; offset: number } | undefined {
  if (isMap(node)) {
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(step));
    if (!pair) return undefined;
    const where = ((pair.value ?? pair.key) as Node | null)?.range?.[0] ?? 0;
    return { value: pair.value, offset: where };
  }
  if (isSeq(node) && typeof step === 'number') {
    const item = node.items[step] as Node | undefined;
    return item ? { value: item, offset: item.range?.[0] ?? 0 } : undefined;
  }
  return undefined;
}

/** Reads and parses a YAML file (see parseYaml). */
export async function readYaml(file: string): Promise<YamlFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ManifestError([
      { file, line: 0, column: 0, message: code === 'ENOENT' ? 'no such file' : String(e) },
    ]);
  }
  return parseYaml(text, file);
}
