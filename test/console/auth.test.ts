import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { startAuthServer } from '../helpers/auth-server.js';
import { buildConsole, foreign, launchChromium, openPage, shot } from './browser.js';

let browser: Browser;
let srv: Awaited<ReturnType<typeof startAuthServer>>;

before(async () => {
  buildConsole();
  srv = await startAuthServer();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await srv?.close();
});

test('console: with auth on, a wrong secret is refused in words, the right one signs in and stays in memory', async () => {
  const origin = srv.server.url;
  const { page, requests, context, errors } = await openPage(browser);
  // The page itself needs no signature; the API behind it does.
  await page.goto(`${origin}/console/`);
  await page.getByRole('heading', { name: 'Sign in to Nimbus' }).waitFor();
  const unsigned = await page.evaluate(
    (o: string) => fetch(`${o}/2015-03-31/functions`).then((r) => r.status),
    origin,
  );
  assert.equal(unsigned, 403);
  const unsignedEvents = await page.evaluate(
    (o: string) => fetch(`${o}/nimbus/v1/functions/x/test-events`).then((r) => r.status),
    origin,
  );
  assert.equal(unsignedEvents, 403);

  await page.getByLabel('Access key id').fill(srv.admin.accessKeyId);
  await page.getByLabel('Secret access key').fill('x'.repeat(40));
  await page.getByRole('button', { name: 'Sign in' }).click();
  const refusal = page.getByRole('alert');
  await refusal.waitFor();
  assert.match(
    await refusal.innerText(),
    /Sign-in failed: .*signature.*\(InvalidSignatureException\)/,
  );

  await page.getByLabel('Access key id').fill('NIMBUSNOSUCHKEY00000');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText(/UnrecognizedClientException/).waitFor();
  await shot(page, 'sign-in-error-1280');

  await page.getByLabel('Access key id').fill(srv.admin.accessKeyId);
  await page.getByLabel('Secret access key').fill(srv.admin.secretAccessKey);
  // The form submits on Enter.
  await page.getByLabel('Secret access key').press('Enter');
  await page.getByText('No functions yet').waitFor();
  await page.getByText(srv.admin.accessKeyId).waitFor();

  // Signed requests work for writes too: a saved test event needs a function first.
  await page.getByRole('main').getByRole('link', { name: 'Create function' }).click();
  await page.getByLabel('Function name').fill('signed-fn');
  await page.getByRole('button', { name: 'Create function' }).click();
  await page.getByRole('heading', { name: 'signed-fn', level: 1 }).waitFor();
  await page.getByRole('link', { name: 'Test' }).click();
  await page.getByRole('button', { name: 'Invoke' }).click();
  await page
    .getByRole('region', { name: 'Result' })
    .getByRole('heading', { name: 'Succeeded' })
    .waitFor();

  // The live tail is a signed stream too.
  await page.getByRole('link', { name: 'Logs' }).click();
  await page.locator('.badge.live').waitFor();
  await page.locator('.log-line', { hasText: 'got event' }).first().waitFor();

  // Bucket notifications go to the built-in S3, signed in its own scope.
  await page.getByRole('link', { name: 'Triggers' }).click();
  await page
    .getByRole('region', { name: 'Bucket notifications' })
    .getByText('No buckets yet')
    .waitFor();

  // A string, not a function: this file is type-checked without the DOM library.
  const stored = await page.evaluate<{ local: string; session: string; cookie: string }>(
    '({ local: JSON.stringify({ ...localStorage }), session: JSON.stringify({ ...sessionStorage }), cookie: document.cookie })',
  );
  const cookies = JSON.stringify(await context.cookies());
  for (const place of [stored.local, stored.session, stored.cookie, cookies]) {
    assert.ok(!place.includes(srv.admin.secretAccessKey), 'the secret was stored by the page');
  }
  // No request carried the secret either (only signatures).
  assert.ok(!requests.some((u) => u.includes(srv.admin.secretAccessKey)));

  // A reload forgets the key.
  await page.reload();
  await page.getByRole('heading', { name: 'Sign in to Nimbus' }).waitFor();
  assert.deepEqual(foreign(requests, origin), []);
  assert.deepEqual(errors, []);
  await context.close();
});
