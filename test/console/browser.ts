import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { type RunningServer, startServer } from '../../src/server.js';
import { resolveConfig, type ServerConfig } from '../../src/shared/config.js';

/** Where the browser tests write their screenshots. */
export const SHOTS_DIR = path.resolve('test-results/console');

/** Bundles console/src into dist/console (what `npm run build` does last). */
export function buildConsole(): void {
  const r = spawnSync(process.execPath, ['scripts/build-console.mjs'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build-console failed: ${r.stderr}`);
}

/** A real server on 127.0.0.1 in a temp data dir. */
export async function startConsoleServer(
  overrides: Partial<Record<keyof ServerConfig, string | number>> = {},
): Promise<{ server: RunningServer; dataDir: string; close(): Promise<void> }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'nimbus-console-'));
  const server = await startServer(
    resolveConfig({ dataDir, host: '127.0.0.1', port: 0, httpPort: 0, ...overrides }, {}),
  );
  return {
    server,
    dataDir,
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
}

/**
 * A page whose every request is recorded (to check none leaves the server) and
 * whose console errors are collected.
 */
export async function openPage(
  browser: Browser,
  opts: { width?: number; height?: number; colorScheme?: 'light' | 'dark' } = {},
): Promise<{ context: BrowserContext; page: Page; requests: string[]; errors: string[] }> {
  const context = await browser.newContext({
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 900 },
    colorScheme: opts.colorScheme ?? 'light',
  });
  const page = await context.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(e.message));
  // Content-Security-Policy refusals are reported on the console.
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) errors.push(m.text());
  });
  page.setDefaultTimeout(15_000);
  return { context, page, requests, errors };
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS_DIR, `${name}.png`), fullPage: true });
}

/** Requests that went anywhere but `origin` (data: and blob: URLs stay in the page). */
export function foreign(requests: string[], origin: string): string[] {
  return requests.filter(
    (u) => !u.startsWith(`${origin}/`) && !u.startsWith('data:') && !u.startsWith('blob:'),
  );
}
