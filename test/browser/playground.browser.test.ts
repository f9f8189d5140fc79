/**
 * The playground end to end in headless Chromium: the page loads without console errors,
 * trains on the embedded digits to ≥ 0.85 test accuracy with live curves (one point per
 * epoch), predicts drawn test digits, opens Keras's own .keras file (summary, graph, a run),
 * round-trips its model through IndexedDB across a reload, and trains on MNIST from a dropped
 * Keras `mnist.npz`. A screenshot is kept in
 * test-artifacts/playground.png (TESSERA_UPDATE_SCREENSHOT=1 also refreshes
 * docs/playground.png). Skipped where no Chromium is installed.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Playground, startPlayground } from '../../playground/serve.js';
import { parseIdx } from '../../src/datasets/idx.js';
import { writeNpz } from '../../src/io/npy.js';
import { chromiumPath } from '../helpers/browser_page.js';

const repo = resolve(__dirname, '../..');
const shared = resolve(repo, '..', 'shared');

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
      () => document.getElementById('status')?.textContent === 'trained (digits_mlp)',
      null,
      {
        timeout: 120_000,
      },
    );
    const acc = Number(await page.textContent('#accuracy'));
    // Per-epoch histograms: the first layer's kernel (30 bars holding all 64·64 values) and
    // its outputs on 64 test digits, then the same for the last layer.
    const bars = await page.$$eval('#weights .tessera-histograms-row', (rows) =>
      rows.map((row) =>
        Array.from(row.querySelectorAll('svg')).map((svg) =>
          Array.from(svg.querySelectorAll('rect.bar')).map((r) =>
            Number(r.getAttribute('data-count')),
          ),
        ),
      ),
    );
    expect(bars.map((row) => row.length)).toEqual([2, 2]);
    expect(bars[0]![0]).toHaveLength(30);
    const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
    expect(sum(bars[0]![0]!)).toBe(64 * 64);
    expect(sum(bars[0]![1]!)).toBe(64 * 64);
    expect(sum(bars[1]![0]!)).toBe(64 * 10);
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
    await page.setInputFiles('#files', join(shared, 'models', 'keras', 'mlp', 'mlp.keras'));
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

  it.skipIf(!existsSync(join(shared, 'datasets', 'mnist')))(
    'trains on MNIST from a dropped Keras mnist.npz',
    async () => {
      // Keras's mnist.npz, built from shared's IDX files as Keras's file holds them.
      const idx = (name: string) =>
        parseIdx(new Uint8Array(gunzipSync(readFileSync(join(shared, 'datasets', 'mnist', name)))));
      const u8 = (a: ReturnType<typeof parseIdx>) => ({
        dtype: 'uint8' as const,
        shape: a.shape,
        data: new Uint8Array(a.data),
      });
      const dir = mkdtempSync(join(tmpdir(), 'tessera-pg-'));
      const npz = join(dir, 'mnist.npz');
      writeFileSync(
        npz,
        writeNpz({
          x_train: u8(idx('train-images-idx3-ubyte.gz')),
          y_train: u8(idx('train-labels-idx1-ubyte.gz')),
          x_test: u8(idx('t10k-images-idx3-ubyte.gz')),
          y_test: u8(idx('t10k-labels-idx1-ubyte.gz')),
        }),
      );
      try {
        await page.fill('#epochs', '3');
        await page.fill('#mnist-samples', '6000');
        await page.setInputFiles('#mnist', npz);
        await page.waitForFunction(
          () => document.getElementById('status')?.textContent === 'trained (mnist_mlp)',
          null,
          { timeout: 120_000 },
        );
        // 6,000 images, 3 epochs: the 2,000 test images the page keeps are mostly right.
        expect(Number(await page.textContent('#accuracy'))).toBeGreaterThanOrEqual(0.85);
        expect(
          await page.$eval(
            '#chart polyline[data-name="loss"]',
            (p) => (p as SVGPolylineElement).points.length,
          ),
        ).toBe(3);
        // The first kernel's histogram now holds 784·64 values.
        const kernelCount = await page.$$eval(
          '#weights .tessera-histograms-row:first-child svg:first-child rect.bar',
          (rs) => rs.reduce((a, r) => a + Number(r.getAttribute('data-count')), 0),
        );
        expect(kernelCount).toBe(784 * 64);
        // A file that is not MNIST is refused in the status line.
        const other = join(dir, 'other.npz');
        writeFileSync(
          other,
          writeNpz({ a: { dtype: 'uint8', shape: [1], data: new Uint8Array([1]) } }),
        );
        await page.setInputFiles('#mnist', other);
        await page.waitForFunction(() =>
          (document.getElementById('status')?.textContent ?? '').startsWith('could not train'),
        );
        expect(await page.textContent('#status')).toMatch(
          /other\.npz has no 'x_train': drop Keras's mnist\.npz/,
        );
        expect(errors, errors.join(' | ')).toEqual([]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    240_000,
  );
});
