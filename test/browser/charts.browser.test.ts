/**
 * The charts in a real browser: `fitCallbacks` draws live curves into a page during `fit`
 * (headless Chromium), the SVGs parse as SVG, and the drawn lines have a point per epoch.
 * Skipped where no Chromium is installed.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestPage, chromiumPath, openTestPage } from '../helpers/browser_page.js';

describe.skipIf(!chromiumPath)('charts in headless Chromium', () => {
  let opened: TestPage;

  beforeAll(async () => {
    opened = await openTestPage(
      fileURLToPath(new URL('./charts_entry.ts', import.meta.url)),
      'trainWithCharts',
    );
  }, 30_000);

  afterAll(async () => {
    await opened?.close();
  });

  it('draws the curves of fit into the page as it trains', async () => {
    const r = await opened.page.evaluate(() =>
      (
        globalThis as unknown as { trainWithCharts(): Promise<Record<string, unknown>> }
      ).trainWithCharts(),
    );
    expect(r.hasSvg).toBe(true);
    expect(r.width).toBe(480);
    expect(r.lines).toBe(2);
    expect(r.lossPoints).toBe(5);
    expect(r.parseErrors).toBe(0);
    expect(r.cells).toBe(4);
  }, 60_000);
});
