import { describe, expect, it } from 'vitest';
import { expectClose } from '../../../test/helpers/expect_close.js';
import { gradCheck, randomValues } from '../../../test/helpers/grad_check.js';
import { runLayerTest } from '../../../test/helpers/run_layer_test.js';
import { randomizeWeights } from '../../../test/helpers/tfjs_layers.js';
import { grads } from '../../autograd/grad.js';
import { variableGrads } from '../../autograd/grad.js';
import { noGrad } from '../../autograd/tape.js';
import { variable } from '../../autograd/variable.js';
import { setBackend } from '../../backend/registry.js';
import { model } from '../../models/model.js';
import { Sequential } from '../../models/sequential.js';
import { ones, tensor, zeros } from '../../ops/creation.js';
import { concat } from '../../ops/movement.js';
import { globalGenerator, randomNormal, setSeed } from '../../ops/random.js';
import { type Config, deserialize, registerSerializable } from '../../serialization.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Dense } from '../dense.js';
import { Embedding } from '../embedding.js';
import { input } from '../input_layer.js';
import { type CallOptions, Layer, type LayerVariable, isShapeList, single } from '../layer.js';
import type { SymbolicShape } from '../symbolic.js';
import { RNNCell } from './cell.js';
import { dropoutMask, unstackTime } from './cell_util.js';
import { GRU } from './gru.js';
import { LSTM, LSTMCell } from './lstm.js';
import { RNN } from './rnn.js';
import { SimpleRNN } from './simple_rnn.js';

/** Keras's docstring example: a minimal cell `y = x·K + h·R`. */
class MinimalRNNCell extends RNNCell {
  static override readonly className = 'MinimalRNNCell';
  readonly stateSize: readonly number[];
  readonly units: number;
  kernel: LayerVariable | null = null;
  recurrent: LayerVariable | null = null;

  constructor(args: { units: number; name?: string; dtype?: 'float32' | 'float64' }) {
    super(args);
    this.units = args.units;
    this.stateSize = [args.units];
  }

  override build(s: SymbolicShape | SymbolicShape[]): void {
    const x = (isShapeList(s) ? (s as SymbolicShape[])[0]! : s) as SymbolicShape;
    this.kernel = this.addWeight({ name: 'kernel', shape: [x.at(-1)!, this.units] });
    this.recurrent = this.addWeight({
      name: 'recurrent_kernel',
      shape: [this.units, this.units],
      initializer: 'orthogonal',
    });
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor[] {
    const [x, h] = inputs as Tensor[];
    const y = x!.matmul(this.kernel!).add(h!.matmul(this.recurrent!));
    return [y, y];
  }

  override getConfig(): Config {
    return { ...super.getConfig(), units: this.units };
  }
}
registerSerializable('layer', MinimalRNNCell);

/** An Embedding-like mask source: passes x through and masks steps whose features are all 0. */
class ZeroStepMask extends Layer {
  static override readonly className = 'ZeroStepMask';
  override call(inputs: Tensor | Tensor[]): Tensor {
    return single(inputs, this);
  }
  override computeMask(inputs: Tensor | Tensor[]): Tensor {
    return single(inputs, this).notEqual(0).any(-1);
  }
  override computeOutputShape(s: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return s as SymbolicShape;
  }
}

/**
 * Keras 3's masked loop (TF backend `rnn`) for a SimpleRNN, in plain JS: a masked step keeps
 * the state and repeats the previous output (zeros before any output), or outputs zeros with
 * zeroOutputForMask.
 */
function refMaskedSimpleRnn(
  x: number[][][],
  k: number[][],
  r: number[][],
  b: number[],
  mask: boolean[][],
  h0: number[][],
  o: { goBackwards?: boolean; zeroOutputForMask?: boolean } = {},
): { outputs: number[][][]; last: number[][] } {
  const u = b.length;
  const outputs: number[][][] = [];
  const last: number[][] = [];
  x.forEach((seq, s) => {
    let h = [...h0[s]!];
    let prev = new Array<number>(u).fill(0);
    const outs: number[][] = [];
    const order = seq.map((_, t) => t);
    if (o.goBackwards) order.reverse();
    for (const t of order) {
      const hn = b.map((bj, j) => {
        let v = bj;
        seq[t]!.forEach((xi, i) => {
          v += xi * k[i]![j]!;
        });
        h.forEach((hi, i) => {
          v += hi * r[i]![j]!;
        });
        return Math.tanh(v);
      });
      const on = mask[s]![t]!;
      const out = on ? hn : o.zeroOutputForMask ? new Array<number>(u).fill(0) : prev;
      if (on) h = hn;
      prev = out;
      outs.push(out);
    }
    outputs.push(outs);
    last.push(h);
  });
  return { outputs, last };
}

const MASK = [
  [false, false, true, false, true, false],
  [true, false, false, true, true, true],
  [false, false, false, false, false, false],
];

describe('RNN masking (Keras 3 semantics)', () => {
  for (const goBackwards of [false, true]) {
    for (const zeroOutputForMask of [false, true]) {
      it(`masked steps keep the state and repeat the previous output (goBackwards ${goBackwards}, zeroOutputForMask ${zeroOutputForMask})`, () => {
        setSeed(1);
        // Step 1 is masked for every sample (the all-masked shortcut), sample 2 throughout.
        const x = randomNormal([3, 6, 2]);
        const h0 = randomNormal([3, 3]);
        const l = new SimpleRNN({
          units: 3,
          returnSequences: true,
          returnState: true,
          goBackwards,
          zeroOutputForMask,
        });
        l.applyMulti([x, h0]);
        const [k, r, b] = randomizeWeights(l, 2) as [Tensor, Tensor, Tensor];
        const [seq, last] = l.applyMulti([x, h0], { mask: tensor(MASK) }) as [Tensor, Tensor];
        const ref = refMaskedSimpleRnn(
          x.arraySync() as number[][][],
          k.arraySync() as number[][],
          r.arraySync() as number[][],
          b.arraySync() as number[],
          MASK,
          h0.arraySync() as number[][],
          { goBackwards, zeroOutputForMask },
        );
        expectClose(seq, ref.outputs, { atol: 1e-6 });
        expectClose(last, ref.last, { atol: 1e-6 });
        // Sample 2 is masked everywhere: zero outputs (before any step), state = h0.
        expectClose(seq.slice([2, 0, 0], [1, 6, 3]), zeros([1, 6, 3]));
        expectClose(last.slice([2, 0], [1, 3]), h0.slice([2, 0], [1, 3]));
        // The last output (no returnSequences) is the last processed step's output.
        const l2 = new SimpleRNN({ units: 3, goBackwards, zeroOutputForMask });
        l2.apply([x, h0]);
        l2.setWeights([k, r, b]);
        const y = l2.apply([x, h0], { mask: tensor(MASK) });
        expectClose(
          y,
          ref.outputs.map((o) => o[5]!),
          { atol: 1e-6 },
        );
      });
    }
  }

  it('accepts a numeric 0/1 mask, and a mask list (first entry) as from a multi-input call', () => {
    setSeed(2);
    const x = randomNormal([3, 6, 2]);
    const l = new GRU({ units: 2, returnSequences: true });
    const ref = l.apply(x, { mask: tensor(MASK) });
    expectClose(l.apply(x, { mask: tensor(MASK.map((r) => r.map(Number))) }), ref);
    expectClose(l.apply(x, { mask: [tensor(MASK), null] }), ref);
  });

  it('padding at the end does not change the final output, as with Embedding(maskZero)', () => {
    setSeed(3);
    const x = randomNormal([1, 4, 3]);
    const padded = concat([x, zeros([1, 3, 3])], 1);
    const mask = tensor([[true, true, true, true, false, false, false]]);
    const l = new LSTM({ units: 4 });
    expectClose(l.apply(padded, { mask }), l.apply(x), { atol: 1e-6 });
    // Padding in front is skipped too (the states stay zero until the first real step).
    const front = concat([zeros([1, 2, 3]), x], 1);
    const frontMask = tensor([[false, false, true, true, true, true]]);
    expectClose(l.apply(front, { mask: frontMask }), l.apply(x), { atol: 1e-6 });
  });

  it('takes the mask of Embedding({maskZero}) in a Sequential: padded ids change nothing', () => {
    setSeed(15);
    const m = new Sequential({
      layers: [
        input({ shape: [null], dtype: 'int32' }),
        new Embedding({ inputDim: 10, outputDim: 3, maskZero: true }),
        new LSTM({ units: 4, returnSequences: true }),
        new GRU({ units: 2 }),
      ],
    });
    const ids = tensor([[0, 3, 5, 0, 2, 0]], [1, 6], 'int32');
    const short = tensor([[3, 5, 2]], [1, 3], 'int32');
    expectClose(m.predict(ids) as Tensor, m.predict(short) as Tensor, { atol: 1e-6 });
    const lines: string[] = [];
    m.summary((l) => lines.push(l));
    expect(lines.join('\n')).toMatch(/lstm.*\(None, None, 4\)/);
  });

  it('computeMask: the input mask with returnSequences, else none; null per returned state', () => {
    const m = tensor([[true, false]]);
    const x = zeros([1, 2, 3]);
    expect(new LSTM({ units: 2, returnSequences: true }).computeMask(x, m)).toBe(m);
    expect(new LSTM({ units: 2 }).computeMask(x, m)).toBeNull();
    expect(
      new LSTM({ units: 2, returnSequences: true, returnState: true }).computeMask(x, [
        m,
        null,
        null,
      ]),
    ).toEqual([m, null, null]);
    expect(new GRU({ units: 2, returnState: true }).computeMask(x, null)).toEqual([null, null]);
  });

  it('a mask flows through a functional graph from a mask-producing layer', () => {
    setSeed(4);
    const inp = input({ shape: [5, 2] });
    const masked = new ZeroStepMask().apply(inp);
    const lstm = new LSTM({ units: 3, returnSequences: true });
    const seq = lstm.apply(masked);
    const gru = new GRU({ units: 2 });
    const out = gru.apply(seq);
    const m = model({ inputs: inp, outputs: out });
    const x = randomNormal([2, 5, 2]).mul(
      tensor([
        [[1], [0], [1], [1], [0]],
        [[0], [1], [1], [1], [1]],
      ]),
    );
    const mask = tensor([
      [true, false, true, true, false],
      [false, true, true, true, true],
    ]);
    const direct = gru.apply(lstm.apply(x, { mask }), { mask });
    expectClose(m.apply(x), direct);
    // And differs from the unmasked computation.
    const unmasked = gru.apply(lstm.apply(x));
    expect(Math.max(...Array.from(m.apply(x).sub(unmasked).abs().dataSync()))).toBeGreaterThan(
      1e-4,
    );
  });

  it('gradient check through a mask with an all-masked step and initial states (float64)', () => {
    runLayerTest({
      cls: LSTM,
      args: { units: 2, returnSequences: true, returnState: true },
      inputShapes: [
        [2, 5, 2],
        [2, 2],
        [2, 2],
      ],
      callOptions: {
        mask: tensor([
          [true, false, true, true, false],
          [false, false, true, false, false],
        ]),
      },
      expectedOutputShape: [
        [2, 5, 2],
        [2, 2],
        [2, 2],
      ],
    });
  });
});

describe('RNN initial states', () => {
  it('initialState option ≡ extra inputs, concrete and symbolic', () => {
    setSeed(5);
    const x = randomNormal([2, 4, 3]);
    const h = randomNormal([2, 5]);
    const c = randomNormal([2, 5]);
    const l = new LSTM({ units: 5 });
    const a = l.apply([x, h, c]);
    expectClose(l.apply(x, { initialState: [h, c] }), a);
    expect(Math.max(...Array.from(a.sub(l.apply(x)).abs().dataSync()))).toBeGreaterThan(1e-3);
    const g = new GRU({ units: 5 });
    expectClose(g.apply(x, { initialState: h }), g.apply([x, h]));
    expect(() => l.apply([x, h, c], { initialState: [h, c] })).toThrow(/both/);

    const xs = input({ shape: [4, 3] });
    const hs = input({ shape: [5] });
    const cs = input({ shape: [5] });
    expect(l.apply(xs, { initialState: [hs, cs] }).shape).toEqual([null, 5]);
    const lr = new LSTM({ units: 5, returnState: true });
    const outs = lr.applyMulti(xs, { initialState: [hs, cs] });
    expect(outs.map((t) => t.shape)).toEqual([
      [null, 5],
      [null, 5],
      [null, 5],
    ]);
    const m = model({ inputs: [xs, hs, cs], outputs: outs });
    const direct = lr.applyMulti([x, h, c]);
    const [my, mh, mc] = m.predict([x, h, c]) as Tensor[];
    expectClose(my!, direct[0]!);
    expectClose(mh!, direct[1]!);
    expectClose(mc!, direct[2]!);
    // The functional config round-trips, initial-state inputs included.
    const m2 = deserialize<typeof m>('layer', {
      className: 'Functional',
      config: JSON.parse(JSON.stringify(m.getConfig())),
    });
    m2.setWeights(m.getWeights());
    expectClose((m2.predict([x, h, c]) as Tensor[])[2]!, mc!);
  });

  it('gradients reach the initial states (central differences, float64)', () => {
    setBackend('js');
    setSeed(6);
    const l = new GRU({ units: 2, dtype: 'float64', returnSequences: true });
    const x = randomValues([2, 3, 2], 1);
    const h = randomValues([2, 2], 2);
    noGrad(() =>
      l.apply([tensor(x.values, x.shape, 'float64'), tensor(h.values, h.shape, 'float64')]),
    );
    gradCheck((xx, hh) => l.apply([xx!, hh!]), [x, h]);
  });
});

describe('stateful RNNs', () => {
  it('carry the final states into the next call; resetStates() clears them', () => {
    setSeed(7);
    const x = randomNormal([2, 6, 3]);
    const first = x.slice([0, 0, 0], [2, 3, 3]);
    const second = x.slice([0, 3, 0], [2, 3, 3]);
    const whole = new LSTM({ units: 4 });
    const st = new LSTM({ units: 4, stateful: true });
    whole.apply(x);
    st.apply(first);
    st.setWeights(whole.getWeights());
    st.resetStates();
    expect(st.states!.map((s) => s.shape)).toEqual([
      [2, 4],
      [2, 4],
    ]);
    expectClose(st.states![0]!, zeros([2, 4]));
    st.apply(first);
    const y = st.apply(second);
    expectClose(y, whole.apply(x), { atol: 1e-6 });
    st.resetStates();
    expectClose(st.apply(first), whole.apply(first), { atol: 1e-6 });
    // resetStates(values) ≡ those initial states.
    const h = randomNormal([2, 4]);
    const c = randomNormal([2, 4]);
    st.resetState([h, c]);
    expectClose(st.apply(second), whole.apply([second, h, c]), { atol: 1e-6 });
    expect(() => st.apply(zeros([3, 2, 3]))).toThrow(/batch size 2/);
    expect(() => st.resetStates([h])).toThrow(/2 state/);
    expect(() => new LSTM({ units: 2 }).resetStates()).toThrow(/stateful/);
  });

  it('keep no gradient history between calls (truncated backpropagation)', () => {
    setSeed(8);
    const l = new SimpleRNN({ units: 2, stateful: true });
    const x = variable(randomNormal([1, 3, 2]));
    l.apply(x);
    expect(l.states![0]!.requiresGrad).toBe(false);
    const { grads: g } = variableGrads(() => l.apply(randomNormal([1, 3, 2])).sum(), [x]);
    expect(g[0]).toBeNull();
  });

  it('need a fixed batch size: a clear error for a free batch axis', () => {
    expect(() => new GRU({ units: 2, stateful: true }).apply(input({ shape: [3, 2] }))).toThrow(
      /stateful: true the batch size must be fixed.*batchSize/,
    );
    const y = new GRU({ units: 2, stateful: true }).apply(input({ shape: [3, 2], batchSize: 4 }));
    expect(y.shape).toEqual([4, 2]);
    const seq = new Sequential({
      layers: [
        new LSTM({ units: 2, stateful: true, batchInputShape: [2, 3, 1] }),
        new Dense({ units: 1 }),
      ],
    });
    const a = seq.predict(ones([2, 3, 1])) as Tensor;
    const b = seq.predict(ones([2, 3, 1])) as Tensor;
    expect(Math.abs(a.sub(b).sum().item())).toBeGreaterThan(0);
    (seq.layers[0] as LSTM).resetStates();
    expectClose(seq.predict(ones([2, 3, 1])) as Tensor, a);
  });
});

describe('RNN dropout', () => {
  it('is off in inference, and repeatable with setSeed in training', () => {
    setSeed(9);
    const x = randomNormal([3, 5, 4]);
    const plain = new LSTM({ units: 3, returnSequences: true });
    const drop = new LSTM({ units: 3, returnSequences: true, dropout: 0.5, recurrentDropout: 0.5 });
    plain.apply(x);
    drop.apply(x);
    drop.setWeights(plain.getWeights());
    expectClose(drop.apply(x), plain.apply(x));
    expectClose(drop.apply(x, { training: false }), plain.apply(x));
    setSeed(1);
    const t1 = drop.apply(x, { training: true });
    setSeed(1);
    const t2 = drop.apply(x, { training: true });
    expectClose(t1, t2);
    const t3 = drop.apply(x, { training: true });
    expect(Math.max(...Array.from(t1.sub(t3).abs().dataSync()))).toBeGreaterThan(1e-4);
    expect(Math.max(...Array.from(t1.sub(plain.apply(x)).abs().dataSync()))).toBeGreaterThan(1e-4);
    // A `seed` option gives a private generator: two such layers draw the same masks.
    const s1 = new GRU({ units: 3, dropout: 0.4, seed: 42 });
    const s2 = new GRU({ units: 3, dropout: 0.4, seed: 42 });
    s1.apply(x);
    s2.apply(x);
    s2.setWeights(s1.getWeights());
    expectClose(s1.apply(x, { training: true }), s2.apply(x, { training: true }));
  });

  it('input dropout: one mask per sequence, scaled by 1/(1 − rate), shared by the gates', () => {
    setSeed(10);
    const x = randomNormal([2, 4, 3]);
    const l = new LSTM({ units: 2, dropout: 0.5, returnSequences: true });
    l.apply(x);
    setSeed(77);
    const trained = l.apply(x, { training: true });
    setSeed(77);
    const m = dropoutMask(globalGenerator(), [2, 3], 0.5, 'float32');
    expect(new Set(Array.from(m.dataSync()))).toEqual(new Set([0, 2]));
    expectClose(trained, l.apply(x.mul(m.reshape([2, 1, 3]))), { atol: 1e-6 });
  });

  it('recurrent dropout: Keras 3 implementation 1, one mask per gate for inputs and state', () => {
    setSeed(11);
    const x = randomNormal([2, 3, 3]);
    const l = new LSTM({ units: 2, dropout: 0.3, recurrentDropout: 0.4, returnSequences: true });
    l.apply(x);
    randomizeWeights(l, 5);
    setSeed(99);
    const trained = l.apply(x, { training: true });
    setSeed(99);
    const g = globalGenerator();
    const inM = [0, 1, 2, 3].map(() => dropoutMask(g, [2, 3], 0.3, 'float32'));
    const recM = [0, 1, 2, 3].map(() => dropoutMask(g, [2, 2], 0.4, 'float32'));
    const [k, r, b] = l.getWeights() as [Tensor, Tensor, Tensor];
    const ks = k.split(4, 1);
    const rs = r.split(4, 1);
    const bs = b.split(4, 0);
    let h = zeros([2, 2]);
    let c = zeros([2, 2]);
    const outs: Tensor[] = [];
    for (let t = 0; t < 3; t++) {
      const xt = x.slice([0, t, 0], [2, 1, 3]).reshape([2, 3]);
      const z = [0, 1, 2, 3].map((j) =>
        xt.mul(inM[j]!).matmul(ks[j]!).add(bs[j]!).add(h.mul(recM[j]!).matmul(rs[j]!)),
      );
      c = z[1]!.sigmoid().mul(c).add(z[0]!.sigmoid().mul(z[2]!.tanh()));
      h = z[3]!.sigmoid().mul(c.tanh());
      outs.push(h);
    }
    expectClose(
      trained,
      concat(
        outs.map((o) => o.reshape([2, 1, 2])),
        1,
      ),
      { atol: 1e-6 },
    );
  });

  it('SimpleRNN recurrent dropout masks the previous output before the recurrent matmul', () => {
    setSeed(12);
    const x = randomNormal([2, 3, 2]);
    const l = new SimpleRNN({ units: 3, recurrentDropout: 0.5 });
    l.apply(x);
    randomizeWeights(l, 3);
    setSeed(5);
    const trained = l.apply(x, { training: true });
    setSeed(5);
    const rm = dropoutMask(globalGenerator(), [2, 3], 0.5, 'float32');
    const [k, r, b] = l.getWeights() as [Tensor, Tensor, Tensor];
    let h = zeros([2, 3]);
    for (let t = 0; t < 3; t++) {
      const xt = x.slice([0, t, 0], [2, 1, 2]).reshape([2, 2]);
      h = xt.matmul(k).add(b).add(h.mul(rm).matmul(r)).tanh();
    }
    expectClose(trained, h, { atol: 1e-6 });
  });
});

describe('RNN with a cell', () => {
  it('runs a custom cell (Keras docstring example) through the generic step path', () => {
    setSeed(13);
    const x = randomNormal([2, 4, 3]);
    const layer = new RNN({ cell: new MinimalRNNCell({ units: 2 }), returnSequences: true });
    const y = layer.apply(x);
    expect(y.shape).toEqual([2, 4, 2]);
    const [k, r] = layer.getWeights() as [Tensor, Tensor];
    let h = zeros([2, 2]);
    for (let t = 0; t < 4; t++)
      h = x.slice([0, t, 0], [2, 1, 3]).reshape([2, 3]).matmul(k).add(h.matmul(r));
    expectClose(y.slice([0, 3, 0], [2, 1, 2]).reshape([2, 2]), h, { atol: 1e-6 });
    expect(layer.getConfig().cell).toMatchObject({
      className: 'MinimalRNNCell',
      config: { units: 2 },
    });
  });

  it('passes the layer harness with a custom cell and with an LSTMCell', () => {
    runLayerTest({
      make: (a) =>
        new RNN({ ...a, cell: new MinimalRNNCell({ units: 3, dtype: a.dtype as 'float64' }) }),
      args: { returnSequences: true },
      inputShape: [2, 3, 2],
      expectedOutputShape: [2, 3, 3],
      expectedWeightShapes: [
        [2, 3],
        [3, 3],
      ],
    });
    runLayerTest({
      make: (a) => new RNN({ ...a, cell: new LSTMCell({ units: 2, dtype: a.dtype as 'float64' }) }),
      args: { returnState: true },
      inputShape: [2, 3, 2],
      expectedOutputShape: [
        [2, 2],
        [2, 2],
        [2, 2],
      ],
    });
  });

  it('RNN(LSTMCell) computes what LSTM computes with the same weights', () => {
    setSeed(14);
    const x = randomNormal([2, 5, 3]);
    const a = new LSTM({ units: 3, goBackwards: true, returnSequences: true });
    const b = new RNN({
      cell: new LSTMCell({ units: 3 }),
      goBackwards: true,
      returnSequences: true,
    });
    a.apply(x);
    b.apply(x);
    b.setWeights(a.getWeights());
    expectClose(b.apply(x), a.apply(x));
    const back = deserialize<RNN>('layer', {
      className: 'RNN',
      config: JSON.parse(JSON.stringify(b.getConfig())),
    });
    expect(back.cell).toBeInstanceOf(LSTMCell);
    expect(back.getConfig()).toStrictEqual(b.getConfig());
    expect(() => new RNN()).toThrow(/'cell' option is required/);
    expect(() => new RNN({ cell: { className: 'Dense', config: { units: 2 } } })).toThrow(
      /RNNCell/,
    );
  });

  it('trainable: false freezes the cell weights; regularizers and activityRegularizer add losses', () => {
    const l = new LSTM({
      units: 2,
      kernelRegularizer: 'l2',
      activityRegularizer: 'l1',
      returnState: true,
    });
    l.applyMulti(ones([1, 3, 2]));
    expect(l.losses.length).toBe(4); // 3 outputs' activity + the kernel's penalty
    l.trainable = false;
    expect(l.trainableWeights.length).toBe(0);
    expect(l.nonTrainableWeights.length).toBe(3);
    expect(l.getConfig().activityRegularizer).toMatchObject({ className: 'L1' });
  });

  it('accepts unroll (ignored) and float64 inputs into a float32 layer (cast)', () => {
    const x = randomNormal([1, 3, 2], 0, 1, { dtype: 'float64' });
    const a = new GRU({ units: 2, unroll: true });
    expect(a.apply(x).dtype).toBe('float32');
    expect(a.getConfig().unroll).toBe(true);
    expect(() => a.apply(zeros([1, 0, 2]))).toThrow(/no timesteps/);
  });
});

describe('unstackTime', () => {
  it('splits [batch, time, ...] into steps, with a one-pass backward equal to per-step slices', () => {
    setBackend('js');
    const x = randomValues([2, 4, 3], 3);
    const pick = [0, 2, 3];
    const f = (t: Tensor) => {
      const parts = unstackTime(t);
      return pick.reduce((s, i) => s.add(parts[i]!.mul(i + 1)), zeros([2, 3], 'float64'));
    };
    gradCheck(f, [x]);
    const one = randomValues([2, 1, 3], 4);
    gradCheck((t) => unstackTime(t)[0]!.square(), [one]);
    const [g] = grads((t) => unstackTime(t)[1]!.sum())([tensor(x.values, x.shape, 'float64')]);
    const expected = new Float64Array(24);
    for (let b = 0; b < 2; b++) for (let j = 0; j < 3; j++) expected[b * 12 + 3 + j] = 1;
    expectClose(g!, expected);
  });
});
