import { describe, expect, it, vi } from 'vitest';
import { describeBackends } from '../../test/helpers/describe_backends.js';
import { expectClose } from '../../test/helpers/expect_close.js';
import { gradCheck } from '../../test/helpers/grad_check.js';
import { valueAndGrads, variableGrads } from '../autograd/grad.js';
import { findBackend, getBackend, setBackend } from '../backend/registry.js';
import { DTypeError, ShapeError } from '../errors.js';
import { LSTM } from '../layers/rnn/lstm.js';
import type { Tensor } from '../tensor/tensor.js';
import { tensor, zeros } from './creation.js';
import { stack } from './movement.js';
import { randomNormal, setSeed } from './random.js';
import { lstmGates } from './rnn_cell.js';
import { lstmSequence } from './rnn_sequence.js';

/**
 * The per-step path the LSTM layer took before the sequence op (one matmul, add and fused gate
 * op per step), written independently of the sequence kernels.
 */
function perStep(
  xProj: Tensor,
  U: Tensor,
  h0: Tensor,
  c0: Tensor,
  back = false,
): { sequence: Tensor; h: Tensor; c: Tensor } {
  const [B, T, g] = xProj.shape as [number, number, number];
  let h = h0;
  let c = c0;
  const hs: Tensor[] = [];
  for (let k = 0; k < T; k++) {
    const t = back ? T - 1 - k : k;
    const xt = xProj.slice([0, t, 0], [B, 1, g]).reshape([B, g]);
    [h, c] = lstmGates(xt.add(h.matmul(U)), c);
    hs.push(h);
  }
  return { sequence: stack(hs, 1), h, c };
}

/** Σ of each output times a fixed random weight: every output gets a nonzero gradient. */
function objective(o: { sequence: Tensor; h: Tensor; c: Tensor }, w: Tensor[]): Tensor {
  return o.sequence.mul(w[0]!).sum().add(o.h.mul(w[1]!).sum()).add(o.c.mul(w[2]!).sum());
}

const CASES: [number, number, number, number, boolean][] = [
  // batch, steps, inputDim (as 4·units projection), units, goBackwards
  [1, 5, 0, 3, false],
  [3, 4, 0, 8, true],
  [13, 7, 0, 13, false],
  [64, 6, 0, 32, true],
];

describeBackends('lstmSequence', () => {
  it('matches the per-step path (values 1e-5, gradients 1e-4), both directions', () => {
    let seed = 10;
    for (const [B, T, , u, back] of CASES) {
      const xp = randomNormal([B, T, 4 * u], 0, 1, { seed: seed++ });
      const U = randomNormal([u, 4 * u], 0, 0.5, { seed: seed++ });
      const h0 = randomNormal([B, u], 0, 1, { seed: seed++ });
      const c0 = randomNormal([B, u], 0, 1, { seed: seed++ });
      const w = [
        [B, T, u],
        [B, u],
        [B, u],
      ].map((s) => randomNormal(s, 0, 1, { seed: seed++ }));
      const f = valueAndGrads((a, b, c, d) =>
        objective(lstmSequence(a, b, c, d, { goBackwards: back }), w),
      );
      const r = valueAndGrads((a, b, c, d) => objective(perStep(a, b, c, d, back), w));
      const got = lstmSequence(xp, U, h0, c0, { goBackwards: back });
      const want = perStep(xp, U, h0, c0, back);
      expectClose(got.sequence, want.sequence, { rtol: 1e-5, atol: 1e-5 });
      expectClose(got.h, want.h, { rtol: 1e-5, atol: 1e-5 });
      expectClose(got.c, want.c, { rtol: 1e-5, atol: 1e-5 });
      const a = f([xp, U, h0, c0]);
      const b = r([xp, U, h0, c0]);
      for (let i = 0; i < 4; i++) {
        expectClose(a.grads[i]!, b.grads[i]!, { rtol: 1e-4, atol: 1e-4 });
      }
    }
  });

  it('gives each output its own gradient (only the last h used)', () => {
    const xp = randomNormal([2, 3, 8], 0, 1, { seed: 1 });
    const U = randomNormal([2, 8], 0, 1, { seed: 2 });
    const z = zeros([2, 2]);
    const a = valueAndGrads((x, k) => lstmSequence(x, k, z, z).h.sum())([xp, U]);
    const b = valueAndGrads((x, k) => perStep(x, k, z, z).h.sum())([xp, U]);
    expectClose(a.grads[0]!, b.grads[0]!, { rtol: 1e-4, atol: 1e-5 });
    expectClose(a.grads[1]!, b.grads[1]!, { rtol: 1e-4, atol: 1e-5 });
  });

  it('refuses bad shapes and dtypes with typed errors', () => {
    const xp = zeros([2, 3, 8]);
    const U = zeros([2, 8]);
    const s = zeros([2, 2]);
    expect(() => lstmSequence(zeros([2, 3, 7]), U, s, s)).toThrow(ShapeError);
    expect(() => lstmSequence(xp, zeros([2, 4]), s, s)).toThrow(ShapeError);
    expect(() => lstmSequence(xp, U, zeros([3, 2]), s)).toThrow(ShapeError);
    expect(() => lstmSequence(zeros([2, 0, 8]), U, s, s)).toThrow(/lstmSequence: expected/);
    expect(() => lstmSequence(xp, U, s, zeros([2, 2], 'int32'))).toThrow(DTypeError);
  });
});

describe('lstmSequence on the js reference (float64)', () => {
  it('passes a float64 gradient check, both directions', () => {
    const prev = getBackend().name;
    setBackend('js');
    try {
      for (const back of [false, true]) {
        const gen = (shape: number[], s: number) => ({
          shape,
          values: randomNormal(shape, 0, 0.8, { seed: s }).dataSync(),
        });
        const w = tensor(randomNormal([2, 3, 3], 0, 1, { seed: 9 }).dataSync(), [2, 3, 3]).cast(
          'float64',
        );
        gradCheck(
          (x, k, h, c) => {
            const o = lstmSequence(x, k, h, c, { goBackwards: back });
            return o.sequence.mul(w).sum().reshape([1]).add(o.c.sum());
          },
          [gen([2, 3, 12], 1), gen([3, 12], 2), gen([2, 3], 3), gen([2, 3], 4)],
          { rtol: 1e-5, atol: 1e-7 },
        );
      }
    } finally {
      setBackend(prev);
    }
  });
});

/** Whether the native backend (with a fused sequence kernel) runs here. */
function nativeAvailable(): boolean {
  try {
    return findBackend('native').hasFusedLstmSequence('float32');
  } catch {
    return false;
  }
}

describe.runIf(nativeAvailable())('LSTM layer on native uses the sequence kernel', () => {
  /** The layer's loss and weight gradients, with the sequence kernel on or off; counts its calls. */
  function run(
    layer: LSTM,
    x: Tensor,
    init: Tensor[] | null,
    fused: boolean,
    call: (l: LSTM, ins: Tensor | Tensor[]) => Tensor = (l, ins) => l.apply(ins),
  ) {
    const b = findBackend('native');
    // Spies restore the prototype's methods exactly (no own properties left on the backend).
    const has = fused ? null : vi.spyOn(b, 'hasFusedLstmSequence').mockReturnValue(false);
    const seq = vi.spyOn(b, 'lstmSequence');
    try {
      const loss = () => {
        const y = call(layer, init ? [x, ...init] : x);
        return y.mul(y).sum();
      };
      return { ...variableGrads(loss, layer.trainableWeights), calls: seq.mock.calls.length };
    } finally {
      has?.mockRestore();
      seq.mockRestore();
    }
  }

  it('equals the unrolled path: returnSequences, goBackwards, initial states, odd units, batch 1', () => {
    const prev = getBackend().name;
    setBackend('native');
    try {
      let seed = 100;
      for (const [B, T, F, u, seq, back, withInit] of [
        [1, 4, 3, 5, false, false, false],
        [5, 6, 7, 13, true, false, true],
        [9, 5, 4, 8, true, true, false],
        [16, 7, 6, 12, false, true, true],
      ] as const) {
        const layer = new LSTM({ units: u, returnSequences: seq, goBackwards: back });
        const x = randomNormal([B, T, F], 0, 1, { seed: seed++ });
        layer.apply(x); // build
        layer.setWeights(
          layer.getWeights().map((w) => randomNormal(w.shape, 0, 0.5, { seed: seed++ })),
        );
        const init = withInit
          ? [
              randomNormal([B, u], 0, 1, { seed: seed++ }),
              randomNormal([B, u], 0, 1, { seed: seed++ }),
            ]
          : null;
        const a = run(layer, x, init, true);
        const b = run(layer, x, init, false);
        expect([a.calls, b.calls]).toEqual([1, 0]);
        expectClose(a.value, b.value, { rtol: 1e-5, atol: 1e-5 });
        expect(a.grads).toHaveLength(3);
        for (let i = 0; i < 3; i++) {
          expectClose(a.grads[i]!, b.grads[i]!, { rtol: 1e-4, atol: 1e-4 });
        }
      }
    } finally {
      setBackend(prev);
    }
  });

  it('keeps Keras semantics: stateful calls, input dropout draws, masks (fused) and recurrent dropout', () => {
    const prev = getBackend().name;
    setBackend('native');
    try {
      const x = randomNormal([4, 5, 3], 0, 1, { seed: 1 });
      const build = (args: ConstructorParameters<typeof LSTM>[0]) => {
        const l = new LSTM(args);
        l.apply(x);
        l.setWeights(l.getWeights().map((w, i) => randomNormal(w.shape, 0, 0.5, { seed: 7 + i })));
        // The build call above ran with the random initial weights: start from zeros.
        if (l.stateful) l.resetStates();
        return l;
      };
      // Stateful: two calls in a row, the second starting from the first's final states.
      const statefulRun = (fused: boolean) => {
        const l = build({ units: 6, stateful: true, batchInputShape: [4, 5, 3] });
        run(l, x, null, fused);
        return run(l, x, null, fused);
      };
      const [sa, sb] = [statefulRun(true), statefulRun(false)];
      expect([sa.calls, sb.calls]).toEqual([1, 0]);
      expectClose(sa.value, sb.value, { rtol: 1e-5, atol: 1e-5 });
      // Input dropout in training: the same seed draws the same masks on both paths.
      const drop = build({ units: 6, dropout: 0.4, returnSequences: true });
      const train = (l: LSTM, ins: Tensor | Tensor[]) => l.apply(ins, { training: true });
      setSeed(5);
      const da = run(drop, x, null, true, train);
      setSeed(5);
      const db = run(drop, x, null, false, train);
      expect([da.calls, db.calls]).toEqual([1, 0]);
      expectClose(da.value, db.value, { rtol: 1e-5, atol: 1e-5 });
      expectClose(da.grads[0]!, db.grads[0]!, { rtol: 1e-4, atol: 1e-4 });
      // A mask, or recurrent dropout while training, takes the unrolled path.
      const plain = build({ units: 6 });
      const mask = tensor([
        [true, true, false, true, true],
        [true, true, true, true, true],
        [false, true, true, true, true],
        [true, true, true, true, false],
      ]);
      // A mask runs fused too (masked steps keep the states), equal to the unrolled path.
      const masked = (l: typeof plain, ins: Tensor | Tensor[]) => l.apply(ins, { mask });
      const ma = run(plain, x, null, true, masked);
      const mb = run(plain, x, null, false, masked);
      expect([ma.calls, mb.calls]).toEqual([1, 0]);
      expectClose(ma.value, mb.value, { rtol: 1e-5, atol: 1e-5 });
      ma.grads.forEach((g, i) => expectClose(g!, mb.grads[i]!, { rtol: 1e-4, atol: 1e-4 }));
      const rdrop = build({ units: 6, recurrentDropout: 0.3 });
      expect(run(rdrop, x, null, true, train).calls).toBe(0);
      expect(run(rdrop, x, null, true).calls).toBe(1);
    } finally {
      setBackend(prev);
    }
  });
});
