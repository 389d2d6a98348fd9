/** The query protocol's XML namespace. */
export const SQS_XMLNS = 'http://queue.amazonaws.com/doc/2012-11-05/';

/**
 * Escapes text for an XML element. CR is written as a character reference,
 * since XML parsers turn a literal CR into LF and message bodies must survive.
 */
export function xmlEscape(s: string): string {
  return s.replace(/[&<>"'\r]/g, (c) => ESCAPES[c]!); // The class lists exactly ESCAPES' keys.
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\r': '&#xD;',
};

/** Flattened maps of the JSON shapes: element name, key field, value field. */
const MAPS = new Map<string, [string, string, string]>([
  ['Attributes', ['Attribute', 'Name', 'Value']],
  ['MessageAttributes', ['MessageAttribute', 'Name', 'Value']],
  ['Tags', ['Tag', 'Key', 'Value']],
]);

/** Flattened lists of the JSON shapes: the element each member is written as. */
const LISTS = new Map<string, string>([
  ['QueueUrls', 'QueueUrl'],
  ['queueUrls', 'QueueUrl'],
  ['Messages', 'Message'],
  ['Failed', 'BatchResultErrorEntry'],
  ['StringListValues', 'StringListValue'],
  ['BinaryListValues', 'BinaryListValue'],
]);

/**
 * Writes a JSON-protocol result as the query protocol's XML body:
 * `<OpResponse><OpResult>…</OpResult><ResponseMetadata>…</ResponseMetadata></OpResponse>`.
 * Maps and lists are flattened as SQS does (`<Attribute><Name/><Value/></Attribute>`,
 * repeated `<QueueUrl>`); a null result writes no Result element.
 */
export function resultXml(op: string, result: Record<string, unknown> | null, requestId: string) {
  const inner = result === null ? '' : `<${op}Result>${members(result, op)}</${op}Result>`;
  return (
    `<?xml version="1.0"?><${op}Response xmlns="${SQS_XMLNS}">${inner}` +
    `<ResponseMetadata><RequestId>${xmlEscape(requestId)}</RequestId></ResponseMetadata></${op}Response>`
  );
}

/** The query protocol's error body. */
export function errorXml(
  e: { queryCode: string; queryMessage: string; senderFault: boolean },
  requestId: string,
): string {
  return (
    `<?xml version="1.0"?><ErrorResponse xmlns="${SQS_XMLNS}"><Error>` +
    `<Type>${e.senderFault ? 'Sender' : 'Receiver'}</Type><Code>${xmlEscape(e.queryCode)}</Code>` +
    `<Message>${xmlEscape(e.queryMessage)}</Message><Detail/></Error>` +
    `<RequestId>${xmlEscape(requestId)}</RequestId></ErrorResponse>`
  );
}

function members(obj: Record<string, unknown>, op: string): string {
  let out = '';
  for (const [key, value] of Object.entries(obj)) {
    if (value === undefined || value === null) continue;
    const map = MAPS.get(key);
    if (map && typeof value === 'object' && !Array.isArray(value)) {
      const [el, k, v] = map;
      // A non-array object, checked above.
      for (const [name, val] of Object.entries(value as Record<string, unknown>)) {
        out += `<${el}><${k}>${xmlEscape(name)}</${k}>${element(v, val, op)}</${el}>`;
      }
    } else if (Array.isArray(value)) {
      const el = key === 'Successful' ? `${op}ResultEntry` : (LISTS.get(key) ?? key);
      for (const item of value) out += element(el, item, op);
    } else {
      out += element(key, value, op);
    }
  }
  return out;
}

function element(name: string, value: unknown, op: string): string {
  if (value !== null && typeof value === 'object') {
    // Results are JSON shapes: a non-null object is a structure.
    return `<${name}>${members(value as Record<string, unknown>, op)}</${name}>`;
  }
  return `<${name}>${xmlEscape(String(value))}</${name}>`;
}
