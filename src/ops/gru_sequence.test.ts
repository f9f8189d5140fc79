import { describe, expect, it, vi } from 'vitest';
import { describeBackends } from '../../test/helpers/describe_backends.js';
import { expectClose } from '../../test/helpers/expect_close.js';
import { gradCheck } from '../../test/helpers/grad_check.js';
import { valueAndGrads, variableGrads } from '../autograd/grad.js';
import { findBackend, getBackend, setBackend } from '../backend/registry.js';
import { DTypeError, ShapeError } from '../errors.js';
import { GRU } from '../layers/rnn/gru.js';
import type { Tensor } from '../tensor/tensor.js';
import { tensor, zeros } from './creation.js';
import { split, stack } from './movement.js';
import { randomNormal, setSeed } from './random.js';
import { gruSequence } from './rnn_sequence.js';

/**
 * The GRU recurrence written out in plain tensor ops (Keras 3's `resetAfter` formula), with no
 * fused gate or sequence kernel: the independent reference.
 */
function perStep(
  xProj: Tensor,
  U: Tensor,
  bRec: Tensor | null,
  h0: Tensor,
  back = false,
): { sequence: Tensor; h: Tensor } {
  const [B, T, g] = xProj.shape as [number, number, number];
  let h = h0;
  const hs: Tensor[] = [];
  for (let k = 0; k < T; k++) {
    const t = back ? T - 1 - k : k;
    const xt = xProj.slice([0, t, 0], [B, 1, g]).reshape([B, g]);
    let rp = h.matmul(U);
    if (bRec) rp = rp.add(bRec);
    const [xz, xr, xh] = split(xt, 3, 1) as [Tensor, Tensor, Tensor];
    const [rz, rr, rh] = split(rp, 3, 1) as [Tensor, Tensor, Tensor];
    const z = xz.add(rz).sigmoid();
    const r = xr.add(rr).sigmoid();
    const hh = xh.add(r.mul(rh)).tanh();
    h = z.mul(h).add(z.neg().add(1).mul(hh));
    hs.push(h);
  }
  return { sequence: stack(hs, 1), h };
}

function objective(o: { sequence: Tensor; h: Tensor }, w: Tensor[]): Tensor {
  return o.sequence.mul(w[0]!).sum().add(o.h.mul(w[1]!).sum());
}

describeBackends('gruSequence', () => {
  it('matches the per-step formula (values 1e-5, gradients 1e-4), with and without bias, both directions', () => {
    let seed = 30;
    for (const [B, T, u, back, withBias] of [
      [1, 5, 3, false, true],
      [3, 4, 8, true, false],
      [13, 7, 13, false, true],
      [64, 6, 32, true, true],
    ] as const) {
      const xp = randomNormal([B, T, 3 * u], 0, 1, { seed: seed++ });
      const U = randomNormal([u, 3 * u], 0, 0.5, { seed: seed++ });
      const bR = withBias ? randomNormal([3 * u], 0, 0.5, { seed: seed++ }) : null;
      const h0 = randomNormal([B, u], 0, 1, { seed: seed++ });
      const w = [
        randomNormal([B, T, u], 0, 1, { seed: seed++ }),
        randomNormal([B, u], 0, 1, { seed: seed++ }),
      ];
      const got = gruSequence(xp, U, bR, h0, { goBackwards: back });
      const want = perStep(xp, U, bR, h0, back);
      expectClose(got.sequence, want.sequence, { rtol: 1e-5, atol: 1e-5 });
      expectClose(got.h, want.h, { rtol: 1e-5, atol: 1e-5 });
      const ins = bR ? [xp, U, bR, h0] : [xp, U, h0];
      const fa = (...t: Tensor[]) =>
        bR
          ? gruSequence(t[0]!, t[1]!, t[2]!, t[3]!, { goBackwards: back })
          : gruSequence(t[0]!, t[1]!, null, t[2]!, { goBackwards: back });
      const fb = (...t: Tensor[]) =>
        bR ? perStep(t[0]!, t[1]!, t[2]!, t[3]!, back) : perStep(t[0]!, t[1]!, null, t[2]!, back);
      const a = valueAndGrads((...t: Tensor[]) => objective(fa(...t), w))(ins);
      const b = valueAndGrads((...t: Tensor[]) => objective(fb(...t), w))(ins);
      expectClose(a.value, b.value, { rtol: 1e-5, atol: 1e-4 });
      for (let i = 0; i < ins.length; i++) {
        expectClose(a.grads[i]!, b.grads[i]!, { rtol: 1e-4, atol: 1e-4 });
      }
    }
  });

  it('gives each output its own gradient (only the last h used)', () => {
    const xp = randomNormal([2, 3, 6], 0, 1, { seed: 1 });
    const U = randomNormal([2, 6], 0, 1, { seed: 2 });
    const z = zeros([2, 2]);
    const a = valueAndGrads((x, k) => gruSequence(x, k, null, z).h.sum())([xp, U]);
    const b = valueAndGrads((x, k) => perStep(x, k, null, z).h.sum())([xp, U]);
    expectClose(a.grads[0]!, b.grads[0]!, { rtol: 1e-4, atol: 1e-5 });
    expectClose(a.grads[1]!, b.grads[1]!, { rtol: 1e-4, atol: 1e-5 });
  });

  it('refuses bad shapes and dtypes with typed errors', () => {
    const xp = zeros([2, 3, 6]);
    const U = zeros([2, 6]);
    const s = zeros([2, 2]);
    expect(() => gruSequence(zeros([2, 3, 7]), U, null, s)).toThrow(ShapeError);
    expect(() => gruSequence(xp, zeros([2, 4]), null, s)).toThrow(ShapeError);
    expect(() => gruSequence(xp, U, zeros([5]), s)).toThrow(
      /gruSequence: expected .*recurrentBias \[5\]/,
    );
    expect(() => gruSequence(xp, U, null, zeros([3, 2]))).toThrow(ShapeError);
    expect(() => gruSequence(zeros([2, 0, 6]), U, null, s)).toThrow(/gruSequence: expected/);
    expect(() => gruSequence(xp, U, null, zeros([2, 2], 'int32'))).toThrow(DTypeError);
  });
});

describe('gruSequence on the js reference (float64)', () => {
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
          (x, k, bias, h) => {
            const o = gruSequence(x, k, bias, h, { goBackwards: back });
            return o.sequence.mul(w).sum().reshape([1]).add(o.h.sum());
          },
          [gen([2, 3, 9], 1), gen([3, 9], 2), gen([9], 3), gen([2, 3], 4)],
          { rtol: 1e-5, atol: 1e-7 },
        );
      }
    } finally {
      setBackend(prev);
    }
  });
});

function nativeAvailable(): boolean {
  try {
    return findBackend('native').hasFusedGruSequence('float32');
  } catch {
    return false;
  }
}

describe.runIf(nativeAvailable())('GRU layer on native uses the sequence kernel', () => {
  function run(
    layer: GRU,
    x: Tensor,
    init: Tensor[] | null,
    fused: boolean,
    call: (l: GRU, ins: Tensor | Tensor[]) => Tensor = (l, ins) => l.apply(ins),
  ) {
    const b = findBackend('native');
    const has = fused ? null : vi.spyOn(b, 'hasFusedGruSequence').mockReturnValue(false);
    const seq = vi.spyOn(b, 'gruSequence');
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

  it('equals the unrolled path: returnSequences, goBackwards, initial state, no bias, odd units, batch 1', () => {
    const prev = getBackend().name;
    setBackend('native');
    try {
      let seed = 200;
      for (const [B, T, F, u, seq, back, withInit, useBias] of [
        [1, 4, 3, 5, false, false, false, true],
        [5, 6, 7, 13, true, false, true, true],
        [9, 5, 4, 8, true, true, false, false],
        [16, 7, 6, 12, false, true, true, true],
      ] as const) {
        const layer = new GRU({ units: u, returnSequences: seq, goBackwards: back, useBias });
        const x = randomNormal([B, T, F], 0, 1, { seed: seed++ });
        layer.apply(x);
        layer.setWeights(
          layer.getWeights().map((w) => randomNormal(w.shape, 0, 0.5, { seed: seed++ })),
        );
        const init = withInit ? [randomNormal([B, u], 0, 1, { seed: seed++ })] : null;
        const a = run(layer, x, init, true);
        const b = run(layer, x, init, false);
        expect([a.calls, b.calls]).toEqual([1, 0]);
        expectClose(a.value, b.value, { rtol: 1e-5, atol: 1e-5 });
        expect(a.grads).toHaveLength(useBias ? 3 : 2);
        for (let i = 0; i < a.grads.length; i++) {
          expectClose(a.grads[i]!, b.grads[i]!, { rtol: 1e-4, atol: 1e-4 });
        }
      }
    } finally {
      setBackend(prev);
    }
  });

  it('keeps Keras semantics: input dropout draws, masks (fused), recurrent dropout and resetAfter false', () => {
    const prev = getBackend().name;
    setBackend('native');
    try {
      const x = randomNormal([4, 5, 3], 0, 1, { seed: 1 });
      const build = (args: ConstructorParameters<typeof GRU>[0]) => {
        const l = new GRU(args);
        l.apply(x);
        l.setWeights(l.getWeights().map((w, i) => randomNormal(w.shape, 0, 0.5, { seed: 7 + i })));
        return l;
      };
      const drop = build({ units: 6, dropout: 0.4, returnSequences: true });
      const train = (l: GRU, ins: Tensor | Tensor[]) => l.apply(ins, { training: true });
      setSeed(5);
      const da = run(drop, x, null, true, train);
      setSeed(5);
      const db = run(drop, x, null, false, train);
      expect([da.calls, db.calls]).toEqual([1, 0]);
      expectClose(da.value, db.value, { rtol: 1e-5, atol: 1e-5 });
      expectClose(da.grads[0]!, db.grads[0]!, { rtol: 1e-4, atol: 1e-4 });
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
      expect(run(build({ units: 6, resetAfter: false }), x, null, true).calls).toBe(0);
    } finally {
      setBackend(prev);
    }
  });
});
