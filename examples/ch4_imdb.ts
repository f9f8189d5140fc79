/**
 * "Deep Learning with Python", chapter 4.1: IMDB reviews, positive or negative, from
 * `imdb.loadData({ numWords: 10000 })` as multi-hot vectors into Dense(16) → Dense(16) →
 * Dense(1, sigmoid), rmsprop, 4 epochs of batch 512 (the book's ~88 % test accuracy).
 *
 * Run: `npx tsx examples/ch4_imdb.ts [imdb.npz]`. Without a path it uses Keras's file (downloaded
 * once into ~/.tessera/datasets); offline, build a near-equivalent from shared's raw reviews
 * with `npx tsx examples/data/keras_npz.ts`.
 */
import { Dense, Sequential, type Tensor, datasets, setSeed, tensor } from '../src/index.js';

/** Multi-hot rows: row i has 1 at every word index of sequence i (below `dims`). */
export function multiHot(seqs: readonly (readonly number[])[], dims: number): Tensor {
  const out = new Float32Array(seqs.length * dims);
  seqs.forEach((s, i) => {
    for (const w of s) if (w < dims) out[i * dims + w] = 1;
  });
  return tensor(out, [seqs.length, dims]);
}

/** Trains the book's IMDB classifier; returns the test accuracy. */
export async function trainImdb(path?: string, verbose: 0 | 1 | 2 = 1): Promise<number> {
  setSeed(7);
  const [[xTrain, yTrain], [xTest, yTest]] = await datasets.imdb.loadData({
    path,
    numWords: 10000,
  });
  const x = multiHot(xTrain, 10000);
  const xt = multiHot(xTest, 10000);
  const model = new Sequential({
    layers: [
      new Dense({ units: 16, activation: 'relu', inputShape: [10000] }),
      new Dense({ units: 16, activation: 'relu' }),
      new Dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
  model.compile({ optimizer: 'rmsprop', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  await model.fit(x, yTrain.cast('float32').reshape([-1, 1]), {
    epochs: 4,
    batchSize: 512,
    verbose,
  });
  return model.evaluate(xt, yTest.cast('float32').reshape([-1, 1]), { batchSize: 1000 }).accuracy!;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const acc = await trainImdb(process.argv[2]);
  console.log(`test accuracy: ${(acc * 100).toFixed(2)}%`);
}
