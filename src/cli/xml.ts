import { XMLBuilder, XMLParser } from 'fast-xml-parser';

/** S3's XML namespace, on the root of the documents the CLI sends. */
const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** Elements that may repeat, by path: always parsed as arrays, even when there is one. */
const REPEATED = new Set([
  'ListAllMyBucketsResult.Buckets.Bucket',
  'ListBucketResult.Contents',
  'ListBucketResult.CommonPrefixes',
  'NotificationConfiguration.CloudFunctionConfiguration',
  'NotificationConfiguration.CloudFunctionConfiguration.Event',
  'NotificationConfiguration.CloudFunctionConfiguration.Filter.S3Key.FilterRule',
  'DeleteResult.Deleted',
  'DeleteResult.Error',
]);

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  // Keys and values stay the text sent: `007` is not a number, spaces are kept.
  parseTagValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  isArray: (_name, jpath) => REPEATED.has(String(jpath)),
});

const builder = new XMLBuilder({ ignoreAttributes: false, suppressEmptyNode: false });

/**
 * Parses an S3 answer into plain objects: text leaves are strings, the
 * elements listed in REPEATED are arrays.
 * @example parseXml('<ListAllMyBucketsResult><Buckets/></ListAllMyBucketsResult>')
 */
export function parseXml(text: string): unknown {
  return parser.parse(text);
}

/**
 * A document for S3: `root` in S3's namespace around `body` (keys are
 * elements in order, arrays repeat one; text is escaped).
 * @example buildXml('Delete', { Object: [{ Key: 'a b' }], Quiet: 'true' })
 */
export function buildXml(root: string, body: Record<string, unknown>): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build({
    [root]: { '@_xmlns': S3_XMLNS, ...body },
  })}`;
}

/** `<Error><Code/><Message/></Error>` (S3, SQS query) → its code and message, else undefined. */
export function xmlError(text: string): { code?: string; message?: string } | undefined {
  let doc: unknown;
  try {
    doc = parser.parse(text);
  } catch {
    return undefined;
  }
  // SQS's query protocol wraps the error in <ErrorResponse>.
  const root = field(doc, 'Error') ?? field(field(doc, 'ErrorResponse'), 'Error');
  const code = field(root, 'Code');
  const message = field(root, 'Message');
  return {
    ...(typeof code === 'string' && code ? { code } : {}),
    ...(typeof message === 'string' && message ? { message } : {}),
  };
}

function field(node: unknown, name: string): unknown {
  return typeof node === 'object' && node !== null && !Array.isArray(node)
    ? // Checked just above: a plain object from the parser.
      (node as Record<string, unknown>)[name]
    : undefined;
}
