import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { createBody } from '../helpers/platform.js';
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

test('console: index is no-cache, hashed assets immutable, app paths fall back to index.html', async () => {
  const origin = srv.server.url;
  const index = await fetch(`${origin}/console/`);
  assert.equal(index.status, 200);
  assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(index.headers.get('cache-control'), 'no-cache');
  assert.match(index.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  const html = await index.text();
  const js = /src="(\/console\/assets\/main-[A-Z0-9]{8}\.js)"/.exec(html)?.[1];
  const css = /href="(\/console\/assets\/main-[A-Z0-9]{8}\.css)"/.exec(html)?.[1];
  assert.ok(js && css, html);
  const script = await fetch(origin + js);
  assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.equal(script.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.equal((await fetch(origin + css)).headers.get('content-type'), 'text/css; charset=utf-8');
  const deep = await fetch(`${origin}/console/functions/x/logs`);
  assert.equal(deep.status, 200);
  assert.equal(await deep.text(), html);
  assert.equal((await fetch(`${origin}/console`)).status, 200);
  assert.equal((await fetch(`${origin}/console/assets/main-AAAAAAAA.js`)).status, 404);
  assert.equal((await fetch(`${origin}/console/assets/..%2Fserver.js`)).status, 404);
});

test('console: phone width in dark mode — failed async record, its error, redrive of the dead letter', async () => {
  const origin = srv.server.url;
  const lambda = (path: string, init: RequestInit = {}) => fetch(`${origin}${path}`, init);
  const created = await lambda('/2015-03-31/functions', {
    method: 'POST',
    body: await createBody('breaks', {
      'index.mjs': "export const handler = async () => { throw new Error('broken on purpose'); };",
    }),
  });
  assert.equal(created.status, 201, await created.text());
  const cfg = await lambda('/2019-09-25/functions/breaks/event-invoke-config', {
    method: 'PUT',
    body: JSON.stringify({ MaximumRetryAttempts: 0 }),
  });
  assert.equal(cfg.status, 200, await cfg.text());
  const queued = await lambda('/2015-03-31/functions/breaks/invocations', {
    method: 'POST',
    headers: { 'x-amz-invocation-type': 'Event' },
    body: '{"n":1}',
  });
  assert.equal(queued.status, 202);
  const requestId = queued.headers.get('x-amzn-requestid')!;

  const { page, requests, errors, context } = await openPage(browser, {
    width: 375,
    height: 800,
    colorScheme: 'dark',
  });
  await page.goto(`${origin}/console/functions/breaks/invocations`);
  const bg = await page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
  assert.equal(bg, 'rgb(13, 17, 23)');
  // The dead letter appears once the one attempt failed.
  const letters = page.getByRole('region', { name: 'Dead letters' });
  for (let i = 0; i < 40; i++) {
    if ((await letters.getByRole('link', { name: requestId }).count()) > 0) break;
    await page.waitForTimeout(250);
    if (i % 4 === 3) await page.reload();
  }
  await letters.getByRole('link', { name: requestId }).waitFor();
  await shot(page, 'invocations-375-dark');
  const wide = await page.evaluate<string[]>(
    "[...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > 376 && !e.closest('.table-wrap, .tabs')).map((e) => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 8)",
  );
  assert.equal(
    await page.evaluate<boolean>('document.documentElement.scrollWidth <= 375'),
    true,
    `the page scrolls sideways at 375 px: ${wide.join(', ')}`,
  );
  await shot(page, 'invocations-375-dark');

  await page.getByLabel('Status').selectOption('dead-lettered');
  await page
    .getByRole('region', { name: 'Invocations' })
    .getByRole('link', { name: requestId })
    .click();
  await page.getByRole('region', { name: 'Error' }).getByText('broken on purpose').waitFor();
  await shot(page, 'invocation-375-dark');
  await page.goBack();
  await letters.getByRole('button', { name: 'Redrive', exact: true }).click();
  await page.getByText('Queued 1 event again.').waitFor();

  // Bad input gets the API's words and code on the page.
  await page.goto(`${origin}/console/new`);
  await page.getByLabel('Function name').fill('bad-zip');
  await page.getByLabel('Upload a .zip').check();
  await page.getByLabel('Zip file').setInputFiles({
    name: 'code.zip',
    mimeType: 'application/zip',
    buffer: Buffer.from('this is not a zip'),
  });
  await page.getByRole('button', { name: 'Create function' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(
    await alert.innerText(),
    /\((InvalidParameterValueException|InvalidZipFileException)\)/,
  );
  await shot(page, 'create-error-375-dark');

  await page.goto(`${origin}/console/functions/breaks/test`);
  await page.getByLabel('Event JSON').waitFor();
  await shot(page, 'test-375-dark');
  // Set in the page: typing 6 MB through the protocol would take long.
  await page.evaluate(
    "(() => { const t = document.querySelector('textarea[name=payload]'); t.value = JSON.stringify({ big: 'x'.repeat(6300000) }); t.dispatchEvent(new Event('input', { bubbles: true })); })()",
  );
  await page.getByRole('button', { name: 'Invoke' }).click();
  await page.getByText(/\(RequestTooLargeException\)/).waitFor();

  // A wrong handler: the function's error is shown with its type.
  const wrong = await lambda('/2015-03-31/functions/breaks/configuration', {
    method: 'PUT',
    body: JSON.stringify({ Handler: 'nope.handler' }),
  });
  assert.equal(wrong.status, 200);
  await page.goto(`${origin}/console/functions/breaks/test`);
  await page.getByRole('button', { name: 'Invoke' }).click();
  const result = page.getByRole('region', { name: 'Result' });
  await result.getByRole('heading', { name: /^Failed: Unhandled/ }).waitFor();
  assert.match(
    await result.getByTestId('response').innerText(),
    /Runtime\.(ImportModuleError|HandlerNotFound)/,
  );

  // Every page at phone width.
  const ready: Record<string, string> = {
    '': 'text=Deploy code',
    '/logs': '.badge.live',
    '/metrics': '.chart canvas',
    '/versions': 'text=Publish a version from $LATEST',
    '/triggers': 'text=No HTTP routes.',
  };
  for (const [tab, selector] of Object.entries(ready)) {
    await page.goto(`${origin}/console/functions/breaks${tab}`);
    await page.locator(selector).first().waitFor();
    await shot(page, `function${tab.replace('/', '-') || '-overview'}-375-dark`);
    assert.equal(
      await page.evaluate<boolean>('document.documentElement.scrollWidth <= 375'),
      true,
      `${tab || 'overview'} scrolls sideways at 375 px`,
    );
  }

  assert.deepEqual(foreign(requests, origin), []);
  assert.deepEqual(errors, []);
  await context.close();
});
