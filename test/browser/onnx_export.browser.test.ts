/**
 * ONNX export in a real browser: `onnxBytes` bundled for the browser (test/browser/
 * onnx_export_entry.ts), run in headless Chromium, must write the very bytes Node writes for
 * the same models and weights — and those bytes, run in ONNX Runtime, give Node's predict.
 * Skipped where no Chromium is installed.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onnxBytes } from '../../src/io/onnx/index.js';
import { clearSession } from '../../src/layers/layer.js';
import { randomNormal, randomUniform, setSeed } from '../../src/ops/random.js';
import { type TestPage, chromiumPath, openTestPage } from '../helpers/browser_page.js';
import { expectOnnxMatchesPredict } from '../helpers/onnx_runtime.js';
import { buildOnnxZoo } from './onnx_zoo.js';

describe.skipIf(!chromiumPath)('onnxBytes in headless Chromium', () => {
  let opened: TestPage;

  beforeAll(async () => {
    opened = await openTestPage(
      fileURLToPath(new URL('./onnx_export_entry.ts', import.meta.url)),
      'exportZoo',
    );
  }, 30_000);

  afterAll(async () => {
    await opened?.close();
  });

  it('writes the same bytes as Node, which ONNX Runtime runs to predict', async () => {
    setSeed(21);
    const models = buildOnnxZoo();
    // Random weights, handed to the page so both sides build identical models.
    const weights = models.map((m) =>
      m.getWeights().map((w) => Array.from(randomUniform(w.shape, -0.5, 0.5).dataSync())),
    );
    // Fresh name counters, as in the page, so generated names (the input layers') agree.
    clearSession();
    const nodeModels = buildOnnxZoo(weights);
    const inPage = await opened.page.evaluate(
      (w) => (globalThis as unknown as { exportZoo(w: number[][][]): number[][] }).exportZoo(w),
      weights,
    );
    expect(inPage).toHaveLength(2);
    nodeModels.forEach((m, i) => expect(new Uint8Array(inPage[i]!)).toEqual(onnxBytes(m)));
    await expectOnnxMatchesPredict(nodeModels[0]!, randomNormal([3, 8, 8, 1]));
    const ids = randomUniform([3, 6], 0, 20).floor();
    await expectOnnxMatchesPredict(nodeModels[1]!, ids);
  });
});
