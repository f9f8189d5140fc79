/**
 * Masked whole-sequence LSTM and GRU (Keras masking): a masked step keeps the states and
 * outputs the previous output (zeros before the first step, or always with
 * `zeroOutputForMask`). Checked against an independent per-step formula in plain tensor ops,
 * on every backend, and by a float64 gradient check on the js reference; the RNN layers use the
 * fused op with a mask and agree with their unrolled path.
 */
import { describe, expect, it, vi } from 'vitest';
import { describeBackends } from '../../test/helpers/describe_backends.js';
import { expectClose } from '../../test/helpers/expect_close.js';
import { gradCheck } from '../../test/helpers/grad_check.js';
import { valueAndGrads, variableGrads } from '../autograd/grad.js';
import { findBackend, getBackend, setBackend } from '../backend/registry.js';
import { ShapeError } from '../errors.js';
import { Embedding } from '../layers/embedding.js';
import { GRU } from '../layers/rnn/gru.js';
import { LSTM } from '../layers/rnn/lstm.js';
import { Bidirectional } from '../layers/rnn/wrappers.js';
import { Sequential } from '../models/sequential.js';
import type { Tensor } from '../tensor/tensor.js';
import { tensor, zeros } from './creation.js';
import { where } from './elementwise.js';
import { split, stack } from './movement.js';
import { randomNormal, randomUniform } from './random.js';
import { gruSequence, lstmSequence } from './rnn_sequence.js';

type Cell = 'lstm' | 'gru';

/** One step of either cell in plain ops: the new states (h first). */
function cellStep(cell: Cell, xt: Tensor, U: Tensor, states: Tensor[]): Tensor[] {
  const h = states[0]!;
  if (cell === 'lstm') {
    const z = xt.add(h.matmul(U));
    const [zi, zf, zc, zo] = split(z, 4, 1) as [Tensor, Tensor, Tensor, Tensor];
    const c = zf.sigmoid().mul(states[1]!).add(zi.sigmoid().mul(zc.tanh()));
    return [zo.sigmoid().mul(c.tanh()), c];
  }
  const rp = h.matmul(U);
  const [xz, xr, xh] = split(xt, 3, 1) as [Tensor, Tensor, Tensor];
  const [rz, rr, rh] = split(rp, 3, 1) as [Tensor, Tensor, Tensor];
  const z = xz.add(rz).sigmoid();
  const hh = xh.add(xr.add(rr).sigmoid().mul(rh)).tanh();
  return [z.mul(h).add(z.neg().add(1).mul(hh))];
}

/** The masked recurrence step by step: outputs, last output and final states. */
function perStep(
  cell: Cell,
  xp: Tensor,
  U: Tensor,
  init: Tensor[],
  mask: Tensor,
  back: boolean,
  zeroOut: boolean,
): { sequence: Tensor; last: Tensor; states: Tensor[] } {
  const [B, T, g] = xp.shape as [number, number, number];
  const u = init[0]!.shape[1]!;
  let states = init;
  let prev = zeros([B, u]);
  const outs: Tensor[] = [];
  for (let k = 0; k < T; k++) {
    const t = back ? T - 1 - k : k;
    const xt = xp.slice([0, t, 0], [B, 1, g]).reshape([B, g]);
    const keep = mask.slice([0, t], [B, 1]);
    const fresh = cellStep(cell, xt, U, states);
    const out = where(keep, fresh[0]!, zeroOut ? zeros([B, u]) : prev);
    states = fresh.map((s, i) => where(keep, s, states[i]!));
    outs.push(out);
    prev = out;
  }
  return { sequence: stack(outs, 1), last: outs[T - 1]!, states };
}

function fused(
  cell: Cell,
  xp: Tensor,
  U: Tensor,
  init: Tensor[],
  mask: Tensor,
  back: boolean,
  zeroOut: boolean,
): { sequence: Tensor; last: Tensor; states: Tensor[] } {
  const opts = { goBackwards: back, mask, zeroOutputForMask: zeroOut };
  if (cell === 'lstm') {
    const r = lstmSequence(xp, U, init[0]!, init[1]!, opts);
    return { sequence: r.sequence, last: r.last, states: [r.h, r.c] };
  }
  const r = gruSequence(xp, U, null, init[0]!, opts);
  return { sequence: r.sequence, last: r.last, states: [r.h] };
}

/** A mask with whole rows kept, whole rows masked, leading and trailing masked steps. */
function maskOf(B: number, T: number, seed: number): Tensor {
  const r = randomUniform([B, T], 0, 1, { seed }).dataSync();
  const v = Array.from(r, (x) => x > 0.35);
  for (let t = 0; t < T; t++) v[t] = true; // row 0: all kept
  if (B > 1) for (let t = 0; t < T; t++) v[T + t] = false; // row 1: all masked
  if (B > 2) v[2 * T] = false; // row 2 starts masked
  if (B > 3) v[4 * T - 1] = false; // row 3 ends masked
  return tensor(v, [B, T], 'bool');
}

describeBackends('masked sequence ops', () => {
  it('match the masked per-step formula: values 1e-5, gradients 1e-4 (LSTM and GRU, both directions, zeroOutputForMask)', () => {
    let seed = 500;
    for (const cell of ['lstm', 'gru'] as const) {
      const G = cell === 'lstm' ? 4 : 3;
      for (const [B, T, u, back, zeroOut] of [
        [4, 5, 3, false, false],
        [6, 7, 8, true, false],
        [9, 4, 13, false, true],
        [17, 6, 16, true, true],
      ] as const) {
        const xp = randomNormal([B, T, G * u], 0, 1, { seed: seed++ });
        const U = randomNormal([u, G * u], 0, 0.5, { seed: seed++ });
        const init = (cell === 'lstm' ? [0, 1] : [0]).map(() =>
          randomNormal([B, u], 0, 1, { seed: seed++ }),
        );
        const mask = maskOf(B, T, seed++);
        const w = [
          randomNormal([B, T, u], 0, 1, { seed: seed++ }),
          randomNormal([B, u], 0, 1, { seed: seed++ }),
        ];
        const obj = (o: { sequence: Tensor; last: Tensor; states: Tensor[] }) =>
          o.states.reduce(
            (acc, s) => acc.add(s.sum()),
            o.sequence.mul(w[0]!).sum().add(o.last.mul(w[1]!).sum()),
          );
        const got = fused(cell, xp, U, init, mask, back, zeroOut);
        const want = perStep(cell, xp, U, init, mask, back, zeroOut);
        expectClose(got.sequence, want.sequence, { rtol: 1e-5, atol: 1e-5 });
        expectClose(got.last, want.last, { rtol: 1e-5, atol: 1e-5 });
        got.states.forEach((s, i) => expectClose(s, want.states[i]!, { rtol: 1e-5, atol: 1e-5 }));
        const ins = [xp, U, ...init];
        const a = valueAndGrads((...t: Tensor[]) =>
          obj(fused(cell, t[0]!, t[1]!, t.slice(2), mask, back, zeroOut)),
        )(ins);
        const b = valueAndGrads((...t: Tensor[]) =>
          obj(perStep(cell, t[0]!, t[1]!, t.slice(2), mask, back, zeroOut)),
        )(ins);
        for (let i = 0; i < ins.length; i++) {
          expectClose(a.grads[i]!, b.grads[i]!, { rtol: 1e-4, atol: 1e-4 });
        }
      }
    }
  });

  it('refuses a mask of the wrong shape, naming the op', () => {
    const s = zeros([2, 2]);
    expect(() =>
      lstmSequence(zeros([2, 3, 8]), zeros([2, 8]), s, s, { mask: zeros([2, 4]) }),
    ).toThrow(
      new ShapeError('lstmSequence: mask must have shape [2, 3] (batch, steps), got [2, 4]'),
    );
    expect(() =>
      gruSequence(zeros([2, 3, 6]), zeros([2, 6]), null, s, { mask: zeros([3]) }),
    ).toThrow(/gruSequence: mask must have shape \[2, 3\]/);
  });
});

describe('masked sequence ops on the js reference (float64)', () => {
  it('pass a float64 gradient check', () => {
    const prev = getBackend().name;
    setBackend('js');
    try {
      const mask = maskOf(4, 3, 77);
      for (const cell of ['lstm', 'gru'] as const) {
        const G = cell === 'lstm' ? 4 : 3;
        const gen = (shape: number[], s: number) => ({
          shape,
          values: randomNormal(shape, 0, 0.8, { seed: s }).dataSync(),
        });
        const w = randomNormal([4, 3, 2], 0, 1, { seed: 9 }).cast('float64');
        const inits = cell === 'lstm' ? [gen([4, 2], 3), gen([4, 2], 4)] : [gen([4, 2], 3)];
        for (const zeroOut of [false, true]) {
          gradCheck(
            (x, k, ...init) => {
              const o = fused(cell, x, k, init, mask, true, zeroOut);
              return o.sequence.mul(w).sum().reshape([1]).add(o.states[0]!.sum()).add(o.last.sum());
            },
            [gen([4, 3, G * 2], 1), gen([2, G * 2], 2), ...inits],
            { rtol: 1e-5, atol: 1e-7 },
          );
        }
      }
    } finally {
      setBackend(prev);
    }
  });
});

function nativeAvailable(): boolean {
  try {
    return findBackend('native').hasFusedLstmSequence('float32');
  } catch {
    return false;
  }
}

describe.runIf(nativeAvailable())(
  'masked LSTM and GRU layers on native use the sequence kernels',
  () => {
    it('Embedding(maskZero) → LSTM / GRU / Bidirectional(LSTM): fused equals unrolled, loss and weight gradients', () => {
      const prev = getBackend().name;
      setBackend('native');
      const b = findBackend('native');
      try {
        // Padded id sequences: zeros (masked) at the end of most rows, at the start of one.
        const ids = tensor(
          [
            [3, 5, 2, 0, 0, 0],
            [7, 1, 1, 4, 9, 2],
            [0, 0, 8, 8, 3, 0],
            [6, 0, 0, 0, 0, 0],
            [2, 2, 2, 2, 0, 0],
          ],
          [5, 6],
          'int32',
        );
        let seed = 900;
        for (const make of [
          () => new LSTM({ units: 7 }),
          () => new LSTM({ units: 5, returnSequences: true, zeroOutputForMask: true }),
          () => new GRU({ units: 6, goBackwards: true }),
          () => new GRU({ units: 4, returnSequences: true }),
          () => new Bidirectional(new LSTM({ units: 4, returnSequences: true })),
        ]) {
          const model = new Sequential({
            layers: [new Embedding({ inputDim: 10, outputDim: 3, maskZero: true }), make()],
          });
          model.apply(ids);
          model.setWeights(
            model.getWeights().map((w) => randomNormal(w.shape, 0, 0.5, { seed: seed++ })),
          );
          const run = (fusedOn: boolean) => {
            const spies = fusedOn
              ? []
              : [
                  vi.spyOn(b, 'hasFusedLstmSequence').mockReturnValue(false),
                  vi.spyOn(b, 'hasFusedGruSequence').mockReturnValue(false),
                ];
            const calls = [vi.spyOn(b, 'lstmSequence'), vi.spyOn(b, 'gruSequence')];
            try {
              const r = variableGrads(() => {
                const y = model.apply(ids) as Tensor;
                return y.mul(y).sum();
              }, model.trainableWeights);
              return { ...r, calls: calls.reduce((n, s) => n + s.mock.calls.length, 0) };
            } finally {
              for (const s of [...spies, ...calls]) s.mockRestore();
            }
          };
          const a = run(true);
          const c = run(false);
          expect([a.calls > 0, c.calls]).toEqual([true, 0]);
          expectClose(a.value, c.value, { rtol: 1e-5, atol: 1e-5 });
          a.grads.forEach((g, i) => expectClose(g!, c.grads[i]!, { rtol: 1e-4, atol: 1e-4 }));
        }
      } finally {
        setBackend(prev);
      }
    });
  },
);
