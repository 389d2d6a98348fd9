import type { AwsRequest } from '../aws/request.js';
import { header } from './body-checks.js';
import { type S3ErrorCode, s3Error } from './errors.js';
import { owner } from './list-objects.js';
import { checkBucketName } from './names.js';
import { notificationConfigXml, parseNotificationConfig } from './notification-config.js';
import { receiveSmall } from './receive-body.js';
import { sendEmpty, sendXml } from './reply.js';
import type { S3Action } from './route.js';
import type { BucketService } from './service.js';
import { childText, childTree, parseXml, type XmlValue, xmlDocument } from './xml.js';

/**
 * CreateBucket, with the optional `<CreateBucketConfiguration>` body whose
 * LocationConstraint becomes the bucket's region (else the request's).
 */
export async function createBucket(svc: BucketService, r: AwsRequest, a: S3Action): Promise<void> {
  checkBucketName(a.bucket);
  const body = await receiveSmall(r);
  let region = r.region;
  if (body.length > 0) {
    const config = childTree(parseXml(body), 'CreateBucketConfiguration');
    if (!config) throw s3Error('MalformedXML');
    region = childText(config, 'LocationConstraint')?.trim() || region;
  }
  const created = await svc.store.createBucket({
    name: a.bucket,
    region,
    createdAtMs: svc.clock.now(),
    notifications: [],
  });
  if (!created) throw s3Error('BucketAlreadyOwnedByYou', undefined, { BucketName: a.bucket });
  sendEmpty(r, 200, { location: `/${a.bucket}` });
}

/** DeleteBucket: only when empty (BucketNotEmpty); its unfinished uploads go with it. */
export async function deleteBucket(svc: BucketService, r: AwsRequest, a: S3Action): Promise<void> {
  const { outcome, fileIds } = await svc.store.deleteBucket(a.bucket);
  if (outcome === 'missing') throw s3Error('NoSuchBucket', undefined, { BucketName: a.bucket });
  if (outcome === 'not-empty') throw s3Error('BucketNotEmpty', undefined, { BucketName: a.bucket });
  await svc.files.remove(fileIds);
  sendEmpty(r, 204);
}

/** HeadBucket: 200 with the bucket's region, or 404 without a body. */
export async function headBucket(svc: BucketService, r: AwsRequest, a: S3Action): Promise<void> {
  const bucket = await svc.requireBucket(a.bucket);
  sendEmpty(r, 200, { 'x-amz-bucket-region': bucket.region });
}

/** Sub-resources we keep no state for: what S3 answers for a bucket that never set them. */
const DEFAULTS: Record<string, { error: S3ErrorCode } | { root: string; body: XmlValue }> = {
  versioning: { root: 'VersioningConfiguration', body: '' },
  tagging: { error: 'NoSuchTagSet' },
  policy: { error: 'NoSuchBucketPolicy' },
  cors: { error: 'NoSuchCORSConfiguration' },
  lifecycle: { error: 'NoSuchLifecycleConfiguration' },
  website: { error: 'NoSuchWebsiteConfiguration' },
  encryption: { error: 'ServerSideEncryptionConfigurationNotFoundError' },
  'object-lock': { error: 'ObjectLockConfigurationNotFoundError' },
  logging: { root: 'BucketLoggingStatus', body: '' },
  requestPayment: { root: 'RequestPaymentConfiguration', body: { Payer: 'BucketOwner' } },
  accelerate: { root: 'AccelerateConfiguration', body: '' },
  policyStatus: { root: 'PolicyStatus', body: { IsPublic: false } },
};

/** An owner-only ACL: what S3 reports for a private bucket or object. */
export function privateAcl(accountId: string): string {
  const me = owner(accountId);
  return xmlDocument('AccessControlPolicy', {
    Owner: me,
    AccessControlList: {
      Grant: { Grantee: me, Permission: 'FULL_CONTROL' },
    },
  }).replace(
    '<Grantee>',
    '<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser">',
  );
}

/** GET of a bucket sub-resource: location, notification, acl, and S3's defaults for the rest. */
export async function getBucketConfig(
  svc: BucketService,
  r: AwsRequest,
  a: S3Action,
): Promise<void> {
  const bucket = await svc.requireBucket(a.bucket);
  switch (a.subresource) {
    case 'location':
      // us-east-1 is reported as an empty constraint, as S3 does.
      return sendXml(
        r,
        200,
        xmlDocument('LocationConstraint', bucket.region === 'us-east-1' ? '' : bucket.region),
      );
    case 'notification':
      return sendXml(
        r,
        200,
        xmlDocument('NotificationConfiguration', notificationConfigXml(bucket.notifications)),
      );
    case 'acl':
      return sendXml(r, 200, privateAcl(svc.accountId));
  }
  const answer = DEFAULTS[a.subresource];
  if (!answer) throw s3Error('NotImplemented', `GET ?${a.subresource} is not implemented.`);
  if ('error' in answer) throw s3Error(answer.error, undefined, { BucketName: a.bucket });
  sendXml(r, 200, xmlDocument(answer.root, answer.body));
}

/**
 * PutBucketNotificationConfiguration: validates the rules and that each
 * function exists (unless `x-amz-skip-destination-validation: true`), then
 * replaces the bucket's rules. An empty configuration removes them all.
 */
export async function putBucketNotification(
  svc: BucketService,
  r: AwsRequest,
  a: S3Action,
): Promise<void> {
  await svc.requireBucket(a.bucket);
  const rules = parseNotificationConfig(parseXml(await receiveSmall(r)), () =>
    Buffer.from(svc.ids.uuid()).toString('base64'),
  );
  if (header(r.req.headers, 'x-amz-skip-destination-validation') !== 'true') {
    const missing: string[] = [];
    for (const rule of rules) {
      if (!(await svc.functionExists(rule.functionArn))) missing.push(rule.functionArn);
    }
    if (missing.length > 0) {
      const fields: Record<string, string> = {};
      missing.forEach((arn, i) => {
        fields[`ArgumentName${i + 1}`] = arn;
        fields[`ArgumentValue${i + 1}`] = `The destination function ${arn} does not exist`;
      });
      throw s3Error(
        'InvalidArgument',
        'Unable to validate the following destination configurations',
        fields,
      );
    }
  }
  if (!(await svc.store.setNotifications(a.bucket, rules))) {
    throw s3Error('NoSuchBucket', undefined, { BucketName: a.bucket });
  }
  sendEmpty(r, 200);
}
