import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketNotificationConfigurationCommand,
  type LambdaFunctionConfiguration,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { raw, sdkClient } from './clients.js';
import { type S3TestServer, startS3Server } from './server.js';

const FN = 'arn:aws:lambda:us-east-1:000000000000:function:on-upload';
const FN_DELETE = 'arn:aws:lambda:us-east-1:000000000000:function:on-delete';
const FAILING = 'arn:aws:lambda:us-east-1:000000000000:function:broken';

/** Images under in/ to one function; every deletion to another. */
const RULES: LambdaFunctionConfiguration[] = [
  {
    Id: 'images',
    LambdaFunctionArn: FN,
    Events: ['s3:ObjectCreated:*'],
    Filter: {
      Key: {
        FilterRules: [
          { Name: 'prefix', Value: 'in/' },
          { Name: 'suffix', Value: '.jpg' },
        ],
      },
    },
  },
  { Id: 'removals', LambdaFunctionArn: FN_DELETE, Events: ['s3:ObjectRemoved:Delete'] },
];

describe('notifications: bucket notification configuration and S3 events', () => {
  let s: S3TestServer;
  let c: S3Client;
  before(async () => {
    s = await startS3Server({
      functions: [FN, FN_DELETE, FAILING],
      deliver: async (arn) => {
        if (arn === FAILING) throw new Error('function unavailable');
      },
    });
    c = sdkClient(s.endpoint);
    await c.send(new CreateBucketCommand({ Bucket: 'events' }));
    await c.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: 'events',
        NotificationConfiguration: {
          LambdaFunctionConfigurations: RULES,
        },
      }),
    );
  });
  beforeEach(() => {
    s.deliveries.length = 0;
  });
  after(async () => {
    c.destroy();
    await s.close();
  });

  test('notifications: the configuration round-trips in S3 wire names', async () => {
    const got = await c.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'events' }));
    assert.deepEqual(got.LambdaFunctionConfigurations, RULES);
    const wire = await raw(s.endpoint, 'GET', '/events?notification');
    assert.match(
      wire.text,
      /<NotificationConfiguration xmlns="http:\/\/s3\.amazonaws\.com\/doc\/2006-03-01\/"><CloudFunctionConfiguration><Id>images<\/Id><CloudFunction>arn:aws:lambda:[^<]+<\/CloudFunction><Event>s3:ObjectCreated:\*<\/Event><Filter><S3Key><FilterRule><Name>prefix<\/Name><Value>in\/<\/Value><\/FilterRule>/,
    );
  });

  test('notifications: a matching PutObject delivers the full S3 event; others do not', async () => {
    const put = await c.send(
      new PutObjectCommand({ Bucket: 'events', Key: 'in/Happy Face (1).jpg', Body: 'smile' }),
    );
    await c.send(new PutObjectCommand({ Bucket: 'events', Key: 'out/a.jpg', Body: 'x' }));
    await c.send(new PutObjectCommand({ Bucket: 'events', Key: 'in/a.png', Body: 'x' }));
    assert.equal(s.deliveries.length, 1);
    const [d] = s.deliveries;
    assert.equal(d?.functionArn, FN);
    const record = d?.event.Records[0];
    assert.equal(d?.event.Records.length, 1);
    assert.deepEqual(
      { ...record, eventTime: undefined, responseElements: undefined, s3: undefined },
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: undefined,
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'anonymous' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: undefined,
        s3: undefined,
      },
    );
    assert.match(String(record?.eventTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const elements = record?.responseElements as Record<string, string>;
    assert.ok(elements['x-amz-request-id'] && elements['x-amz-id-2']);
    assert.deepEqual(record?.s3, {
      s3SchemaVersion: '1.0',
      configurationId: 'images',
      bucket: {
        name: 'events',
        ownerIdentity: { principalId: '000000000000' },
        arn: 'arn:aws:s3:::events',
      },
      object: {
        key: 'in/Happy+Face+%281%29.jpg',
        size: 5,
        eTag: put.ETag?.replaceAll('"', ''),
        sequencer: record?.s3.object.sequencer,
      },
    });
    assert.match(record?.s3.object.sequencer ?? '', /^[0-9A-F]{18}$/);
  });

  test('notifications: copy, multipart and deletes name their events; sequencers increase', async () => {
    await c.send(new PutObjectCommand({ Bucket: 'events', Key: 'in/src.jpg', Body: 'a' }));
    await c.send(
      new CopyObjectCommand({
        Bucket: 'events',
        Key: 'in/copy.jpg',
        CopySource: 'events/in/src.jpg',
      }),
    );
    const mpu = await c.send(
      new CreateMultipartUploadCommand({ Bucket: 'events', Key: 'in/multi.jpg' }),
    );
    const part = await c.send(
      new UploadPartCommand({
        Bucket: 'events',
        Key: 'in/multi.jpg',
        UploadId: mpu.UploadId,
        PartNumber: 1,
        Body: 'p',
      }),
    );
    await c.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'events',
        Key: 'in/multi.jpg',
        UploadId: mpu.UploadId,
        MultipartUpload: { Parts: [{ ETag: part.ETag, PartNumber: 1 }] },
      }),
    );
    await c.send(new DeleteObjectCommand({ Bucket: 'events', Key: 'in/src.jpg' }));
    await c.send(new DeleteObjectCommand({ Bucket: 'events', Key: 'never-existed' }));
    await c.send(
      new DeleteObjectsCommand({
        Bucket: 'events',
        Delete: { Objects: [{ Key: 'in/copy.jpg' }, { Key: 'also-never' }] },
      }),
    );
    const seen = s.deliveries.map((d) => [
      d.functionArn,
      d.event.Records[0]?.eventName,
      d.event.Records[0]?.s3.object.key,
    ]);
    assert.deepEqual(seen, [
      [FN, 'ObjectCreated:Put', 'in/src.jpg'],
      [FN, 'ObjectCreated:Copy', 'in/copy.jpg'],
      [FN, 'ObjectCreated:CompleteMultipartUpload', 'in/multi.jpg'],
      [FN_DELETE, 'ObjectRemoved:Delete', 'in/src.jpg'],
      [FN_DELETE, 'ObjectRemoved:Delete', 'in/copy.jpg'],
    ]);
    const removal = s.deliveries[3]?.event.Records[0]?.s3.object;
    assert.equal(removal?.size, undefined, 'no size on removals');
    assert.equal(removal?.eTag, undefined);
    const multi = s.deliveries[2]?.event.Records[0]?.s3.object;
    assert.match(multi?.eTag ?? '', /^[0-9a-f]{32}-1$/);
    const sequencers = s.deliveries.map((d) => d.event.Records[0]?.s3.object.sequencer ?? '');
    assert.deepEqual([...sequencers].sort(), sequencers, 'increasing');
    assert.equal(new Set(sequencers).size, sequencers.length);
  });

  test('notifications: unknown functions, events and other destinations are refused', async () => {
    const put = (
      config: ConstructorParameters<typeof PutBucketNotificationConfigurationCommand>[0],
    ) =>
      c.send(new PutBucketNotificationConfigurationCommand(config)).then(
        () => 'ok',
        (e: unknown) => (e instanceof S3ServiceException ? `${e.name}: ${e.message}` : String(e)),
      );
    const missing = 'arn:aws:lambda:us-east-1:000000000000:function:missing';
    assert.equal(
      await put({
        Bucket: 'events',
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [
            { LambdaFunctionArn: missing, Events: ['s3:ObjectCreated:*'] },
          ],
        },
      }),
      'InvalidArgument: Unable to validate the following destination configurations',
    );
    assert.match(
      await put({
        Bucket: 'events',
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [
            { LambdaFunctionArn: FN, Events: ['s3:ObjectRestore:Post'] },
          ],
        },
      }),
      /InvalidArgument: The event is not supported/,
    );
    assert.match(
      await put({
        Bucket: 'events',
        NotificationConfiguration: {
          QueueConfigurations: [
            { QueueArn: 'arn:aws:sqs:us-east-1:000000000000:q', Events: ['s3:ObjectCreated:*'] },
          ],
        },
      }),
      /InvalidArgument: QueueConfiguration is not supported/,
    );
    assert.equal(
      await put({ Bucket: 'no-such-bucket', NotificationConfiguration: {} }),
      'NoSuchBucket: The specified bucket does not exist',
    );
    const got = await c.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'events' }));
    assert.equal(
      got.LambdaFunctionConfigurations?.length,
      2,
      'refused configurations change nothing',
    );
  });

  test('notifications: a failing delivery is logged and the write still succeeds', async () => {
    await c.send(new CreateBucketCommand({ Bucket: 'failing' }));
    await c.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: 'failing',
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [
            { Id: 'x', LambdaFunctionArn: FAILING, Events: ['s3:ObjectCreated:Put'] },
          ],
        },
      }),
    );
    const put = await c.send(new PutObjectCommand({ Bucket: 'failing', Key: 'k', Body: 'v' }));
    assert.equal(put.$metadata.httpStatusCode, 200);
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(
      s.logs.some((l) => l.includes('function unavailable')),
      s.logs.join('\n'),
    );
    await c.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: 'failing',
        NotificationConfiguration: {},
      }),
    );
    const cleared = await c.send(
      new GetBucketNotificationConfigurationCommand({ Bucket: 'failing' }),
    );
    assert.equal(cleared.LambdaFunctionConfigurations, undefined);
  });
});
