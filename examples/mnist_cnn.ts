/**
 * MNIST with a small convolutional network, as the Keras "Simple MNIST convnet" example:
 * Conv2D(32, 3, relu) → MaxPooling2D(2) → Conv2D(64, 3, relu) → MaxPooling2D(2) → Flatten →
 * Dense(10, softmax), Adam (lr 1e-3), 3 epochs, batch 64: 98.67 % test accuracy with the fixed seed (measured).
 *
 * Run: `npx tsx examples/mnist_cnn.ts [path/to/mnist]` (default ../shared/datasets/mnist).
 */
import {
  Conv2D,
  Dense,
  Flatten,
  MaxPooling2D,
  Sequential,
  loadMnist,
  optimizers,
  setSeed,
} from '../src/index.js';

/** What {@link trainMnistCnn} reports. */
export interface MnistCnnResult {
  /** Test accuracy after the last epoch. */
  accuracy: number;
  /** Wall-clock seconds of each training epoch (validation excluded). */
  epochSeconds: number[];
  /** Test accuracy after each epoch, when `validate` is set. */
  epochTestAccuracy?: number[];
}

/** Options of {@link trainMnistCnn}. */
export interface MnistCnnOptions {
  /** Training epochs (default 3). */
  epochs?: number;
  /** Samples per step (default 64). */
  batchSize?: number;
  /** Adam's initial learning rate (default 1e-3). */
  learningRate?: number;
  /** Cosine decay of the learning rate to 0 over the whole run (default false). */
  cosineDecay?: boolean;
  /** Use only the first n training images (default all 60000). */
  trainSamples?: number;
  /** 0 silent, 1 progress bar, 2 one line per epoch (default 1). */
  verbose?: 0 | 1 | 2;
  /** Also evaluate on the test set after every epoch (as validation data; default false). */
  validate?: boolean;
}

/** Builds the convnet; input `[batch, 28, 28, 1]`, output class probabilities `[batch, 10]`. */
export function mnistCnn(): Sequential {
  return new Sequential({
    layers: [
      new Conv2D({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
      new MaxPooling2D({ poolSize: 2 }),
      new Conv2D({ filters: 64, kernelSize: 3, activation: 'relu' }),
      new MaxPooling2D({ poolSize: 2 }),
      new Flatten(),
      new Dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

/** Trains the convnet on MNIST from `dir` and returns test accuracy and epoch times. */
export async function trainMnistCnn(
  dir: string,
  opts: MnistCnnOptions = {},
): Promise<MnistCnnResult> {
  setSeed(42);
  const { xTrain, yTrain, xTest, yTest } = await loadMnist(dir, { normalize: true });
  const n = Math.min(opts.trainSamples ?? xTrain.shape[0]!, xTrain.shape[0]!);
  const x = xTrain.slice([0, 0, 0], [n, 28, 28]).reshape([n, 28, 28, 1]);
  const y = yTrain.slice([0], [n]);
  const model = mnistCnn();
  const epochs = opts.epochs ?? 3;
  const batchSize = opts.batchSize ?? 64;
  const lr0 = opts.learningRate ?? 1e-3;
  const steps = epochs * Math.ceil(n / batchSize);
  const learningRate = (opts.cosineDecay ?? false) ? new optimizers.CosineDecay(lr0, steps) : lr0;
  model.compile({
    optimizer: new optimizers.Adam({ learningRate }),
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
  });
  const xTest4 = xTest.reshape([-1, 28, 28, 1]);
  const epochSeconds: number[] = [];
  let start = 0;
  let lastBatchEnd = 0;
  const history = await model.fit(x, y, {
    epochs,
    batchSize,
    verbose: opts.verbose ?? 1,
    ...(opts.validate
      ? { validationData: [xTest4, yTest] as const, validationBatchSize: 500 }
      : {}),
    callbacks: [
      {
        onEpochBegin: () => {
          start = performance.now();
        },
        // Runs before validation: the time is the training pass alone.
        onTrainBatchEnd: () => {
          lastBatchEnd = performance.now();
        },
        onEpochEnd: () => {
          epochSeconds.push((lastBatchEnd - start) / 1000);
        },
      },
    ],
  });
  const { accuracy } = model.evaluate(xTest4, yTest, { batchSize: 500 });
  const result: MnistCnnResult = { accuracy: accuracy!, epochSeconds };
  if (opts.validate) result.epochTestAccuracy = history.history.val_accuracy;
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { accuracy, epochSeconds } = await trainMnistCnn(
    process.argv[2] ?? '../shared/datasets/mnist',
  );
  const times = epochSeconds.map((s) => `${s.toFixed(0)} s`).join(', ');
  console.log(`epoch times: ${times}`);
  console.log(`test accuracy: ${(accuracy * 100).toFixed(2)}%`);
}
