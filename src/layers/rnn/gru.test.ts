import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../../../test/helpers/expect_close.js';
import { runLayerTest } from '../../../test/helpers/run_layer_test.js';
import {
  expectSidesClose,
  randomizeWeights,
  runOurs,
  runTf,
} from '../../../test/helpers/tfjs_layers.js';
import { tensor, zeros } from '../../ops/creation.js';
import { randomNormal, setSeed } from '../../ops/random.js';
import { deserialize } from '../../serialization.js';
import type { Tensor } from '../../tensor/tensor.js';
import { GRU, GRUCell } from './gru.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

type Mat = number[][];

const sig = (v: number) => 1 / (1 + Math.exp(-v));

/** Row vector · matrix, plain JS. */
function vecMat(v: number[], m: Mat): number[] {
  const out = new Array<number>(m[0]!.length).fill(0);
  v.forEach((a, i) => {
    m[i]!.forEach((w, j) => {
      out[j]! += a * w;
    });
  });
  return out;
}

/**
 * Keras 3's GRU (`reset_after=True`), written out in plain JS from `GRUCell.call` and the TF
 * backend's `rnn` loop: per sample, steps in order (reversed with goBackwards); at a masked
 * step the state stays and the output repeats the previous output (zeros at first).
 * Returns the outputs in processing order and the final state.
 */
function kerasGruResetAfter(
  x: number[][][],
  kernel: Mat,
  rec: Mat,
  bias: Mat,
  opts: { goBackwards?: boolean; mask?: boolean[][]; h0?: number[][] } = {},
): { outputs: number[][][]; last: number[][] } {
  const u = rec.length;
  const outputs: number[][][] = [];
  const last: number[][] = [];
  x.forEach((seq, b) => {
    let h = opts.h0 ? [...opts.h0[b]!] : new Array<number>(u).fill(0);
    let prevOut = new Array<number>(u).fill(0);
    const outs: number[][] = [];
    const order = seq.map((_, t) => t);
    if (opts.goBackwards) order.reverse();
    for (const t of order) {
      const mx = vecMat(seq[t]!, kernel).map((v, j) => v + bias[0]![j]!);
      const mi = vecMat(h, rec).map((v, j) => v + bias[1]![j]!);
      const z = mx.slice(0, u).map((v, j) => sig(v + mi[j]!));
      const r = mx.slice(u, 2 * u).map((v, j) => sig(v + mi[u + j]!));
      const hh = mx.slice(2 * u).map((v, j) => Math.tanh(v + r[j]! * mi[2 * u + j]!));
      const hNew = h.map((hp, j) => z[j]! * hp + (1 - z[j]!) * hh[j]!);
      const on = opts.mask ? opts.mask[b]![t]! : true;
      const out = on ? hNew : prevOut;
      if (on) h = hNew;
      prevOut = out;
      outs.push(out);
    }
    outputs.push(outs);
    last.push(h);
  });
  return { outputs, last };
}

describe('GRU', () => {
  it('passes the layer harness (Keras 3 default resetAfter: bias [2, 3·units])', () => {
    runLayerTest({
      cls: GRU,
      args: { units: 3 },
      inputShape: [2, 4, 5],
      expectedOutputShape: [2, 3],
      expectedNumWeights: 3,
      expectedWeightShapes: [
        [5, 9],
        [3, 9],
        [2, 9],
      ],
    });
  });

  it('passes the layer harness with resetAfter: false (bias [3·units])', () => {
    runLayerTest({
      cls: GRU,
      args: { units: 3, resetAfter: false, returnSequences: true, goBackwards: true },
      inputShape: [2, 4, 2],
      expectedOutputShape: [2, 4, 3],
      expectedWeightShapes: [[2, 9], [3, 9], [9]],
    });
  });

  it('passes the layer harness with a mask and returnState', () => {
    runLayerTest({
      cls: GRU,
      args: { units: 2, returnSequences: true, returnState: true },
      inputShape: [2, 5, 3],
      callOptions: {
        mask: tensor([
          [true, false, true, true, false],
          [false, true, true, false, false],
        ]),
      },
      expectedOutputShape: [
        [2, 5, 2],
        [2, 2],
      ],
    });
  });

  it('passes the layer harness in training mode with dropout and recurrent dropout (both variants)', () => {
    for (const resetAfter of [true, false]) {
      runLayerTest({
        cls: GRU,
        args: { units: 3, dropout: 0.25, recurrentDropout: 0.3, resetAfter },
        inputShape: [2, 4, 3],
        callOptions: { training: true },
        expectedOutputShape: [2, 3],
      });
    }
  });

  it('defaults to Keras 3: resetAfter, zero biases, orthogonal recurrent kernel', () => {
    const g = new GRU({ units: 2 });
    expect(g.resetAfter).toBe(true);
    g.apply(zeros([1, 2, 3]));
    const [, r, b] = g.getWeights() as [Tensor, Tensor, Tensor];
    expectClose(b, zeros([2, 6]));
    expectClose(
      r.matmul(r, false, true),
      [
        [1, 0],
        [0, 1],
      ],
      { atol: 1e-5 },
    );
    expect(g.weights.map((w) => w.name)).toEqual([
      `${g.name}/gru_cell/kernel`,
      `${g.name}/gru_cell/recurrent_kernel`,
      `${g.name}/gru_cell/bias`,
    ]);
  });

  describe('resetAfter: true matches a plain-JS transcription of Keras 3', () => {
    const cases: [string, { goBackwards?: boolean; mask?: boolean; h0?: boolean }][] = [
      ['forward', {}],
      ['goBackwards', { goBackwards: true }],
      ['with a mask', { mask: true }],
      ['with an initial state and a mask, backwards', { h0: true, mask: true, goBackwards: true }],
    ];
    for (const [name, o] of cases) {
      it(name, () => {
        setSeed(5);
        const x = randomNormal([3, 5, 4]);
        const mask = o.mask
          ? [
              [true, false, true, true, false],
              [false, false, true, true, true],
              [true, true, true, true, true],
            ]
          : undefined;
        const h0 = o.h0 ? randomNormal([3, 3]) : null;
        const g = new GRU({
          units: 3,
          returnSequences: true,
          returnState: true,
          goBackwards: o.goBackwards ?? false,
        });
        const ins = h0 ? [x, h0] : [x];
        g.applyMulti(ins);
        const [k, r, b] = randomizeWeights(g, 40) as [Tensor, Tensor, Tensor];
        const [seq, last] = g.applyMulti(ins, mask ? { mask: tensor(mask) } : {}) as [
          Tensor,
          Tensor,
        ];
        const ref = kerasGruResetAfter(
          x.arraySync() as number[][][],
          k.arraySync() as Mat,
          r.arraySync() as Mat,
          b.arraySync() as Mat,
          {
            goBackwards: o.goBackwards,
            mask,
            h0: h0 ? (h0.arraySync() as number[][]) : undefined,
          },
        );
        expectClose(seq, ref.outputs, { rtol: 1e-5, atol: 1e-6 });
        expectClose(last, ref.last, { rtol: 1e-5, atol: 1e-6 });
      });
    }
  });

  describe('resetAfter: false matches tf.layers.gru forward and backward (same weights)', () => {
    const cases: [string, Record<string, unknown>][] = [
      ['last output', {}],
      ['returnSequences', { returnSequences: true }],
      ['returnState', { returnSequences: true, returnState: true }],
      ['goBackwards', { returnSequences: true, goBackwards: true }],
      ['no bias', { useBias: false }],
    ];
    for (const [name, opts] of cases) {
      it(name, () => {
        setSeed(17);
        const x = randomNormal([3, 6, 4]);
        const ours = new GRU({ units: 5, resetAfter: false, ...opts });
        ours.applyMulti(x);
        const ws = randomizeWeights(ours, 3);
        const s = ours.computeOutputShape(x.shape);
        const shapes = (Array.isArray(s[0]) ? s : [s]) as number[][];
        const dys = shapes.map((sh, i) => randomNormal(sh, 0, 1, { seed: 50 + i }));
        const a = runOurs(ours, [x], dys);
        const b = runTf(
          tf.layers.gru({ units: 5, recurrentActivation: 'sigmoid', ...(opts as object) }),
          [x],
          ws,
          dys,
        );
        expectSidesClose(a, b);
      });
    }

    it('with an initial state and a mask', () => {
      setSeed(18);
      const x = randomNormal([2, 5, 3]);
      const h0 = randomNormal([2, 4]);
      const mask = tensor([
        [true, false, true, true, false],
        [true, true, false, false, true],
      ]);
      const ours = new GRU({ units: 4, resetAfter: false, returnSequences: true });
      ours.apply([x, h0]);
      const ws = randomizeWeights(ours, 8);
      const dys = [randomNormal([2, 5, 4], 0, 1, { seed: 4 })];
      // tfjs masks with the previous state, Keras 3 with the previous output: they agree
      // except before the first unmasked step with a nonzero initial state, so the mask keeps
      // step 0 of both samples.
      const a = runOurs(ours, [x, h0], dys, { mask });
      const b = runTf(
        tf.layers.gru({ units: 4, recurrentActivation: 'sigmoid', returnSequences: true }),
        [x, h0],
        ws,
        dys,
        { mask: tf.tensor2d(mask.arraySync() as boolean[][], [2, 5], 'bool') },
      );
      expectSidesClose(a, b);
    });
  });

  it('GRUCell computes one step: h = z·h₀ + (1 − z)·ĥ', () => {
    setSeed(6);
    const x = randomNormal([2, 3]);
    const h = randomNormal([2, 2]);
    const cell = new GRUCell({ units: 2 });
    cell.applyMulti([x, h]);
    const [k, r, b] = randomizeWeights(cell, 1) as [Tensor, Tensor, Tensor];
    const [y, h1] = cell.applyMulti([x, h]) as [Tensor, Tensor];
    expectClose(y, h1);
    const ref = kerasGruResetAfter(
      (x.arraySync() as number[][]).map((row) => [row]),
      k.arraySync() as Mat,
      r.arraySync() as Mat,
      b.arraySync() as Mat,
      { h0: h.arraySync() as number[][] },
    );
    expectClose(h1, ref.last, { rtol: 1e-5, atol: 1e-6 });
  });

  it('GRUCell passes the layer harness (both variants)', () => {
    for (const resetAfter of [true, false]) {
      runLayerTest({
        cls: GRUCell,
        args: { units: 3, resetAfter },
        inputShapes: [
          [2, 4],
          [2, 3],
        ],
        expectedOutputShape: [
          [2, 3],
          [2, 3],
        ],
        expectedWeightShapes: [[4, 9], [3, 9], resetAfter ? [2, 9] : [9]],
      });
    }
  });

  it('has a Keras-style config that round-trips', () => {
    const g = new GRU({ units: 3, resetAfter: false, returnState: true, recurrentDropout: 0.2 });
    const c = g.getConfig();
    expect(c).toMatchObject({
      units: 3,
      resetAfter: false,
      returnState: true,
      recurrentDropout: 0.2,
      recurrentActivation: 'sigmoid',
      activation: 'tanh',
    });
    const back = deserialize<GRU>('layer', {
      className: 'GRU',
      config: JSON.parse(JSON.stringify(c)),
    });
    expect(back.getConfig()).toStrictEqual(c);
    const cell = new GRUCell({ units: 2 });
    expect(
      deserialize<GRUCell>('layer', { className: 'GRUCell', config: cell.getConfig() }).getConfig(),
    ).toStrictEqual(cell.getConfig());
  });
});
