/**
 * The max-pool/relu gradient fusion: the fused primitive equals reluGrad over the argmax
 * scatter exactly on every backend (zeros, negatives and NaN in the relu output), a compiled
 * step of a convnet fuses each pool with its relu, and training compiled gives the same weights
 * as eager, bit for bit.
 */
import { describe, expect, it } from 'vitest';
import { describeBackends } from '../../test/helpers/describe_backends.js';
import { getBackend } from '../backend/registry.js';
import { Conv2D } from '../layers/convolutional.js';
import { Flatten } from '../layers/core.js';
import { Dense } from '../layers/dense.js';
import { MaxPooling2D } from '../layers/pooling.js';
import { Sequential } from '../models/sequential.js';
import { compiledStepInfo } from '../models/trainer.js';
import { tensor } from '../ops/creation.js';
import { randomNormal, setSeed } from '../ops/random.js';
import type { Tensor } from '../tensor/tensor.js';

describeBackends('maxPool2dBackwardReluFromArgmax', () => {
  it('equals reluGrad over the argmax scatter, value for value', async () => {
    const b = getBackend();
    const xShape = [2, 6, 6, 3];
    const n = 2 * 6 * 6 * 3;
    // A relu output: zeros, positives, a NaN; pooled 2×2 with stride 2.
    const yv = Float32Array.from({ length: n }, (_, i) =>
      i % 5 === 0 ? 0 : Math.max(0, Math.sin(i * 1.3)),
    );
    yv[17] = Number.NaN;
    const y = tensor(yv, xShape);
    const pooled = b.maxPool2dWithArgmax(
      y.handleOn(b),
      xShape,
      { poolSize: [2, 2], strides: [2, 2], padding: [0, 0, 0, 0] },
      'float32',
    );
    if (!pooled) return; // this backend pools without an argmax: nothing to fuse
    const numOut = 2 * 3 * 3 * 3;
    const dy = tensor(
      Float32Array.from({ length: numOut }, (_, i) => Math.cos(i) * 3),
      [numOut],
    );
    const pair = b.binary(
      'reluGrad',
      y.handleOn(b),
      xShape,
      b.maxPool2dBackwardFromArgmax(dy.handleOn(b), pooled[1], numOut, xShape, 'float32'),
      xShape,
      xShape,
      'float32',
      'float32',
    );
    const one = b.maxPool2dBackwardReluFromArgmax(
      dy.handleOn(b),
      pooled[1],
      numOut,
      xShape,
      y.handleOn(b),
      'float32',
    );
    const a = Array.from(await b.read(pair, 'float32', n));
    const f = Array.from(await b.read(one, 'float32', n));
    expect(f).toEqual(a);
    expect(f.some((v) => v !== 0)).toBe(true);
  });
});

describe('fusing a max-pool gradient with its relu in a compiled step', () => {
  function model(): Sequential {
    setSeed(3);
    const m = new Sequential({
      layers: [
        new Conv2D({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [10, 10, 2] }),
        new MaxPooling2D({ poolSize: 2 }),
        new Conv2D({ filters: 6, kernelSize: 2, activation: 'relu' }),
        new MaxPooling2D({ poolSize: 2 }),
        new Flatten(),
        new Dense({ units: 3, activation: 'softmax' }),
      ],
    });
    return m;
  }

  it('fuses each pool with its relu, and trains to the eager weights bit for bit', async () => {
    setSeed(8);
    const x = randomNormal([16, 10, 10, 2]);
    const y = randomNormal([16, 3]).softmax(-1);
    const weights: number[][][] = [];
    for (const jitCompile of [false, true]) {
      const m = model();
      m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', jitCompile });
      await m.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0 });
      weights.push(m.getWeights().map((w: Tensor) => Array.from(w.dataSync())));
      if (jitCompile) {
        const info = compiledStepInfo(m).train;
        expect(info.fallbacks).toEqual([]);
        const stats = info.compiled[0]!.stats;
        // Only backends that pool with an argmax trace the scatter the pass looks for.
        if (
          getBackend().maxPool2dWithArgmax(
            tensor([1]).handleOn(getBackend()),
            [1, 1, 1, 1],
            { poolSize: [1, 1], strides: [1, 1], padding: [0, 0, 0, 0] },
            'float32',
          )
        )
          expect(stats.fused).toBe(2);
      }
    }
    expect(weights[1]).toEqual(weights[0]);
  });
});
