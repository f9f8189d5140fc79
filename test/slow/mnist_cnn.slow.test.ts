import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { trainMnistCnn } from '../../examples/mnist_cnn.js';

const dir = process.env.TESSERA_MNIST_DIR ?? '../shared/datasets/mnist';

describe('MNIST convnet end to end (slow)', () => {
  it.runIf(existsSync(dir))(
    'Conv2D(32) → MaxPool → Conv2D(64) → MaxPool → Flatten → Dense(10), adam, 3 epochs, batch 64 reaches ≥ 98.5 % test accuracy',
    async () => {
      const { accuracy, epochSeconds } = await trainMnistCnn(dir, { verbose: 2 });
      console.log(
        `mnist_cnn: epochs ${epochSeconds.map((s) => `${s.toFixed(0)} s`).join(', ')}; test accuracy ${(accuracy * 100).toFixed(2)}%`,
      );
      expect(accuracy).toBeGreaterThanOrEqual(0.985);
    },
    1_800_000,
  );
});
