import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import {
  buildConsole,
  foreign,
  launchChromium,
  openPage,
  shot,
  startConsoleServer,
} from './browser.js';

let browser: Browser;
let srv: Awaited<ReturnType<typeof startConsoleServer>>;

before(async () => {
  buildConsole();
  srv = await startConsoleServer();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await srv?.close();
});

const HANDLER = `export const handler = async (event) => {
  console.log('console-marker', event.Records ? 'sqs' : 'other');
  return { statusCode: 200, body: JSON.stringify({ hello: 'console', records: event.Records?.length ?? 0 }) };
};
`;

test('console: create inline, invoke a template event, tail, record, chart, route, delete', async () => {
  const origin = srv.server.url;
  const { page, requests, errors, context } = await openPage(browser);
  await page.goto(`${origin}/console/`);
  await page.getByText('No functions yet').waitFor();
  await shot(page, 'functions-empty-1280');

  // Create from the inline editor (zipped in the browser).
  await page.getByRole('main').getByRole('link', { name: 'Create function' }).click();
  await page.getByLabel('Function name').fill('hello-console');
  await page.getByLabel('index.mjs').fill(HANDLER);
  await page.getByLabel('Environment variables').fill('GREETING=hi');
  await shot(page, 'create-1280');
  await page.getByRole('button', { name: 'Create function' }).click();
  await page.getByRole('heading', { name: 'hello-console', level: 1 }).waitFor();
  assert.match(await page.locator('.summary').innerText(), /nodejs20\.x · 128 MB · 3 s/);
  // The inline editor shows the deployed file again.
  await page.getByLabel('index.mjs').waitFor();
  assert.match(await page.getByLabel('index.mjs').inputValue(), /console-marker/);

  // Invoke with the SQS template, save it, see the response and REPORT.
  await page.getByRole('link', { name: 'Test' }).click();
  await page.getByLabel('Start from').selectOption({ label: 'SQS queue message' });
  await page.getByLabel('Event name').fill('sqs-one');
  await page.getByRole('button', { name: 'Save event' }).click();
  await page.getByText('Saved test event sqs-one.').waitFor();
  await page.getByRole('button', { name: 'Invoke' }).click();
  const result = page.getByRole('region', { name: 'Result' });
  await result.getByRole('heading', { name: 'Succeeded' }).waitFor();
  assert.match(
    await result.getByTestId('response').innerText(),
    /\\"hello\\":\\"console\\"|"hello"/,
  );
  assert.match(await result.getByTestId('response').innerText(), /records\\?":1/);
  const report = result.getByLabel('REPORT');
  assert.match(await report.innerText(), /Billed Duration\s+\d+ ms/);
  assert.match(await report.innerText(), /Memory Size\s+128 MB/);
  assert.match(await result.getByTestId('tail').innerText(), /console-marker\s+sqs/);
  await shot(page, 'test-1280');
  const requestId = (await result.getByRole('link').first().innerText()).trim();

  // The saved event is kept by the server: a reload shows it first.
  await page.reload();
  await page.getByLabel('Event name').waitFor();
  await page.waitForFunction(
    "document.querySelector('input[name=eventName]')?.value === 'sqs-one'",
  );

  // The log line arrives in the live tail; its request id opens the record.
  await page.getByRole('link', { name: 'Logs' }).click();
  const line = page.locator('.log-line', { hasText: 'console-marker' }).first();
  await line.waitFor();
  await page.getByText('live', { exact: true }).waitFor();
  // A second invocation shows up live, without reloading.
  await page.evaluate(
    (o) =>
      fetch(`${o}/2015-03-31/functions/hello-console/invocations`, {
        method: 'POST',
        body: '{"live":1}',
      }),
    origin,
  );
  await page.locator('.log-line', { hasText: 'console-marker other' }).waitFor();
  await page.getByLabel('Filter text').fill('sqs');
  assert.equal(await page.locator('.log-line', { hasText: 'console-marker other' }).count(), 0);
  await shot(page, 'logs-1280');
  await line.getByRole('link').click();
  await page.getByRole('heading', { name: `Invocation ${requestId}` }).waitFor();
  const record = page.getByLabel('Record');
  assert.match(await record.innerText(), /succeeded/);
  assert.match(await record.innerText(), /Start type\s+(cold|prewarmed)/);
  assert.match(await page.getByRole('region', { name: 'Logs' }).innerText(), /console-marker sqs/);
  await shot(page, 'invocation-1280');

  // Records list with a status filter.
  await page.getByRole('link', { name: 'hello-console' }).first().click();
  await page.getByRole('link', { name: 'Invocations' }).click();
  await page.getByRole('link', { name: requestId }).waitFor();
  await page.getByLabel('Status').selectOption('failed');
  await page.getByText('No invocations with status failed.').waitFor();

  // Charts from the per-minute aggregates.
  await page.getByRole('link', { name: 'Metrics' }).click();
  await page.locator('.chart canvas').first().waitFor();
  assert.equal(await page.locator('.chart canvas').count(), 3);
  await page.getByLabel('Summary').getByText('Invocations').waitFor();
  assert.match(await page.getByLabel('Summary').innerText(), /Invocations\s+2/);
  await page.getByRole('button', { name: '24 hours' }).click();
  await page.locator('.chart canvas').first().waitFor();
  await shot(page, 'metrics-1280');

  // An HTTP route, called through the gateway.
  assert.equal((await fetch(`${origin}/photos`, { method: 'PUT' })).status, 200);
  await page.getByRole('link', { name: 'Triggers' }).click();
  await page.getByRole('textbox', { name: /^Route/ }).fill('GET /from-console');
  await page.getByRole('button', { name: 'Add route' }).click();
  await page.getByRole('cell', { name: 'GET /from-console' }).waitFor();
  const viaGateway = await fetch(`${srv.server.httpUrl}/from-console`);
  assert.equal(viaGateway.status, 200);
  assert.match(await viaGateway.text(), /"hello":"console"/);
  await shot(page, 'triggers-1280');

  // A bucket notification, added (kept by the bucket) and removed.
  const buckets = page.getByRole('region', { name: 'Bucket notifications' });
  await buckets.getByLabel('Key suffix').fill('.jpg');
  await buckets.getByRole('button', { name: 'Add notification' }).click();
  await buckets.getByRole('cell', { name: '*.jpg' }).waitFor();
  const config = await (await fetch(`${origin}/photos?notification`)).text();
  assert.match(
    config,
    /<CloudFunction>arn:aws:lambda:[^<]+:function:hello-console<\/CloudFunction>/,
  );
  await shot(page, 'triggers-1280');
  await buckets.getByRole('button', { name: 'Remove' }).click();
  await buckets.getByText('No bucket notifications.').waitFor();

  // A timer and a function URL, added and removed.
  await page.getByRole('button', { name: 'Create a function URL (no auth)' }).click();
  await page.getByRole('region', { name: 'Function URL' }).getByText('(NONE)').waitFor();
  await page.getByRole('button', { name: 'Remove URL' }).click();
  await page.getByRole('button', { name: 'Create a function URL (no auth)' }).waitFor();
  await page.getByLabel('Timer name').fill('every-five');
  await page.getByRole('textbox', { name: /^Schedule/ }).fill('rate(5 minutes)');
  await page.getByRole('button', { name: 'Add timer' }).click();
  const timers = page.getByRole('region', { name: 'Timers' });
  await timers.getByRole('cell', { name: 'rate(5 minutes)' }).waitFor();
  await timers.getByRole('button', { name: 'Remove' }).click();
  await timers.getByText('No timers.').waitFor();

  // A published version and a weighted alias.
  await page.getByRole('link', { name: 'Versions & aliases' }).click();
  await page.getByRole('button', { name: 'Publish a version from $LATEST' }).click();
  await page.getByRole('cell', { name: '1', exact: true }).waitFor();
  const changed = await fetch(`${origin}/2015-03-31/functions/hello-console/configuration`, {
    method: 'PUT',
    body: JSON.stringify({ Timeout: 4 }),
  });
  assert.equal(changed.status, 200);
  await page.getByRole('button', { name: 'Publish a version from $LATEST' }).click();
  await page.getByRole('cell', { name: '2', exact: true }).waitFor();
  await page.getByLabel('Alias name').fill('live');
  await page.getByRole('combobox', { name: /^Version/ }).selectOption('1');
  await page.getByRole('combobox', { name: /^Second version/ }).selectOption('2');
  await page.getByLabel('Its weight (%)').fill('20');
  await page.getByRole('button', { name: 'Save alias' }).click();
  await page.getByRole('cell', { name: '2: 20%' }).waitFor();
  await shot(page, 'versions-1280');

  // Delete with confirmation.
  await page.getByRole('link', { name: 'Code & configuration' }).click();
  await page.getByRole('button', { name: 'Delete function' }).click();
  await page.getByRole('button', { name: 'Yes, delete hello-console' }).click();
  await page.getByText('No functions yet').waitFor();

  assert.deepEqual(foreign(requests, origin), []);
  assert.deepEqual(errors, []);
  await context.close();
});
