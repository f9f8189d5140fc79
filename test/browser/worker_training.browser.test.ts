/**
 * Training in a module worker in headless Chromium (`trainInWorker` + `serveTraining`): the
 * page's thread keeps running while the worker trains (a 10 ms timer is never held up the way
 * training on the page holds it), live curves are drawn on the page from the worker's logs, and
 * the page's model ends with the trained weights. Skipped where no Chromium is installed.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { chromiumPath, testPageResult } from '../helpers/browser_page.js';

describe.skipIf(!chromiumPath)('training in a Web Worker', () => {
  it('keeps the page responsive and brings the weights back', async () => {
    const r = await testPageResult<Record<string, never>>(
      fileURLToPath(new URL('./worker_training_entry.ts', import.meta.url)),
      'workerResult',
      '',
      { '/worker.js': fileURLToPath(new URL('../helpers/training_worker.ts', import.meta.url)) },
    );
    expect(r.error).toBeUndefined();
    expect(r.pageBackend).toBe('wasm');
    expect(r.workerBackend).toBe('wasm');
    const h = r.history as Record<string, number[]>;
    expect(h.loss!.length).toBe(2);
    expect(h.loss![1]!).toBeLessThan(h.loss![0]!);
    // The page's model has the worker's weights: its accuracy is the trained one.
    expect(r.accAfter as number).toBeGreaterThan(0.3);
    expect(r.svgLines as number).toBeGreaterThan(0);
    const page = r.page as { maxGap: number; ms: number };
    const off = r.off as { maxGap: number; ms: number };
    console.log(
      `page thread held up at most ${page.maxGap.toFixed(0)} ms training on the page (${page.ms.toFixed(0)} ms), ${off.maxGap.toFixed(0)} ms training in the worker (${off.ms.toFixed(0)} ms)`,
    );
    expect(off.maxGap).toBeLessThan(Math.max(250, page.maxGap / 2));
  }, 120_000);
});
