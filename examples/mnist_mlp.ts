/**
 * MNIST with a dense network, as in Deep Learning with Python ch. 2:
 * Dense(512, relu) → Dense(10, softmax), rmsprop, 5 epochs, batch 128.
 *
 * Run: `npx tsx examples/mnist_mlp.ts [path/to/mnist]` (default ../shared/datasets/mnist).
 */
import { Dense, Sequential, loadMnist, setSeed } from '../src/index.js';

/** Trains the network and returns test accuracy. */
export async function trainMnistMlp(dir: string, verbose: 0 | 1 | 2 = 1): Promise<number> {
  setSeed(42);
  const { xTrain, yTrain, xTest, yTest } = await loadMnist(dir, { normalize: true });
  const model = new Sequential({
    layers: [
      new Dense({ units: 512, activation: 'relu', inputShape: [784] }),
      new Dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({
    optimizer: 'rmsprop',
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
  });
  await model.fit(xTrain.reshape([-1, 784]), yTrain, { epochs: 5, batchSize: 128, verbose });
  const { accuracy } = model.evaluate(xTest.reshape([-1, 784]), yTest, { batchSize: 1000 });
  return accuracy!;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const acc = await trainMnistMlp(process.argv[2] ?? '../shared/datasets/mnist');
  console.log(`test accuracy: ${(acc * 100).toFixed(2)}%`);
}
