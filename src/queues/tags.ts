import { sqsError } from './errors.js';
import { invalidXmlChar } from './xml-chars.js';

/** SQS's limits on queue tags. */
const MAX_TAGS = 50;
const MAX_KEY_CHARS = 128;
const MAX_VALUE_CHARS = 256;

/** Throws InvalidParameterValue for tags SQS would refuse. */
export function checkTags(tags: Record<string, string>): void {
  const entries = Object.entries(tags);
  if (entries.length > MAX_TAGS) {
    throw sqsError('InvalidParameterValue', `Too many tags: at most ${MAX_TAGS} per queue.`);
  }
  for (const [k, v] of entries) {
    if (k.length === 0 || k.length > MAX_KEY_CHARS || typeof v !== 'string' || invalidXmlChar(k)) {
      throw sqsError('InvalidParameterValue', `Tag key '${k}' is invalid.`);
    }
    if (v.length > MAX_VALUE_CHARS || invalidXmlChar(v)) {
      throw sqsError('InvalidParameterValue', `Tag value for key '${k}' is invalid.`);
    }
  }
}
