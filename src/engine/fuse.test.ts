/**
 * The compiled step's fusions: the max-pool/relu gradient primitive equals reluGrad over the
 * argmax scatter exactly on every backend (zeros, negatives and NaN in the relu output), the
 * fused convolution epilogue equals conv2d then biasActivation exactly, a compiled step of a
 * convnet fuses each pool with its relu and each convolution with its epilogue, and training
 * compiled gives the same weights as eager, bit for bit.
 */
import { describe, expect, it } from 'vitest';
import { describeBackends } from '../../test/helpers/describe_backends.js';
import type { ConvArgs } from '../backend/backend.js';
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

describeBackends('conv2dBiasActivation', () => {
  it('equals conv2d then biasActivation, value for value (relu keeps NaN)', async () => {
    const b = getBackend();
    if (typeof b.conv2dBiasActivation !== 'function') return;
    setSeed(2);
    const xv = Float32Array.from(randomNormal([3, 9, 9, 5]).dataSync());
    xv[7] = Number.NaN;
    const xt = tensor(xv, [3, 9, 9, 5]);
    const f = randomNormal([3, 3, 5, 8]);
    const bias = randomNormal([8]);
    const args: ConvArgs = { strides: [1, 1], dilations: [1, 1], padding: [0, 0, 0, 0], groups: 1 };
    for (const [withBias, act] of [
      [true, 'relu'],
      [false, 'relu'],
      [true, 'linear'],
    ] as const) {
      const conv = b.conv2d(xt.handleOn(b), xt.shape, f.handleOn(b), f.shape, args, 'float32');
      const rows = 3 * 7 * 7;
      const pair =
        b.biasActivation(conv, rows, 8, withBias ? bias.handleOn(b) : null, act, 'float32') ?? conv;
      const one = b.conv2dBiasActivation(
        xt.handleOn(b),
        xt.shape,
        f.handleOn(b),
        f.shape,
        args,
        withBias ? bias.handleOn(b) : null,
        act,
        'float32',
      );
      if (pair === conv) continue; // no fused epilogue here to compare with
      const want = Array.from(await b.read(pair, 'float32', rows * 8));
      const got = Array.from(await b.read(one, 'float32', rows * 8));
      expect(got).toEqual(want);
      expect(got.some((v) => Number.isNaN(v))).toBe(true);
    }
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
          expect(stats.fused).toBeGreaterThanOrEqual(2);
        // Native and js also fuse each convolution with its epilogue (wasm composes the
        // epilogue from two ops, so there is no biasActivation call to fuse).
        if (['native', 'js'].includes(getBackend().name)) expect(stats.fused).toBe(4);
      }
    }
    expect(weights[1]).toEqual(weights[0]);
  });
});
