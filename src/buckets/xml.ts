import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { s3Error } from './errors.js';

/** S3's XML namespace, on the root of every document it answers with. */
export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** A tree to serialise: an object's keys are elements in order; arrays repeat the element. */
export type XmlValue = string | number | boolean | null | undefined | XmlTree | XmlValue[];
export interface XmlTree {
  [element: string]: XmlValue;
}

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  // Values stay strings exactly as sent: keys may be numeric or carry spaces.
  parseTagValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  processEntities: true,
});

/**
 * Parses a request body as XML; MalformedXML when it is not well-formed or
 * declares a DOCTYPE (no entity definitions are ever expanded).
 */
export function parseXml(body: Buffer): Record<string, unknown> {
  const text = body.toString('utf8');
  if (
    text.trim() === '' ||
    /<!DOCTYPE|<!ENTITY/i.test(text) ||
    XMLValidator.validate(text) !== true
  )
    throw s3Error('MalformedXML');
  const doc: unknown = parser.parse(text);
  if (!isTree(doc)) throw s3Error('MalformedXML');
  return doc;
}

/** The element `name` of a parsed node as a tree; undefined when absent or a leaf. */
export function childTree(node: unknown, name: string): Record<string, unknown> | undefined {
  const v = isTree(node) ? node[name] : undefined;
  if (v === '') return {};
  return isTree(v) ? v : undefined;
}

/** Every `name` element of a parsed node (one or repeated). */
export function children(node: unknown, name: string): unknown[] {
  const v = isTree(node) ? node[name] : undefined;
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/** The text of leaf element `name`; undefined when absent or not a leaf. */
export function childText(node: unknown, name: string): string | undefined {
  const v = isTree(node) ? node[name] : undefined;
  return typeof v === 'string' ? v : undefined;
}

function isTree(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A whole document: declaration, `root` with S3's namespace, then `body`.
 *
 * @example
 * xmlDocument('LocationConstraint', 'eu-west-1')
 */
export function xmlDocument(root: string, body: XmlValue, xmlns = true): string {
  const ns = xmlns ? ` xmlns="${S3_XMLNS}"` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root}${ns}>${serialise(body)}</${root}>`;
}

function serialise(v: XmlValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v !== 'object') return escapeXml(String(v));
  if (Array.isArray(v)) return v.map(serialise).join('');
  let out = '';
  for (const [name, value] of Object.entries(v)) {
    if (value === undefined) continue;
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) out += `<${name}>${serialise(item)}</${name}>`;
  }
  return out;
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\r': '&#13;',
};

/** Escapes text for an element; CR as a character reference so parsers keep it. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"'\r]/g, (c) => ENTITIES[c] ?? c);
}
