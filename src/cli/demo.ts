/**
 * The quick-start demo: a small dense network learns the embedded 8×8 digits with the progress
 * bar, then reports test accuracy and prints the model summary. Runs in seconds on 2 cores.
 */
import { loadDigits } from '../datasets/digits.js';
import { Dropout } from '../layers/core.js';
import { Dense } from '../layers/dense.js';
import { Sequential } from '../models/sequential.js';
import { setSeed } from '../ops/random.js';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  epochs?: number;
  /** 0 silent, 1 progress bar, 2 one line per epoch. */
  verbose?: 0 | 1 | 2;
  /** Where lines go (default console.log). */
  print?: (line: string) => void;
}

/**
 * Trains Dense(64, relu) → Dropout(0.1) → Dense(10, softmax) on the digits and returns the
 * test accuracy.
 * @example const acc = await runDemo({ verbose: 0 });
 */
export async function runDemo(opts: DemoOptions = {}): Promise<number> {
  const print = opts.print ?? console.log;
  setSeed(1234);
  const { xTrain, yTrain, xTest, yTest } = loadDigits();
  print(
    `Tessera demo: scikit-learn digits, ${xTrain.shape[0]} training and ${xTest.shape[0]} test images of 8x8 pixels`,
  );
  const model = new Sequential({
    name: 'digits_mlp',
    layers: [
      new Dense({ units: 64, activation: 'relu', inputShape: [64] }),
      new Dropout({ rate: 0.1 }),
      new Dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({
    optimizer: 'adam',
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
  });
  const t0 = performance.now();
  await model.fit(xTrain, yTrain, {
    epochs: opts.epochs ?? 40,
    batchSize: 32,
    validationSplit: 0.1,
    verbose: opts.verbose ?? 1,
  });
  const seconds = (performance.now() - t0) / 1000;
  const result = model.evaluate(xTest, yTest, { batchSize: 256 });
  const acc = result.accuracy ?? Number.NaN;
  print(
    `\nTrained in ${seconds.toFixed(1)} s. Test accuracy: ${(acc * 100).toFixed(2)}% (loss ${result.loss!.toFixed(4)})\n`,
  );
  model.summary(print);
  return acc;
}
