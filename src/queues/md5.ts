import { createHash } from 'node:crypto';
import type { MessageAttributes } from './message-attributes.js';

/** Hex MD5, as SQS reports MD5OfMessageBody. */
export function md5Hex(data: string | Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

/** Transport type bytes of SQS's attribute digest. */
const STRING_TRANSPORT = 1;
const BINARY_TRANSPORT = 2;

/**
 * MD5OfMessageAttributes (and MD5OfMessageSystemAttributes) exactly as SQS
 * computes it: for each attribute in name order, the UTF-8 name, the data type
 * and the value, each prefixed by its length as a 4-byte big-endian integer, a
 * transport byte (1 for String/Number, 2 for Binary) before the value. Null
 * when there are no attributes (SQS then leaves the field out).
 *
 * @example
 * md5OfMessageAttributes({ timestamp: { dataType: 'Number', stringValue: '1493147359900' } })
 * // '235c5c510d26fb653d073faed50ae77c'
 */
export function md5OfMessageAttributes(attrs: MessageAttributes): string | null {
  const names = Object.keys(attrs).sort();
  if (names.length === 0) return null;
  const hash = createHash('md5');
  const withLength = (bytes: Buffer): void => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bytes.length);
    hash.update(len);
    hash.update(bytes);
  };
  for (const name of names) {
    const a = attrs[name]!; // name comes from Object.keys(attrs).
    withLength(Buffer.from(name, 'utf8'));
    withLength(Buffer.from(a.dataType, 'utf8'));
    if (a.binaryValue !== undefined) {
      hash.update(Buffer.of(BINARY_TRANSPORT));
      withLength(a.binaryValue);
    } else {
      hash.update(Buffer.of(STRING_TRANSPORT));
      withLength(Buffer.from(a.stringValue ?? '', 'utf8'));
    }
  }
  return hash.digest('hex');
}
