import { setFlagsFromString } from 'node:v8';
/**
 * Planned memory of compiled steps: the graph's arena recycles every intermediate and a
 * variable's previous value, so a replayed step allocates nothing but its outputs, and nothing
 * a user or a callback still holds is ever recycled.
 */
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { describeBackends } from '../../test/helpers/describe_backends.js';
import { HostArena, hostArray, hostF32, withArena } from '../backend/host_arena.js';
import { getBackend } from '../backend/registry.js';
import { Dense } from '../layers/dense.js';
import { Embedding } from '../layers/embedding.js';
import { LSTM } from '../layers/rnn/lstm.js';
import { Sequential } from '../models/sequential.js';
import { compiledStepInfo } from '../models/trainer.js';
import { tensor } from '../ops/creation.js';
import { randomNormal, randomUniform, setSeed } from '../ops/random.js';
import type { Tensor } from '../tensor/tensor.js';

function mlp(): Sequential {
  return new Sequential({
    layers: [
      new Dense({ units: 64, activation: 'relu', inputShape: [32] }),
      new Dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

describe('HostArena', () => {
  it('serves a given-back buffer of the same size, zeroed unless asked not to', () => {
    const arena = new HostArena();
    const a = withArena(arena, () => hostF32(1000, false));
    expect(arena.freshCount).toBe(1);
    a.fill(7);
    arena.give(a.buffer);
    arena.give(a.buffer); // twice: kept once
    const b = withArena(arena, () => hostF32(1000));
    expect(b.buffer).toBe(a.buffer);
    expect(Array.from(b.subarray(0, 3))).toEqual([0, 0, 0]);
    const c = withArena(arena, () => hostF32(1000, false));
    expect(c.buffer).not.toBe(a.buffer); // the only one is taken
    expect(arena.freshCount).toBe(2);
    expect(arena.reusedBytes).toBe(4000);
  });

  it('shares buffers between dtypes of one byte size; outside an arena allocates fresh', () => {
    const arena = new HostArena();
    const f = withArena(arena, () => hostArray('float32', 4));
    arena.give(f.buffer);
    const i = withArena(arena, () => hostArray('int32', 4));
    expect(i).toBeInstanceOf(Int32Array);
    expect(i.buffer).toBe(f.buffer);
    arena.give(i.buffer);
    const out = hostF32(4);
    expect(out.buffer).not.toBe(f.buffer);
    expect(out.byteOffset).toBe(0);
    expect(out.buffer.byteLength).toBe(16);
  });

  it('holds at most its limit: buffers past it are left to the GC', () => {
    const arena = new HostArena(10_000);
    const bufs = [1, 2, 3].map(() => new ArrayBuffer(4000));
    for (const b of bufs) arena.give(b);
    expect(arena.heldBytes).toBe(8000);
    expect(arena.dropped).toBe(1);
    withArena(arena, () => hostF32(1000));
    expect(arena.heldBytes).toBe(4000);
  });
});

describeBackends('compiled steps allocate nothing but their outputs', (backend) => {
  it('an MLP with Adam: after warm-up each step allocates only what it returns', async () => {
    setSeed(3);
    const m = mlp();
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', jitCompile: 'auto' });
    const x = randomNormal([512, 32]);
    const y = randomUniform([512, 10]);
    await m.fit(x, y, { epochs: 2, batchSize: 32, verbose: 0, shuffle: false });
    const info = compiledStepInfo(m).train;
    expect(info.fallbacks).toEqual([]);
    const s = info.compiled[0]!.stats;
    expect(s.recycled).toBeGreaterThan(10);
    // What a step returns (the loss, and the predictions the host-side metrics read: 32 × 10
    // floats) is new; the intermediates (about 100 KB here), the new weights and the Adam
    // moments all come from the arena.
    expect(s.intermediateBytes).toBeGreaterThan(50_000);
    expect(s.outputBytes).toBeGreaterThanOrEqual(4 + 32 * 10 * 4);
    expect(s.outputBytes).toBeLessThanOrEqual(16 + 32 * 10 * 4);
    if (backend === 'js') {
      // The reference backend's composites (softmax from max, sub, exp, sum, div) take their
      // temporaries from the arena too and never give them back: a few small arrays a step.
      expect(s.lastStepAllocatedBytes).toBeLessThanOrEqual(s.outputBytes + 4 * 1280 + 512);
    } else {
      expect(s.lastStepAllocations).toBeLessThanOrEqual(2);
      expect(s.lastStepAllocatedBytes).toBeLessThanOrEqual(s.outputBytes);
    }
    expect(s.arenaHeldBytes).toBeGreaterThan(0);
    // Bounded on every backend (the wasm backend's copies out of linear memory come from the
    // arena too; before they did, buffers given back piled up to 1.5 GB in one epoch).
    expect(s.arenaHeldBytes).toBeLessThan(4 * s.intermediateBytes + 200_000);
  });
});

describe('the batch of a compiled step', () => {
  it('shuffled batches are gathered into the arena and recycled: nothing new but the outputs', async () => {
    setSeed(9);
    const m = mlp();
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', jitCompile: 'auto' });
    const x = randomNormal([512, 32]);
    const y = randomUniform([512, 10]);
    // shuffle (the default): every batch is a gather of 32 rows, 4 KB of x and 1.3 KB of y.
    await m.fit(x, y, { epochs: 2, batchSize: 32, verbose: 0 });
    const s = compiledStepInfo(m).train.compiled[0]!.stats;
    // The js reference backend's composites (softmax) take temporaries from the arena that
    // they never give back, so a buffer of the batch's size may go to one of them (see above).
    const slack = getBackend().name === 'js' ? 8192 : 0;
    expect(s.lastStepAllocatedBytes).toBeLessThanOrEqual(s.outputBytes + slack);
  });

  it('a custom trainStep that keeps its batch: the kept (traced-call) batch is never recycled', async () => {
    setSeed(10);
    const kept: Tensor[] = [];
    class Keeper extends Sequential {
      override trainStep(x: Tensor[], y: Tensor[], sw: Tensor | null) {
        kept.push(x[0]!);
        return super.trainStep(x, y, sw);
      }
    }
    const m = new Keeper({
      layers: [
        new Dense({ units: 8, activation: 'relu', inputShape: [32] }),
        new Dense({ units: 10, activation: 'softmax' }),
      ],
    });
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', jitCompile: 'auto' });
    const x = randomNormal([256, 32]);
    const y = randomUniform([256, 10]);
    // Shuffled: the two traced calls' batches (kept above) are gathers with their own buffers.
    await m.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0 });
    // The traced calls ran it (the first may retrace: SGD makes its state then); the replays
    // of the other steps ran no user code.
    expect(kept.length).toBeGreaterThanOrEqual(2);
    expect(kept.length).toBeLessThan(8);
    const snapshots = kept.map((t) => Array.from(t.dataSync()));
    await m.fit(x, y, { epochs: 2, batchSize: 32, verbose: 0 });
    kept.slice(0, snapshots.length).forEach((t, i) => {
      expect(Array.from(t.dataSync())).toEqual(snapshots[i]);
    });
  });
});

describe('process memory', () => {
  it('process memory stays flat over 1,000 compiled steps', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    setSeed(4);
    const m = mlp();
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', jitCompile: 'auto' });
    const x = randomNormal([4000, 32]);
    const y = randomUniform([4000, 10]);
    // V8 frees array buffers' memory on a background thread after a collection: settle.
    const settled = async () => {
      let least = Number.POSITIVE_INFINITY;
      let ext = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 5; i++) {
        gc();
        await new Promise((r) => setTimeout(r, 20));
        const u = process.memoryUsage();
        least = Math.min(least, u.arrayBuffers);
        ext = Math.min(ext, u.external);
      }
      return { arrayBuffers: least, external: ext };
    };
    await m.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0, shuffle: false });
    const before = await settled();
    await m.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, shuffle: false }); // 1,000 steps
    const after = await settled();
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(256 * 1024);
    expect(after.external - before.external).toBeLessThan(1024 * 1024);
  });
});

describe('the arena never recycles storage someone holds', () => {
  it('a weight read between steps keeps its values while training goes on', async () => {
    setSeed(5);
    const m = mlp();
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', jitCompile: 'auto' });
    const x = randomNormal([256, 32]);
    const y = randomUniform([256, 10]);
    await m.fit(x, y, { epochs: 1, batchSize: 16, verbose: 0 });
    const held: Tensor = m.layers[0]!.weights[0]!.value();
    const snapshot = Array.from(held.dataSync());
    await m.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0 });
    expect(Array.from(held.dataSync())).toEqual(snapshot);
    expect(Array.from(m.layers[0]!.weights[0]!.dataSync())).not.toEqual(snapshot);
  });

  it('weights a callback reads mid-epoch stay intact, and training matches eager', async () => {
    const run = async (jit: 'auto' | false) => {
      setSeed(6);
      const m = mlp();
      m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', jitCompile: jit });
      const x = randomNormal([128, 32]);
      const y = randomUniform([128, 10]);
      const seen: { t: Tensor; v: number[] }[] = [];
      await m.fit(x, y, {
        epochs: 2,
        batchSize: 16,
        verbose: 0,
        callbacks: [
          {
            onBatchEnd: (batch: number) => {
              if (batch % 3 !== 0) return;
              const t = m.layers[1]!.weights[0]!.value();
              seen.push({ t, v: Array.from(t.dataSync()) });
            },
          },
        ],
      });
      for (const s of seen) expect(Array.from(s.t.dataSync())).toEqual(s.v);
      return { seen: seen.map((s) => s.v), w: m.weights.map((w) => Array.from(w.dataSync())) };
    };
    const eager = await run(false);
    const jit = await run('auto');
    expect(jit.seen).toEqual(eager.seen);
    expect(jit.w).toEqual(eager.w);
  });

  it('a weight assigned from a user tensor: the tensor is never overwritten', async () => {
    setSeed(7);
    const m = mlp();
    m.compile({ optimizer: 'sgd', loss: 'mse', jitCompile: 'auto' });
    const x = randomNormal([64, 32]);
    const y = randomUniform([64, 10]);
    await m.fit(x, y, { epochs: 1, batchSize: 16, verbose: 0 });
    const mine = tensor(new Float32Array(10).fill(0.5), [10]);
    m.layers[1]!.weights[1]!.assign(mine);
    await m.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0 });
    expect(Array.from(mine.dataSync())).toEqual(new Array(10).fill(0.5));
  });

  it('an LSTM (fused sequence kernel with saved state) trains the same compiled as eager', async () => {
    const run = async (jit: 'auto' | false) => {
      setSeed(8);
      const m = new Sequential({
        layers: [
          new Embedding({ inputDim: 50, outputDim: 8, inputShape: [12] }),
          new LSTM({ units: 16 }),
          new Dense({ units: 1, activation: 'sigmoid' }),
        ],
      });
      m.compile({ optimizer: 'rmsprop', loss: 'binaryCrossentropy', jitCompile: jit });
      const ids = Int32Array.from({ length: 64 * 12 }, (_, i) => (i * 7919) % 50);
      const x = tensor(ids, [64, 12], 'int32');
      const y = tensor(
        Float32Array.from({ length: 64 }, (_, i) => i % 2),
        [64, 1],
      );
      const h = await m.fit(x, y, { epochs: 3, batchSize: 16, verbose: 0 });
      return { loss: h.history.loss, w: m.weights.map((w) => Array.from(w.dataSync())), m };
    };
    const eager = await run(false);
    const jit = await run('auto');
    expect(compiledStepInfo(jit.m).train.fallbacks).toEqual([]);
    expect(jit.loss).toEqual(eager.loss);
    expect(jit.w).toEqual(eager.w);
  });
});
