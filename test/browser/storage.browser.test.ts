/**
 * Saving and loading in a real browser: `saveModel`/`loadModel` with `indexeddb://`,
 * `localstorage://` and `downloads://` (the download's bytes load in Node as a .keras file),
 * and a `File`, in headless Chromium on a page served from 127.0.0.1. Skipped where no
 * Chromium is installed.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelFromBytes } from '../../src/io/save_load.js';
import { type TestPage, chromiumPath, openTestPage } from '../helpers/browser_page.js';

describe.skipIf(!chromiumPath)('browser model storage', () => {
  let opened: TestPage;

  beforeAll(async () => {
    opened = await openTestPage(
      fileURLToPath(new URL('./storage_entry.ts', import.meta.url)),
      'roundTrips',
    );
  }, 30_000);

  afterAll(async () => {
    await opened?.close();
  });

  it('round-trips through IndexedDB, localStorage, a download and a File', async () => {
    const download = opened.page.waitForEvent('download');
    const r = (await opened.page.evaluate(() =>
      (globalThis as unknown as { roundTrips(): Promise<unknown> }).roundTrips(),
    )) as {
      want: number[];
      idb: number[];
      ls: number[];
      file: number[];
      compiled: boolean;
      missing: string;
    };
    expect(r.want).toHaveLength(4);
    expect(r.idb).toEqual(r.want);
    expect(r.ls).toEqual(r.want);
    expect(r.file).toEqual(r.want);
    expect(r.compiled).toBe(true);
    expect(r.missing).toMatch(
      /^FileError: loadModel: no model saved as 'indexeddb:\/\/nothing-here'/,
    );
    const d = await download;
    expect(d.suggestedFilename()).toBe('digits.keras');
    const bytes = new Uint8Array(await readFile((await d.path())!));
    const m = await loadModelFromBytes(bytes);
    expect(m.layers).toHaveLength(2);
  }, 60_000);
});
