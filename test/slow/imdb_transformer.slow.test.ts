/**
 * Keras's text-classification-with-transformer recipe on IMDB (examples/imdb_transformer.ts):
 * one encoder block with MultiHeadAttention, one epoch on the 25,000 training reviews, ≥ 0.85
 * accuracy on 10,000 test reviews (0.878 on all 25,000 measured here). Offline, the
 * Keras-format imdb.npz is built from ../shared's raw reviews first.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SHARED_DATASETS, buildImdbNpz } from '../../examples/data/keras_npz.js';
import { trainImdbTransformer } from '../../examples/imdb_transformer.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-imdb-tr-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!existsSync(join(SHARED_DATASETS, 'imdb')))('IMDB transformer (slow)', () => {
  it('one encoder block reaches ≥ 0.85 test accuracy after one epoch', async () => {
    const t0 = performance.now();
    const acc = await trainImdbTransformer(buildImdbNpz(SHARED_DATASETS, dir), {
      epochs: 1,
      testSamples: 10000,
      verbose: 0,
    });
    console.log(
      `IMDB transformer test accuracy ${acc.toFixed(4)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
    );
    expect(acc).toBeGreaterThanOrEqual(0.85);
  }, 1_800_000);
});
