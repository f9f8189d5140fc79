/**
 * "Deep Learning with Python", chapter 4.3: Boston house prices by regression, from
 * `bostonHousing.loadData()`, features standardized with the training statistics,
 * Dense(64) → Dense(64) → Dense(1), rmsprop, mse with mae, scored by 4-fold cross-validation
 * (the book's validation MAE of about 2.5, in thousands of dollars).
 *
 * Run: `npx tsx examples/ch4_boston.ts [boston_housing.npz]` (see ch4_imdb.ts for offline files).
 */
import { Dense, Sequential, type Tensor, concat, datasets, setSeed } from '../src/index.js';

function build(): Sequential {
  const model = new Sequential({
    layers: [
      new Dense({ units: 64, activation: 'relu', inputShape: [13] }),
      new Dense({ units: 64, activation: 'relu' }),
      new Dense({ units: 1 }),
    ],
  });
  model.compile({ optimizer: 'rmsprop', loss: 'mse', metrics: ['mae'] });
  return model;
}

/** The mean validation MAE of k-fold cross-validation on the training split. */
export async function bostonKFold(
  path?: string,
  k = 4,
  epochs = 100,
  verbose: 0 | 1 = 0,
): Promise<number> {
  setSeed(7);
  const [[xRaw, yTrain]] = await datasets.bostonHousing.loadData({ path });
  // Standardize with the training data's mean and standard deviation (never the test data's).
  const mean = xRaw.mean(0);
  const std = xRaw.sub(mean).square().mean(0).sqrt();
  const x = xRaw.sub(mean).div(std);
  const y = yTrain.reshape([-1, 1]);
  const n = x.shape[0]!;
  const size = Math.floor(n / k);
  const rows = (t: Tensor, lo: number, hi: number) => t.slice([lo, 0], [hi - lo, t.shape[1]!]);
  const scores: number[] = [];
  for (let i = 0; i < k; i++) {
    const [lo, hi] = [i * size, (i + 1) * size];
    const xTr = concat([rows(x, 0, lo), rows(x, hi, n)], 0);
    const yTr = concat([rows(y, 0, lo), rows(y, hi, n)], 0);
    const model = build();
    await model.fit(xTr, yTr, { epochs, batchSize: 16, verbose: 0 });
    const { mae } = model.evaluate(rows(x, lo, hi), rows(y, lo, hi));
    if (verbose) console.log(`fold ${i}: validation MAE ${mae!.toFixed(3)}`);
    scores.push(mae!);
  }
  return scores.reduce((a, b) => a + b, 0) / k;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const mae = await bostonKFold(process.argv[2], 4, 100, 1);
  console.log(`mean validation MAE: ${mae.toFixed(3)}`);
}
