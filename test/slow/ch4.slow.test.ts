/**
 * Chapter 4 of "Deep Learning with Python" end to end, through the keras.datasets-style
 * loaders: IMDB (≥ 0.86 test accuracy), Reuters (≥ 0.75) and Boston housing (4-fold MAE
 * ≤ 2.9). Offline, the Keras-format files are built from ../shared's raw data first.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bostonKFold } from '../../examples/ch4_boston.js';
import { trainImdb } from '../../examples/ch4_imdb.js';
import { trainReuters } from '../../examples/ch4_reuters.js';
import {
  SHARED_DATASETS,
  buildBostonNpz,
  buildImdbNpz,
  buildReutersNpz,
} from '../../examples/data/keras_npz.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-ch4-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!existsSync(join(SHARED_DATASETS, 'imdb')))(
  'Deep Learning with Python, chapter 4',
  () => {
    it('IMDB: multi-hot Dense network reaches ≥ 0.86 test accuracy', async () => {
      const acc = await trainImdb(buildImdbNpz(SHARED_DATASETS, dir), 0);
      console.log(`IMDB test accuracy ${acc.toFixed(4)}`);
      expect(acc).toBeGreaterThanOrEqual(0.86);
    }, 300_000);

    it('Reuters: 46 topics, ≥ 0.75 test accuracy', async () => {
      const acc = await trainReuters(buildReutersNpz(SHARED_DATASETS, dir).path, 0);
      console.log(`Reuters test accuracy ${acc.toFixed(4)}`);
      expect(acc).toBeGreaterThanOrEqual(0.75);
    }, 300_000);

    it('Boston housing: 4-fold cross-validated MAE ≤ 2.9', async () => {
      const mae = await bostonKFold(buildBostonNpz(SHARED_DATASETS, dir), 4, 100);
      console.log(`Boston 4-fold MAE ${mae.toFixed(3)}`);
      expect(mae).toBeLessThanOrEqual(2.9);
    }, 300_000);
  },
);
