/**
 * textDatasetFromDirectory on folders of text files written here: texts (UTF-8) with the
 * labels of their class folders, maxLength, Keras's seeded split, label modes and errors; and a
 * classifier trained through TextVectorization from the raw files.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Dense } from '../layers/dense.js';
import { TextVectorization } from '../layers/preprocessing/text_vectorization.js';
import { Sequential } from '../models/sequential.js';
import { setSeed } from '../ops/random.js';
import { Adam } from '../optimizers/adam.js';
import type { StringTensor } from '../tensor/string_tensor.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Dataset } from './dataset.js';
import { textDatasetFromDirectory } from './text_dataset.js';

const root = mkdtempSync(join(tmpdir(), 'tessera-txt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const reviews: Record<string, string[]> = {
  neg: ['awful boring film', 'bad acting, bad plot', 'boring 🙁', 'awful and bad'],
  pos: ['great fun film', 'loved it — great', 'fun acting 🙂', 'great and loved'],
};
for (const [cls, texts] of Object.entries(reviews)) {
  mkdirSync(join(root, 'reviews', cls), { recursive: true });
  texts.forEach((t, i) => writeFileSync(join(root, 'reviews', cls, `${i}.txt`), t));
}
writeFileSync(join(root, 'reviews', 'neg', 'ignored.md'), 'not a .txt file');
const quiet = { verbose: false } as const;

async function pairs(ds: Dataset): Promise<[string, number][]> {
  const out: [string, number][] = [];
  for await (const b of ds) {
    const [x, y] = b as [StringTensor, Tensor];
    const labels = Array.from(y.dataSync(), Number);
    x.stringsSync().forEach((t, i) => out.push([t, labels[i]!]));
  }
  return out;
}

describe('textDatasetFromDirectory', () => {
  it('reads every .txt file as a string with its class label', async () => {
    const ds = (await textDatasetFromDirectory(join(root, 'reviews'), {
      batchSize: 3,
      seed: 1,
      ...quiet,
    })) as Dataset;
    const got = await pairs(ds);
    expect(got).toHaveLength(8);
    for (const [t, y] of got) expect(reviews[y === 0 ? 'neg' : 'pos']).toContain(t);
    const cut = (await textDatasetFromDirectory(join(root, 'reviews'), {
      maxLength: 5,
      shuffle: false,
      ...quiet,
    })) as Dataset;
    expect((await pairs(cut)).map((p) => p[0])).toEqual(
      [...reviews.neg!, ...reviews.pos!].map((t) => t.slice(0, 5)),
    );
  });

  it('splits with a seed into disjoint training and validation files, and encodes labels', async () => {
    const [tr, va] = (await textDatasetFromDirectory(join(root, 'reviews'), {
      validationSplit: 0.25,
      subset: 'both',
      seed: 7,
      ...quiet,
    })) as [Dataset, Dataset];
    const a = await pairs(tr);
    const b = await pairs(va);
    expect([a.length, b.length]).toEqual([6, 2]);
    expect(new Set([...a, ...b].map((p) => p[0])).size).toBe(8);
    const bin = (await textDatasetFromDirectory(join(root, 'reviews'), {
      labelMode: 'binary',
      shuffle: false,
      batchSize: 8,
      ...quiet,
    })) as Dataset;
    const [[, y]] = (await bin.toArray()) as [StringTensor, Tensor][];
    expect(y!.shape).toEqual([8, 1]);
    await expect(textDatasetFromDirectory(join(root, 'nowhere'), quiet)).rejects.toThrow();
    mkdirSync(join(root, 'empty', 'a'), { recursive: true });
    await expect(textDatasetFromDirectory(join(root, 'empty'), quiet)).rejects.toThrow(
      /textDatasetFromDirectory: no text files found/,
    );
  });

  it('trains a classifier from raw text files through TextVectorization', async () => {
    setSeed(3);
    const ds = (await textDatasetFromDirectory(join(root, 'reviews'), {
      batchSize: 4,
      seed: 2,
      ...quiet,
    })) as Dataset;
    const vectorize = new TextVectorization({ outputMode: 'multi_hot' });
    await vectorize.adapt(ds.map((e) => (e as [StringTensor, Tensor])[0] as never));
    const train = ds.map((e) => {
      const [x, y] = e as [StringTensor, Tensor];
      return [vectorize.apply(x), y.cast('float32').reshape([-1, 1])];
    });
    const m = new Sequential({
      layers: [
        new Dense({ units: 1, activation: 'sigmoid', inputShape: [vectorize.vocabularySize()] }),
      ],
    });
    m.compile({
      optimizer: new Adam({ learningRate: 0.05 }),
      loss: 'binaryCrossentropy',
      metrics: ['accuracy'],
    });
    await m.fit(train, { epochs: 60, verbose: 0 });
    expect((await m.evaluate(train)).accuracy).toBe(1);
  });
});
