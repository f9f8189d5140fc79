import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { trainMnistMlp } from '../../examples/mnist_mlp.js';

const dir = process.env.TESSERA_MNIST_DIR ?? '../shared/datasets/mnist';

describe('MNIST end to end (slow)', () => {
  it.runIf(existsSync(dir))(
    'Dense(512, relu) → Dense(10, softmax), rmsprop, 5 epochs, batch 128 reaches ≥ 97.5 % test accuracy',
    async () => {
      const acc = await trainMnistMlp(dir, 2);
      expect(acc).toBeGreaterThanOrEqual(0.975);
    },
    1_200_000,
  );
});
