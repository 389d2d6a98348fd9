import { sqsError } from '../errors.js';

/** Flattened query maps: the JSON member they become, with their key and value fields. */
const MAPS = new Map<string, [string, string, string]>([
  ['Attribute', ['Attributes', 'Name', 'Value']],
  ['MessageAttribute', ['MessageAttributes', 'Name', 'Value']],
  ['MessageSystemAttribute', ['MessageSystemAttributes', 'Name', 'Value']],
  ['Tag', ['Tags', 'Key', 'Value']],
]);

/** Flattened query lists: the JSON member they become. */
const LISTS = new Map<string, string>([
  ['AttributeName', 'AttributeNames'],
  ['MessageAttributeName', 'MessageAttributeNames'],
  ['MessageSystemAttributeName', 'MessageSystemAttributeNames'],
  ['TagKey', 'TagKeys'],
  ['StringListValue', 'StringListValues'],
  ['BinaryListValue', 'BinaryListValues'],
  ['SendMessageBatchRequestEntry', 'Entries'],
  ['DeleteMessageBatchRequestEntry', 'Entries'],
  ['ChangeMessageVisibilityBatchRequestEntry', 'Entries'],
]);

type Tree = { [key: string]: string | Tree };

/** Prototype-less, so a parameter named `__proto__` is just a key. */
function record<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/**
 * Splits an `application/x-www-form-urlencoded` string strictly: a malformed
 * percent escape is SQS's MalformedQueryString rather than a guess.
 */
export function parseForm(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? '' : part.slice(eq + 1);
    try {
      out.set(decode(rawKey), decode(rawValue));
    } catch {
      throw sqsError('MalformedQueryString', `The query string is malformed near '${part}'.`);
    }
  }
  return out;
}

function decode(s: string): string {
  return decodeURIComponent(s.replace(/\+/g, ' '));
}

/**
 * Turns the query protocol's flat parameters (`Attribute.1.Name=…`,
 * `SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.StringValue=…`)
 * into the JSON protocol's shapes (`Attributes: {…}`, `Entries: [{…}]`), so one
 * set of operations serves both protocols. Values stay strings.
 */
export function queryToParams(flat: Map<string, string>): Record<string, unknown> {
  const root: Tree = record();
  for (const [key, value] of flat) {
    const segments = key.split('.');
    let node = root;
    for (const seg of segments.slice(0, -1)) {
      const child = node[seg];
      if (typeof child === 'object') node = child;
      else {
        const fresh: Tree = record();
        node[seg] = fresh;
        node = fresh;
      }
    }
    const last = segments.at(-1)!; // split() yields at least one segment.
    if (typeof node[last] !== 'object') node[last] = value;
  }
  return shape(root);
}

function shape(node: Tree): Record<string, unknown> {
  const out = record<unknown>();
  for (const [key, value] of Object.entries(node)) {
    const map = MAPS.get(key);
    const list = LISTS.get(key);
    if (map && typeof value === 'object') {
      const [to, k, v] = map;
      const m = record<unknown>();
      for (const entry of indexed(value)) {
        if (typeof entry !== 'object' || typeof entry[k] !== 'string') continue;
        const val = entry[v];
        m[entry[k]] = typeof val === 'object' ? shape(val) : val;
      }
      out[to] = m;
    } else if (list) {
      out[list] = (typeof value === 'string' ? [value] : indexed(value)).map((item) =>
        typeof item === 'object' ? shape(item) : item,
      );
    } else {
      out[key] = typeof value === 'object' ? shape(value) : value;
    }
  }
  return out;
}

/** The members of `A.1`, `A.2`, … in index order (the numbering need not be dense). */
function indexed(node: Tree): Array<string | Tree> {
  return Object.keys(node)
    .filter((k) => /^\d+$/.test(k))
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => node[k]!); // k comes from Object.keys(node).
}
