/**
 * "Deep Learning with Python", chapter 4.2: Reuters newswires into 46 topics, from
 * `reuters.loadData({ numWords: 10000 })` as multi-hot vectors, one-hot labels
 * (`toCategorical`), Dense(64) → Dense(64) → Dense(46, softmax), rmsprop, 9 epochs of batch
 * 512 (the book's ~80 % test accuracy).
 *
 * Run: `npx tsx examples/ch4_reuters.ts [reuters.npz]` (see ch4_imdb.ts for offline files).
 */
import { Dense, Sequential, datasets, setSeed, toCategorical } from '../src/index.js';
import { multiHot } from './ch4_imdb.js';

/** Trains the book's Reuters classifier; returns the test accuracy. */
export async function trainReuters(path?: string, verbose: 0 | 1 | 2 = 1): Promise<number> {
  setSeed(7);
  const [[xTrain, yTrain], [xTest, yTest]] = await datasets.reuters.loadData({
    path,
    numWords: 10000,
  });
  const model = new Sequential({
    layers: [
      new Dense({ units: 64, activation: 'relu', inputShape: [10000] }),
      new Dense({ units: 64, activation: 'relu' }),
      new Dense({ units: 46, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: 'rmsprop', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  await model.fit(multiHot(xTrain, 10000), toCategorical(yTrain, 46), {
    epochs: 9,
    batchSize: 512,
    verbose,
  });
  return model.evaluate(multiHot(xTest, 10000), toCategorical(yTest, 46), { batchSize: 1000 })
    .accuracy!;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const acc = await trainReuters(process.argv[2]);
  console.log(`test accuracy: ${(acc * 100).toFixed(2)}%`);
}
