import type { AwsRequest } from '../aws/request.js';
import { isNimbusError } from '../shared/errors.js';
import { s3Error } from './errors.js';
import { checkKey } from './names.js';
import { receiveSmall } from './receive-body.js';
import { sendXml } from './reply.js';
import type { S3Action } from './route.js';
import type { BucketService } from './service.js';
import { children, childText, childTree, parseXml, type XmlTree, xmlDocument } from './xml.js';

/** S3's limit on keys per DeleteObjects request. */
const MAX_KEYS_PER_REQUEST = 1000;

/**
 * DeleteObjects (`POST /<bucket>?delete`): a `<Delete>` list of up to 1000
 * keys, each deleted on its own; a key that does not exist counts as deleted.
 * In Quiet mode only the failures are listed.
 */
export async function deleteObjects(svc: BucketService, r: AwsRequest, a: S3Action): Promise<void> {
  await svc.requireBucket(a.bucket);
  const doc = parseXml(await receiveSmall(r));
  const root = childTree(doc, 'Delete');
  if (!root) throw s3Error('MalformedXML');
  const objects = children(root, 'Object');
  if (objects.length === 0 || objects.length > MAX_KEYS_PER_REQUEST) throw s3Error('MalformedXML');
  const keys = objects.map((o) => {
    const key = childText(o, 'Key');
    if (key === undefined || key === '') throw s3Error('MalformedXML');
    return key;
  });
  const quiet = childText(root, 'Quiet')?.trim().toLowerCase() === 'true';
  const deleted: XmlTree[] = [];
  const errors: XmlTree[] = [];
  for (const key of keys) {
    try {
      checkKey(key);
      await svc.removeObject(a.bucket, key, r);
      if (!quiet) deleted.push({ Key: key });
    } catch (e) {
      if (!isNimbusError(e)) throw e;
      errors.push({ Key: key, Code: e.code, Message: e.message });
    }
  }
  sendXml(r, 200, xmlDocument('DeleteResult', { Deleted: deleted, Error: errors }));
}
