/**
 * A page in headless Chromium (Debian's, through playwright-core) running a test entry bundled
 * by esbuild for the browser and served from 127.0.0.1: the browser tests' shared harness.
 */
import { existsSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';

/** The Chromium to drive, or undefined where none is installed (the tests then skip). */
export const chromiumPath = [process.env.TESSERA_CHROMIUM, '/usr/bin/chromium'].find(
  (p): p is string => !!p && existsSync(p),
);

/** A served page; `close()` ends the browser and the server. */
export interface TestPage {
  page: Page;
  close(): Promise<void>;
}

/**
 * Bundles `entry` (a path) for the browser, serves it, opens it in Chromium and waits until the
 * page has defined `readyGlobal` on globalThis (errors thrown by the page are reported); `query`
 * (e.g. `?refuse`) is appended to the page's address.
 */
export async function openTestPage(
  entry: string,
  readyGlobal: string,
  query = '',
  /** More scripts to serve, bundled the same way: URL path (e.g. `/worker.js`) → entry file. */
  extra: Record<string, string> = {},
  /** Headers on every response (e.g. COOP/COEP for a cross-origin isolated page). */
  headers: Record<string, string> = {},
): Promise<TestPage> {
  const scripts = new Map<string, string>();
  for (const [path, file] of Object.entries({ '/entry.js': entry, ...extra })) {
    const bundle = await build({
      entryPoints: [file],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      // Node built-ins are only ever reached through dynamic imports on Node-only paths.
      external: ['node:*'],
      logLevel: 'silent',
    });
    scripts.set(path, bundle.outputFiles[0]!.text);
  }
  const server: Server = createServer((req, res) => {
    const js = scripts.get(req.url ?? '');
    if (js !== undefined) {
      res.writeHead(200, { ...headers, 'content-type': 'text/javascript' });
      res.end(js);
    } else {
      res.writeHead(200, { ...headers, 'content-type': 'text/html' });
      res.end('<!doctype html><script type="module" src="/entry.js"></script>');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { chromium } = await import('playwright-core');
  const browser: Browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--headless=new'],
  });
  const close = async () => {
    await browser.close();
    await new Promise<void>((r) => server.close(() => r()));
  };
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/${query}`);
    await page
      .waitForFunction((g) => g in globalThis, readyGlobal, { timeout: 10_000 })
      .catch(() => {
        throw new Error(
          `the page did not define ${readyGlobal}: ${errors.join('; ') || 'no error'}`,
        );
      });
    return { page, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/**
 * Opens a test page (see {@link openTestPage}), returns the value it left in `readyGlobal`, and
 * closes it: the pattern of the tests whose page script reports one result.
 */
export async function testPageResult<T = Record<string, unknown>>(
  entry: string,
  readyGlobal: string,
  query = '',
  extra: Record<string, string> = {},
  headers: Record<string, string> = {},
): Promise<T> {
  const opened = await openTestPage(entry, readyGlobal, query, extra, headers);
  try {
    return (await opened.page.evaluate(
      (g) => (globalThis as unknown as Record<string, unknown>)[g],
      readyGlobal,
    )) as T;
  } finally {
    await opened.close();
  }
}
