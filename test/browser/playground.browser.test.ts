/**
 * The playground end to end in headless Chromium: the page loads without console errors,
 * trains on the embedded digits to ≥ 0.85 test accuracy with live curves (one point per
 * epoch), predicts drawn test digits, opens Keras's own .keras file (summary, graph, a run),
 * and round-trips its model through IndexedDB across a reload. A screenshot is kept in
 * test-artifacts/playground.png (TESSERA_UPDATE_SCREENSHOT=1 also refreshes
 * docs/playground.png). Skipped where no Chromium is installed.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Playground, startPlayground } from '../../playground/serve.js';
import { chromiumPath } from '../helpers/browser_page.js';

const repo = resolve(__dirname, '../..');

describe.skipIf(!chromiumPath)('the playground', () => {
  let pg: Playground;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    pg = await startPlayground();
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--no-sandbox', '--headless=new'],
    });
    page = await browser.newPage({ viewport: { width: 1200, height: 1400 } });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(pg.url);
    await page.waitForSelector('body[data-ready="1"]', { timeout: 30_000 });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await pg?.close();
  });

  it('trains with live curves, predicts drawn digits, opens a .keras file and keeps the model in IndexedDB', async () => {
    expect(await page.textContent('#backend')).toMatch(/^backend: (wasm|js)/);
    await page.fill('#epochs', '25');
    await page.click('#train');
    await page.waitForFunction(
      () => document.getElementById('status')?.textContent === 'trained',
      null,
      {
        timeout: 120_000,
      },
    );
    const acc = Number(await page.textContent('#accuracy'));
    // The first layer's kernel as a histogram of 30 bars holding all 64·64 values.
    const bars = await page.$$eval('#weights rect.bar', (rs) =>
      rs.map((r) => Number(r.getAttribute('data-count'))),
    );
    expect(bars).toHaveLength(30);
    expect(bars.reduce((a, b) => a + b, 0)).toBe(64 * 64);
    // The progress bar in the page: the last epoch's header and its finished bar.
    expect(await page.textContent('#progress')).toMatch(/Epoch 25\/25\n\d+\/\d+ ━+ .* - loss: /);
    expect(acc).toBeGreaterThanOrEqual(0.85);
    // The live chart: the loss and val_loss lines, a point per epoch.
    const points = await page.$eval(
      '#chart polyline[data-name="loss"]',
      (p) => (p as SVGPolylineElement).points.length,
    );
    expect(points).toBe(25);
    expect(await page.$$eval('#chart polyline', (ps) => ps.length)).toBeGreaterThanOrEqual(4);

    // Test digits drawn on the pad are mostly recognised.
    let right = 0;
    for (let i = 0; i < 10; i++) {
      await page.click('#sample');
      await page.click('#predict');
      if ((await page.textContent('#prediction')) === (await page.textContent('#sample-label')))
        right++;
    }
    expect(right).toBeGreaterThanOrEqual(7);
    // A stroke drawn with the mouse goes through the same path to a digit.
    await page.click('#clear');
    await page.$eval('#pad', (el) => el.scrollIntoView());
    const b = (await (await page.$('#pad'))!.boundingBox())!;
    await page.mouse.move(b.x + 80, b.y + 20);
    await page.mouse.down();
    await page.mouse.move(b.x + 80, b.y + 140, { steps: 10 });
    await page.mouse.up();
    // The stroke is on the pad: its middle is white ink.
    const mid = await page.$eval('#pad', (c) =>
      Array.from((c as HTMLCanvasElement).getContext('2d')!.getImageData(80, 80, 1, 1).data),
    );
    expect(mid.slice(0, 3)).toEqual([255, 255, 255]);
    await page.click('#predict');
    expect(await page.textContent('#prediction')).toMatch(/^\d$/);

    // Keras's own .keras file: summary, graph and a run.
    await page.setInputFiles('#files', '/work/shared/models/keras/mlp/mlp.keras');
    await page.waitForFunction(() => (document.getElementById('run')?.textContent ?? '') !== '');
    expect(await page.textContent('#summary')).toMatch(/Total params/);
    expect(await page.$$eval('#graph svg rect', (r) => r.length)).toBeGreaterThan(1);
    expect(await page.textContent('#run')).toMatch(/→ output \[/);

    mkdirSync(join(repo, 'test-artifacts'), { recursive: true });
    const shot = join(repo, 'test-artifacts', 'playground.png');
    await page.screenshot({ path: shot, fullPage: true });
    if (process.env.TESSERA_UPDATE_SCREENSHOT === '1')
      copyFileSync(shot, join(repo, 'docs', 'playground.png'));

    // IndexedDB across a reload: the trained model comes back with its accuracy.
    await page.click('#save');
    await page.waitForFunction(() =>
      document.getElementById('storage')?.textContent?.startsWith('saved'),
    );
    await page.reload();
    await page.waitForSelector('body[data-ready="1"]');
    await page.click('#load');
    await page.waitForFunction(() =>
      document.getElementById('storage')?.textContent?.startsWith('loaded'),
    );
    expect(await page.textContent('#summary')).toMatch(/digits_mlp/);
    expect(Number(await page.textContent('#accuracy'))).toBeCloseTo(acc, 6);
    expect(errors, errors.join(' | ')).toEqual([]);
  }, 240_000);
});
