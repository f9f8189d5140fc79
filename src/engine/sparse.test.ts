/**
 * Sparse labels in compiled train steps: sparse categorical crossentropy checks its class ids
 * inside the backend (`checkIndices`), not by a host read, so a model trained on integer
 * labels compiles; the check is a node of the replayed graph, so a bad label in a later batch
 * still fails with the loss's message (naming the loss, the element and the value).
 */
import { describe, expect, it } from 'vitest';
import { Conv2D } from '../layers/convolutional.js';
import { Flatten } from '../layers/core.js';
import { Dense } from '../layers/dense.js';
import { MaxPooling2D } from '../layers/pooling.js';
import { SparseCategoricalCrossentropy } from '../losses/probabilistic.js';
import type { Model } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import { type CompileArgs, compiledStepInfo } from '../models/trainer.js';
import { tensor } from '../ops/creation.js';
import { oneHot } from '../ops/movement.js';
import { randomNormal, setSeed } from '../ops/random.js';
import type { Tensor } from '../tensor/tensor.js';

type Mode = CompileArgs['jitCompile'];

const N = 16;
const CLASSES = 3;
// Every class appears; batches of 4 (one signature): trace, trace again, then replays.
const LABELS = Array.from({ length: N }, (_, i) => (i * 5) % CLASSES);

function cnn(mode: Mode, loss: CompileArgs['loss'] = 'sparseCategoricalCrossentropy'): Model {
  setSeed(3);
  const m = new Sequential({
    layers: [
      new Conv2D({ filters: 3, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 1] }),
      new MaxPooling2D({ poolSize: 2 }),
      new Flatten({}),
      new Dense({ units: CLASSES, activation: 'softmax' }),
    ],
  });
  // RMSprop and softmax + sparse labels: the book's MNIST convnet in small.
  m.compile({ optimizer: 'rmsprop', loss, metrics: ['accuracy'], jitCompile: mode });
  return m;
}

function images(): Tensor {
  setSeed(9);
  return randomNormal([N, 6, 6, 1]);
}

function weightsOf(m: Model): number[][] {
  return m.weights.map((w) => Array.from(w.dataSync()));
}

const fitOpts = { batchSize: 4, epochs: 3, shuffle: false, verbose: 0 as const };

describe('sparse labels in compiled steps', () => {
  it('a CNN with sparseCategoricalCrossentropy compiles (no fallback) and equals eager exactly', async () => {
    const x = images();
    for (const y of [tensor(LABELS, [N], 'int32'), tensor(LABELS, [N, 1], 'float32')]) {
      const eager = cnn(false);
      const jit = cnn(true); // true: a fallback would throw a JitCompileError
      const he = await eager.fit(x, y, fitOpts);
      const hj = await jit.fit(x, y, fitOpts);
      const info = compiledStepInfo(jit).train;
      expect(info.fallbacks).toEqual([]);
      expect(info.compiled.length).toBe(1);
      expect(info.compiled[0]!.stats.replayed).toBeGreaterThan(0);
      expect(hj.history).toEqual(he.history);
      expect(weightsOf(jit)).toEqual(weightsOf(eager));
      // evaluate compiles too and agrees.
      expect(jit.evaluate(x, y, { batchSize: 4 })).toEqual(eager.evaluate(x, y, { batchSize: 4 }));
      expect(compiledStepInfo(jit).test.fallbacks).toEqual([]);
      expect(compiledStepInfo(jit).test.compiled.length).toBe(1);
    }
  });

  it('trains as categorical crossentropy on the one-hot labels does (an independent form)', async () => {
    const x = images();
    const sparse = cnn('auto');
    const dense = cnn(false, 'categoricalCrossentropy');
    const hs = await sparse.fit(x, tensor(LABELS, [N], 'int32'), fitOpts);
    const hd = await dense.fit(x, oneHot(tensor(LABELS, [N], 'int32'), CLASSES), fitOpts);
    expect(compiledStepInfo(sparse).train.fallbacks).toEqual([]);
    hs.history.loss!.forEach((l, i) => expect(l).toBeCloseTo(hd.history.loss![i]!, 5));
    const ws = weightsOf(sparse);
    weightsOf(dense).forEach((w, i) => w.forEach((v, j) => expect(ws[i]![j]).toBeCloseTo(v, 5)));
  });

  it('ignoreClass (a masked mean) compiles too and equals eager', async () => {
    const x = images();
    const labels = LABELS.map((l, i) => (i % 5 === 2 ? -1 : l));
    const run = async (mode: Mode) => {
      const m = cnn(mode, new SparseCategoricalCrossentropy({ ignoreClass: -1 }));
      const h = await m.fit(x, tensor(labels, [N], 'int32'), fitOpts);
      return { m, h: h.history.loss!, w: weightsOf(m) };
    };
    const e = await run(false);
    const j = await run(true);
    expect(compiledStepInfo(j.m).train.fallbacks).toEqual([]);
    expect(compiledStepInfo(j.m).train.compiled.length).toBe(1);
    expect(j.h).toEqual(e.h);
    expect(j.w).toEqual(e.w);
    expect(e.h.every(Number.isFinite)).toBe(true);
  });

  const bad: [string, number[], 'int32' | 'float32', RegExp][] = [
    [
      'out of range',
      [3],
      'int32',
      /sparseCategoricalCrossentropy: label 3 \(element 2 of labels of shape \[4\]\) is out of range \[0, 3\) for predictions with 3 classes/,
    ],
    [
      'negative',
      [-1],
      'int32',
      /sparseCategoricalCrossentropy: label -1 \(element 2 of labels of shape \[4\]\) is out of range \[0, 3\)/,
    ],
    [
      'not an integer',
      [1.5],
      'float32',
      /sparseCategoricalCrossentropy: label 1\.5 \(element 2 of labels of shape \[4\]\) is not an integer class index for predictions with 3 classes/,
    ],
  ];
  for (const [what, [value], dtype, message] of bad) {
    it(`a label ${what} in a replayed batch fails with the loss's message`, async () => {
      const x = images();
      const m = cnn(true);
      await m.fit(x, tensor(LABELS, [N], dtype), { ...fitOpts, epochs: 1 });
      // The signature replays its graph from here on: the check must be part of it.
      expect(compiledStepInfo(m).train.compiled.length).toBe(1);
      const before = compiledStepInfo(m).train.compiled[0]!.signature;
      const labels = LABELS.slice();
      labels[14] = value!; // the last batch (rows 12–15), element 2
      await expect(m.fit(x, tensor(labels, [N], dtype), { ...fitOpts, epochs: 1 })).rejects.toThrow(
        message,
      );
      // Same signature, still compiled: the replayed graph threw, not an eager fallback.
      expect(compiledStepInfo(m).train.compiled.map((c) => c.signature)).toEqual([before]);
      expect(compiledStepInfo(m).train.fallbacks).toEqual([]);
    });
  }
});
