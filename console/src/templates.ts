/**
 * Test event templates in the shapes Nimbus's own triggers deliver (src/gateway/payload-*.ts,
 * src/triggers/queue/poller.ts, src/buckets/notify.ts, src/triggers/timer/payload.ts).
 */
export interface Template {
  id: string;
  label: string;
  event: unknown;
}

const NOW = '2026-01-01T00:00:00Z';
const ACCOUNT = '000000000000';
const REGION = 'us-east-1';

export const TEMPLATES: Template[] = [
  { id: 'hello', label: 'Hello world', event: { key1: 'value1', key2: 'value2' } },
  {
    id: 'apigw-v2',
    label: 'HTTP route (API Gateway payload 2.0)',
    event: {
      version: '2.0',
      routeKey: 'GET /hello',
      rawPath: '/hello',
      rawQueryString: 'name=nimbus',
      headers: { host: '127.0.0.1:9001', 'user-agent': 'curl/8.0' },
      queryStringParameters: { name: 'nimbus' },
      requestContext: {
        accountId: ACCOUNT,
        apiId: 'nimbus',
        domainName: '127.0.0.1',
        http: {
          method: 'GET',
          path: '/hello',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'curl/8.0',
        },
        requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
        routeKey: 'GET /hello',
        stage: '$default',
        time: '01/Jan/2026:00:00:00 +0000',
        timeEpoch: 1767225600000,
      },
      isBase64Encoded: false,
    },
  },
  {
    id: 'apigw-v1',
    label: 'HTTP route (API Gateway payload 1.0)',
    event: {
      version: '1.0',
      resource: '/hello',
      path: '/hello',
      httpMethod: 'POST',
      headers: { 'content-type': 'application/json', host: '127.0.0.1:9001' },
      multiValueHeaders: { 'content-type': ['application/json'], host: ['127.0.0.1:9001'] },
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      pathParameters: null,
      stageVariables: null,
      requestContext: {
        accountId: ACCOUNT,
        apiId: 'nimbus',
        httpMethod: 'POST',
        path: '/hello',
        protocol: 'HTTP/1.1',
        requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
        resourcePath: '/hello',
        stage: '$default',
        identity: { sourceIp: '127.0.0.1', userAgent: 'curl/8.0' },
      },
      body: '{"hello":"world"}',
      isBase64Encoded: false,
    },
  },
  {
    id: 'sqs',
    label: 'SQS queue message',
    event: {
      Records: [
        {
          messageId: '059f36b4-87a3-44ab-83d2-661975830a7d',
          receiptHandle: 'AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a',
          body: 'Hello from SQS!',
          attributes: {
            ApproximateReceiveCount: '1',
            SentTimestamp: '1767225600000',
            SenderId: ACCOUNT,
            ApproximateFirstReceiveTimestamp: '1767225600001',
          },
          messageAttributes: {},
          md5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
          eventSource: 'aws:sqs',
          eventSourceARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:my-queue`,
          awsRegion: REGION,
        },
      ],
    },
  },
  {
    id: 's3',
    label: 'S3 object created',
    event: {
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          awsRegion: REGION,
          eventTime: NOW,
          eventName: 'ObjectCreated:Put',
          userIdentity: { principalId: 'anonymous' },
          requestParameters: { sourceIPAddress: '127.0.0.1' },
          responseElements: { 'x-amz-request-id': 'C3D13FE58DE4C810', 'x-amz-id-2': 'FMyUVURIY8' },
          s3: {
            s3SchemaVersion: '1.0',
            configurationId: 'notify-1',
            bucket: {
              name: 'my-bucket',
              ownerIdentity: { principalId: ACCOUNT },
              arn: 'arn:aws:s3:::my-bucket',
            },
            object: {
              key: 'uploads/photo.jpg',
              size: 1024,
              eTag: 'd41d8cd98f00b204e9800998ecf8427e',
              sequencer: '0A1B2C3D4E5F678901',
            },
          },
        },
      ],
    },
  },
  {
    id: 'schedule',
    label: 'EventBridge schedule (timer)',
    event: {
      version: '0',
      id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: ACCOUNT,
      time: NOW,
      region: REGION,
      resources: [`arn:aws:events:${REGION}:${ACCOUNT}:rule/nightly`],
      detail: {},
    },
  },
  {
    id: 'fc-http',
    label: 'Function Compute HTTP trigger',
    event: {
      method: 'GET',
      path: '/hello',
      url: '/hello?name=nimbus',
      clientIP: '127.0.0.1',
      headers: { host: '127.0.0.1:9001', 'user-agent': 'curl/8.0' },
      queries: { name: 'nimbus' },
      pathParameters: {},
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      host: '127.0.0.1:9001',
      body: '',
    },
  },
  {
    id: 'fc-timer',
    label: 'Function Compute timer trigger',
    event: { triggerTime: NOW, triggerName: 'nightly', payload: '' },
  },
  {
    id: 'fc-oss',
    label: 'Function Compute OSS trigger',
    event: {
      events: [
        {
          eventName: 'ObjectCreated:PutObject',
          eventSource: 'acs:oss',
          eventTime: NOW,
          eventVersion: '1.0',
          region: 'cn-hangzhou',
          oss: {
            bucket: { name: 'my-bucket', arn: 'acs:oss:cn-hangzhou:123456789:my-bucket' },
            object: {
              key: 'uploads/photo.jpg',
              size: 1024,
              eTag: 'D41D8CD98F00B204E9800998ECF8427E',
            },
            ossSchemaVersion: '1.0',
          },
          userIdentity: { principalId: '123456789' },
        },
      ],
    },
  },
];
