import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateFunctionCommand,
  InvokeCommand,
  LambdaClient,
  type LambdaClientConfig,
  ListFunctionsCommand,
  type Runtime,
} from '@aws-sdk/client-lambda';
import { type Credentials, createSigner } from '../../src/shared/sigv4.js';
import { startAuthServer } from '../helpers/auth-server.js';
import { makeZip } from '../helpers/platform.js';

// The SDK types Runtime as an enum of known names; the host's major is one of them.
const RUNTIME = `nodejs${process.versions.node.split('.')[0]}.x` as Runtime;
const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/** What a failed SDK call threw, in the parts the tests compare. */
async function failure(
  p: Promise<unknown>,
): Promise<{ name: string; message: string; status?: number }> {
  try {
    await p;
  } catch (e) {
    // The SDK's service exceptions carry $metadata; anything else fails the test below.
    const err = e as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode };
  }
  assert.fail('the call succeeded');
}

describe('conformance: @aws-sdk/client-lambda against a server with auth on', () => {
  let env: Awaited<ReturnType<typeof startAuthServer>>;
  const clients: LambdaClient[] = [];
  const client = (credentials: Credentials, extra: Partial<LambdaClientConfig> = {}) => {
    const c = new LambdaClient({
      endpoint: env.server.url, // explicit: never the real AWS
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
      ...extra,
    });
    clients.push(c);
    return c;
  };
  before(async () => {
    env = await startAuthServer();
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await env.close();
  });

  test('the right secret: CreateFunction, ListFunctions and Invoke work', async () => {
    const lambda = client(env.admin);
    const zip = await makeZip({ 'index.js': 'exports.handler = async (e) => ({ got: e });' });
    const created = await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'signed-hello',
        Runtime: RUNTIME,
        Handler: 'index.handler',
        Role: 'arn:aws:iam::000000000000:role/lambda',
        Code: { ZipFile: zip },
      }),
    );
    assert.equal(created.$metadata.httpStatusCode, 201);
    const listed = await lambda.send(new ListFunctionsCommand({}));
    assert.deepEqual(
      listed.Functions?.map((f) => f.FunctionName),
      ['signed-hello'],
    );
    const out = await lambda.send(
      new InvokeCommand({ FunctionName: 'signed-hello', Payload: Buffer.from('{"a":1}') }),
    );
    assert.equal(out.StatusCode, 200);
    assert.deepEqual(JSON.parse(Buffer.from(out.Payload!).toString()), { got: { a: 1 } });
  });

  test('a wrong secret: 403 InvalidSignatureException', async () => {
    const lambda = client({ accessKeyId: env.admin.accessKeyId, secretAccessKey: 'wrong' });
    assert.deepEqual(await failure(lambda.send(new ListFunctionsCommand({}))), {
      name: 'InvalidSignatureException',
      message: MISMATCH,
      status: 403,
    });
  });

  test('an unknown key: 403 UnrecognizedClientException', async () => {
    const lambda = client({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x' });
    assert.deepEqual(await failure(lambda.send(new ListFunctionsCommand({}))), {
      name: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
      status: 403,
    });
  });

  test('unsigned fetch: 403 UnrecognizedClientException; /health stays open', async () => {
    const res = await fetch(`${env.server.url}/2015-03-31/functions`);
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('x-amzn-errortype'), 'UnrecognizedClientException');
    const invoke = await fetch(`${env.server.url}/2015-03-31/functions/signed-hello/invocations`, {
      method: 'POST',
      body: '{}',
    });
    assert.equal(invoke.status, 403);
    assert.equal((await fetch(`${env.server.url}/health`)).status, 200);
  });

  test('a deleted key stops working at once', async () => {
    const key = await env.server.platform.keys.create('short-lived');
    const lambda = client(key);
    await lambda.send(new ListFunctionsCommand({}));
    // Deleted through the API, signed by the admin key.
    const url = `${env.server.url}/nimbus/v1/keys/${key.accessKeyId}`;
    const del = await fetch(url, {
      method: 'DELETE',
      headers: await signedHeaders(env.admin, 'DELETE', url),
    });
    assert.equal(del.status, 204);
    assert.equal(
      (await failure(lambda.send(new ListFunctionsCommand({})))).name,
      'UnrecognizedClientException',
    );
  });

  test('a request signed 10 minutes ago is refused: Signature expired', async () => {
    const lambda = client(env.admin, { systemClockOffset: -10 * 60_000 });
    const f = await failure(lambda.send(new ListFunctionsCommand({})));
    assert.equal(f.name, 'InvalidSignatureException');
    assert.equal(f.status, 403);
    assert.match(
      f.message,
      /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/,
    );
  });
});

/** Headers of a request signed as the SDK signs it, for a plain fetch to `url`. */
async function signedHeaders(
  creds: Credentials,
  method: string,
  url: string,
): Promise<Record<string, string>> {
  const u = new URL(url);
  const signed = await createSigner(creds, 'us-east-1').sign(
    {
      method,
      protocol: u.protocol,
      hostname: u.hostname,
      path: u.pathname,
      headers: { host: u.host },
    },
    { signingDate: new Date() },
  );
  return signed.headers;
}
