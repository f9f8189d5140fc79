/**
 * The Keras-format files built from ../shared's raw data match what Keras documents: Reuters
 * gives Keras's 46 topics in Keras's label order (getLabelNames), 11,228 wires split 8,982 /
 * 2,246, and the most frequent words the=1 … said=5; Boston gives Keras's published split.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SHARED_DATASETS, buildBostonNpz, buildReutersNpz } from '../../examples/data/keras_npz.js';
import { datasets } from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-npz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!existsSync(join(SHARED_DATASETS, 'reuters21578')))(
  'Keras-format files from raw data',
  () => {
    it('Reuters: Keras’s topics in label order, its wire counts and its top words', async () => {
      const { path, topics } = buildReutersNpz(SHARED_DATASETS, dir);
      expect(topics).toEqual(datasets.reuters.getLabelNames());
      const [[xTrain, yTrain], [xTest]] = await datasets.reuters.loadData({ path });
      expect([xTrain.length, xTest.length]).toEqual([8982, 2246]);
      expect(Math.max(...yTrain.dataSync())).toBe(45);
      const index = JSON.parse(readFileSync(join(dir, 'reuters_word_index.json'), 'utf8'));
      expect([index.the, index.of, index.to, index.in, index.said]).toEqual([1, 2, 3, 4, 5]);
      // Keras's first training wire begins [1, 27595, 28842, 8, 43, 10, 447, …]: the frequent
      // words agree; rare ones differ only by the order among equal counts.
      expect([xTrain[0]![0], xTrain[0]![3], xTrain[0]![4], xTrain[0]![5]]).toEqual([1, 8, 43, 10]);
    });

    it('Boston: the first training target is Keras’s 15.2', async () => {
      const [[, y]] = await datasets.bostonHousing.loadData({
        path: buildBostonNpz(SHARED_DATASETS, dir),
      });
      expect(y.dataSync()[0]).toBeCloseTo(15.2, 4);
    });
  },
);
