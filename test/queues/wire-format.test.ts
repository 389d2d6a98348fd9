import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SqsError } from '../../src/queues/errors.js';
import { md5Hex, md5OfMessageAttributes } from '../../src/queues/md5.js';
import { parseMessageAttributes, selectAttributes } from '../../src/queues/message-attributes.js';
import { nameFromQueueUrl } from '../../src/queues/names.js';
import { parseForm, queryToParams } from '../../src/queues/protocol/query-params.js';
import { resultXml, xmlEscape } from '../../src/queues/protocol/xml.js';
import { decodeReceiptHandle, encodeReceiptHandle } from '../../src/queues/receipt-handle.js';
import { TEST_ARN } from './sqs-server.js';

/** Attributes as a client sends them (wire form), parsed as the service does. */
function attrs(
  raw: Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }>,
) {
  return parseMessageAttributes(raw);
}

describe('sqs wire format: MD5 digests', () => {
  test('body digest is the hex MD5 of the UTF-8 body', () => {
    assert.equal(md5Hex('derp'), '58fd9edd83341c29f1aebba81c31e257');
  });

  // Digests published alongside SQS clients' tests (moto, localstack, sqslite), all
  // computed by real SQS: name order, length prefixes, transport bytes.
  test('attribute digest matches SQS for Number, String, custom types and Binary', () => {
    const cases: Array<[Parameters<typeof attrs>[0], string]> = [
      [
        { timestamp: { DataType: 'Number', StringValue: '1493147359900' } },
        '235c5c510d26fb653d073faed50ae77c',
      ],
      [
        { timestamp: { DataType: 'Number', StringValue: '1493147359901' } },
        '994258b45346a2cc3f9cbb611aa7af30',
      ],
      [
        { timestamp: { DataType: 'Number.java.lang.Long', StringValue: '1493147359900' } },
        '2e2e4876d8e0bd6b8c2c8f556831c349',
      ],
      [
        { somevalue: { DataType: 'String.custom', StringValue: 'somevalue' } },
        '9e05cca738e70ff6c6041e82d5e77ef1',
      ],
      [
        {
          ordinal: { DataType: 'Number', StringValue: '1' },
          category: { DataType: 'String', StringValue: 'test' },
        },
        'd21ae90c49061e927f57df5f5d72be1f',
      ],
      [
        {
          id: { DataType: 'String', StringValue: '453ae55e-f03b-21a6-a4b1-70c2e2e8fe71' },
          mybin: { DataType: 'Binary', BinaryValue: Buffer.from('kekchebukek').toString('base64') },
          timestamp: { DataType: 'Number.java.lang.Long', StringValue: '1603134247654' },
          contentType: { DataType: 'String', StringValue: 'application/json' },
        },
        '049075255ebc53fb95f7f9f3cedf3c50',
      ],
    ];
    for (const [raw, want] of cases) assert.equal(md5OfMessageAttributes(attrs(raw)), want);
  });

  test('no attributes means no digest', () => {
    assert.equal(md5OfMessageAttributes({}), null);
  });
});

describe('sqs wire format: message attributes', () => {
  const refuse = (raw: unknown, pattern: RegExp) =>
    assert.throws(
      () => parseMessageAttributes(raw),
      (e) => e instanceof SqsError && e.code === 'InvalidParameterValue' && pattern.test(e.message),
    );

  test('names, types and values SQS refuses are InvalidParameterValue', () => {
    refuse({ 'AWS.x': { DataType: 'String', StringValue: 'v' } }, /name 'AWS.x' is invalid/);
    refuse({ 'a..b': { DataType: 'String', StringValue: 'v' } }, /invalid/);
    refuse({ a: { DataType: 'Text', StringValue: 'v' } }, /supported type prefixes/);
    refuse({ a: { DataType: 'Number', StringValue: 'abc' } }, /to a number/);
    refuse(
      { a: { DataType: 'String', StringValue: 'bell\u0007' } },
      /Invalid binary character '#x7'/,
    );
    refuse({ a: { DataType: 'String.has space', StringValue: 'v' } }, /supported type prefixes/);
    refuse({ a: { DataType: 'String', StringValue: '' } }, /non-empty/);
    refuse({ a: { DataType: 'Binary' } }, /non-empty/);
    refuse({ a: { DataType: 'String', StringListValues: ['x'] } }, /list values/);
    const eleven = Object.fromEntries(
      Array.from({ length: 11 }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: 'v' }]),
    );
    refuse(eleven, /exceeds the allowed maximum \[10\]/);
  });

  test('MessageAttributeNames select by name, prefix.* and All', () => {
    const a = attrs({
      'order.id': { DataType: 'String', StringValue: '1' },
      'order.kind': { DataType: 'String', StringValue: 'k' },
      trace: { DataType: 'Binary', BinaryValue: 'AQID' },
    });
    assert.deepEqual(Object.keys(selectAttributes(a, ['order.*'])), ['order.id', 'order.kind']);
    assert.deepEqual(Object.keys(selectAttributes(a, ['trace'])), ['trace']);
    assert.equal(Object.keys(selectAttributes(a, ['All'])).length, 3);
    assert.equal(Object.keys(selectAttributes(a, [])).length, 0);
    assert.equal(selectAttributes(a, ['trace']).trace?.binaryValue, 'AQID');
  });
});

describe('sqs wire format: query protocol parameters', () => {
  test('flattened maps, lists and batch entries become the JSON shapes', () => {
    const p = queryToParams(
      parseForm(
        'Action=SendMessageBatch&QueueUrl=u' +
          '&SendMessageBatchRequestEntry.2.Id=b&SendMessageBatchRequestEntry.2.MessageBody=two' +
          '&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=one+%26+more' +
          '&SendMessageBatchRequestEntry.1.MessageAttribute.1.Name=k' +
          '&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType=String' +
          '&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue=v' +
          '&Attribute.1.Name=VisibilityTimeout&Attribute.1.Value=5&AttributeName.1=All&Tag.1.Key=t&Tag.1.Value=x',
      ),
    );
    assert.deepEqual(JSON.parse(JSON.stringify(p.Entries)), [
      {
        Id: 'a',
        MessageBody: 'one & more',
        MessageAttributes: { k: { DataType: 'String', StringValue: 'v' } },
      },
      { Id: 'b', MessageBody: 'two' },
    ]);
    assert.deepEqual({ ...(p.Attributes as object) }, { VisibilityTimeout: '5' });
    assert.deepEqual(p.AttributeNames, ['All']);
    assert.deepEqual({ ...(p.Tags as object) }, { t: 'x' });
  });

  test('a malformed percent escape is MalformedQueryString', () => {
    assert.throws(
      () => parseForm('Action=ListQueues&QueueNamePrefix=%zz'),
      (e) => e instanceof SqsError && e.queryCode === 'MalformedQueryString',
    );
  });

  test('a parameter named __proto__ is only a key', () => {
    const p = queryToParams(parseForm('__proto__.x=1&Tag.1.Key=__proto__&Tag.1.Value=v'));
    assert.equal(({} as Record<string, unknown>).x, undefined);
    assert.equal(Object.keys(p.Tags as object)[0], '__proto__');
  });
});

describe('sqs wire format: XML, URLs and receipt handles', () => {
  test('XML escapes markup and keeps CR as a character reference', () => {
    assert.equal(xmlEscape(`a<b>&"'\r\n`), 'a&lt;b&gt;&amp;&quot;&apos;&#xD;\n');
  });

  test('results are flattened as SQS writes them', () => {
    const xml = resultXml(
      'SendMessageBatch',
      {
        Successful: [{ Id: 'a', MessageId: 'm' }],
        Failed: [{ Id: 'b', SenderFault: true, Code: 'InvalidParameterValue', Message: 'x' }],
      },
      'req-1',
    );
    assert.match(
      xml,
      /<SendMessageBatchResultEntry><Id>a<\/Id><MessageId>m<\/MessageId><\/SendMessageBatchResultEntry>/,
    );
    assert.match(xml, /<BatchResultErrorEntry><Id>b<\/Id><SenderFault>true<\/SenderFault>/);
    assert.match(xml, /<RequestId>req-1<\/RequestId>/);
    const attrsXml = resultXml(
      'GetQueueAttributes',
      { Attributes: { VisibilityTimeout: '30' } },
      'r',
    );
    assert.match(
      attrsXml,
      /<Attribute><Name>VisibilityTimeout<\/Name><Value>30<\/Value><\/Attribute>/,
    );
  });

  test('a queue URL resolves by its last two segments, whatever the host', () => {
    for (const url of [
      'http://localhost:9000/123456789012/jobs',
      'http://127.0.0.1:1/123456789012/jobs',
      'https://sqs.us-east-1.amazonaws.com/123456789012/jobs',
      '/123456789012/jobs',
    ]) {
      assert.equal(nameFromQueueUrl(TEST_ARN, url), 'jobs');
    }
    assert.throws(
      () => nameFromQueueUrl(TEST_ARN, 'http://localhost/999999999999/jobs'),
      (e) => e instanceof SqsError && e.code === 'QueueDoesNotExist',
    );
    assert.throws(
      () => nameFromQueueUrl(TEST_ARN, 'jobs'),
      (e) => e instanceof SqsError && e.code === 'InvalidParameterValue',
    );
  });

  test('receipt handles round-trip and anything else is ReceiptHandleIsInvalid', () => {
    const h = encodeReceiptHandle({ seq: 42, token: 'ab'.repeat(16) });
    assert.deepEqual(decodeReceiptHandle(h), { seq: 42, token: 'ab'.repeat(16) });
    for (const bad of ['', 'garbage', Buffer.from('nimbus:x:y').toString('base64'), `${h}x`]) {
      assert.throws(
        () => decodeReceiptHandle(bad),
        (e) => e instanceof SqsError && e.code === 'ReceiptHandleIsInvalid' && e.status === 404,
      );
    }
  });
});
