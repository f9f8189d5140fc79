/**
 * ONNX export of the sequence layers (Embedding, SimpleRNN, LSTM, GRU, RNN over a built-in
 * cell, Bidirectional, TimeDistributed), checked by running the exported bytes in ONNX Runtime
 * against `model.predict`; refusals (masks, stateful, ConvLSTM, user cells) name the layer.
 */
import { describe, expect, it } from 'vitest';
import { expectOnnxMatchesPredict } from '../../../test/helpers/onnx_runtime.js';
import { Embedding } from '../../layers/embedding.js';
import { Dense, Flatten, RepeatVector } from '../../layers/index.js';
import { input } from '../../layers/input_layer.js';
import { type CallOptions, type LayerVariable, isShapeList } from '../../layers/layer.js';
import { Masking } from '../../layers/masking.js';
import { RNNCell } from '../../layers/rnn/cell.js';
import { ConvLSTM2D } from '../../layers/rnn/conv_lstm.js';
import { GRU } from '../../layers/rnn/gru.js';
import { LSTM, LSTMCell } from '../../layers/rnn/lstm.js';
import { RNN } from '../../layers/rnn/rnn.js';
import { SimpleRNN, SimpleRNNCell } from '../../layers/rnn/simple_rnn.js';
import { Bidirectional, type MergeMode, TimeDistributed } from '../../layers/rnn/wrappers.js';
import type { SymbolicShape, SymbolicTensor } from '../../layers/symbolic.js';
import { type Model, model as functionalModel } from '../../models/model.js';
import { Sequential } from '../../models/sequential.js';
import { randomNormal, randomUniform, setSeed } from '../../ops/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import './convert_core.js';
import { OnnxExportError, onnxBytes } from './export.js';
import { layerGetsMask } from './masks.js';

/** Every weight redrawn from N(0, 0.5²), so that biases and gate blocks all matter. */
function randomize(m: Model): void {
  m.setWeights(m.getWeights().map((w) => randomNormal([...w.shape], 0, 0.5)));
}

const model = (inputs: SymbolicTensor | SymbolicTensor[], outputs: unknown[]): Model =>
  functionalModel({ inputs: inputs as never, outputs: outputs as never });

describe('exportOnnx: recurrent layers in ONNX Runtime equal predict', () => {
  it('the LSTM zoo model: Embedding(100, 8) → LSTM(16) → Dense(1, sigmoid) on int32 ids', async () => {
    setSeed(11);
    const ids = input({ shape: [10], dtype: 'int32' });
    const e = new Embedding({ inputDim: 100, outputDim: 8 }).apply(ids);
    const h = new LSTM({ units: 16 }).apply(e);
    const m = model(ids, [new Dense({ units: 1, activation: 'sigmoid' }).apply(h)]);
    randomize(m);
    await expectOnnxMatchesPredict(m, randomUniform([5, 10], 0, 100, { dtype: 'int32' }));
  });

  it('LSTM, GRU (both resetAfter), SimpleRNN: returnSequences, returnState, goBackwards, no bias', async () => {
    setSeed(12);
    const x = input({ shape: [6, 3] });
    const outs = [
      new LSTM({ units: 4, returnSequences: true }).apply(x),
      ...new LSTM({ units: 3, returnState: true, goBackwards: true }).applyMulti(x),
      new GRU({ units: 4, returnSequences: true, goBackwards: true }).apply(x),
      ...new GRU({ units: 3, resetAfter: false, returnState: true }).applyMulti(x),
      new GRU({ units: 2, resetAfter: false, returnSequences: true, useBias: false }).apply(x),
      new SimpleRNN({ units: 5, returnSequences: true }).apply(x),
      ...new SimpleRNN({ units: 2, goBackwards: true, returnState: true }).applyMulti(x),
      new LSTM({ units: 2, useBias: false, unitForgetBias: false }).apply(x),
      new RNN({ cell: new LSTMCell({ units: 3 }), returnSequences: true }).apply(x),
      new RNN({ cell: new SimpleRNNCell({ units: 2 }) }).apply(x),
    ];
    const m = model(x, outs);
    randomize(m);
    await expectOnnxMatchesPredict(m, randomNormal([4, 6, 3]));
  });

  it("other activations: ONNX's activation functions (relu, linear, softsign, hard sigmoids), and unrolled where ONNX has none (gelu, silu)", async () => {
    setSeed(13);
    const x = input({ shape: [5, 3] });
    const outs = [
      new SimpleRNN({ units: 4, activation: 'relu', returnSequences: true }).apply(x),
      ...new SimpleRNN({
        units: 2,
        activation: null,
        goBackwards: true,
        returnState: true,
      }).applyMulti(x),
      ...new LSTM({
        units: 3,
        activation: 'softsign',
        recurrentActivation: 'hardSigmoid',
        returnSequences: true,
        returnState: true,
        goBackwards: true,
      }).applyMulti(x),
      new GRU({ units: 3, recurrentActivation: 'hardSigmoidKeras2', returnSequences: true }).apply(
        x,
      ),
      ...new GRU({ units: 2, activation: 'relu', resetAfter: false, returnState: true }).applyMulti(
        x,
      ),
      new SimpleRNN({ units: 2, activation: 'gelu', returnSequences: true }).apply(x),
      new LSTM({ units: 2, recurrentActivation: 'silu', goBackwards: true }).apply(x),
    ];
    const m = model(x, outs);
    randomize(m);
    await expectOnnxMatchesPredict(m, randomNormal([3, 5, 3]).mul(2));
  });

  it('a variable number of timesteps, and initial states given as extra inputs', async () => {
    setSeed(14);
    const x = input({ shape: [null, 3] });
    const h0 = input({ shape: [4] });
    const c0 = input({ shape: [4] });
    const g0 = input({ shape: [2] });
    const outs = [
      ...new LSTM({ units: 4, returnState: true, returnSequences: true }).applyMulti([x, h0, c0]),
      new GRU({ units: 2, goBackwards: true }).apply(x, { initialState: [g0] }),
      new SimpleRNN({ units: 4 }).apply([x, h0]),
    ];
    const m = model([x, h0, c0, g0], outs);
    randomize(m);
    await expectOnnxMatchesPredict(m, [
      randomNormal([3, 7, 3]),
      randomNormal([3, 4]),
      randomNormal([3, 4]),
      randomNormal([3, 2]),
    ]);
  });

  it('Bidirectional with each merge mode, returnSequences, returnState and initial states', async () => {
    setSeed(15);
    const x = input({ shape: [5, 3] });
    const modes: MergeMode[] = ['concat', 'sum', 'mul', 'ave'];
    const outs: unknown[] = modes.map((mergeMode) =>
      new Bidirectional(new LSTM({ units: 3, returnSequences: true }), { mergeMode }).apply(x),
    );
    outs.push(...new Bidirectional(new GRU({ units: 2 }), { mergeMode: null }).applyMulti(x));
    outs.push(
      ...new Bidirectional(new GRU({ units: 2, returnSequences: true, resetAfter: false }), {
        mergeMode: null,
      }).applyMulti(x),
    );
    outs.push(
      ...new Bidirectional(new LSTM({ units: 2, returnState: true })).applyMulti(x),
      ...new Bidirectional(
        new SimpleRNN({ units: 2, returnSequences: true, returnState: true, activation: 'relu' }),
        { mergeMode: 'sum' },
      ).applyMulti(x),
    );
    const s = [0, 1, 2, 3].map(() => input({ shape: [2] }));
    outs.push(
      new Bidirectional(new LSTM({ units: 2, returnSequences: true })).apply([x, ...s] as never),
    );
    const m = model([x, ...s], outs);
    randomize(m);
    await expectOnnxMatchesPredict(m, [
      randomNormal([3, 5, 3]),
      ...s.map(() => randomNormal([3, 2])),
    ]);
  });

  it('stacked LSTMs, and TimeDistributed(Dense) / TimeDistributed(Flatten)', async () => {
    setSeed(16);
    const seq = new Sequential({
      layers: [
        new TimeDistributed(new Flatten(), { inputShape: [6, 2, 3] }),
        new TimeDistributed(new Dense({ units: 5, activation: 'relu' })),
        new LSTM({ units: 8, returnSequences: true }),
        new LSTM({ units: 6, returnSequences: true, goBackwards: true }),
        new LSTM({ units: 4 }),
        new Dense({ units: 2 }),
      ],
    });
    randomize(seq);
    await expectOnnxMatchesPredict(seq, randomNormal([3, 6, 2, 3]));
  });
});

/** `h_t = tanh(x·K + h·R)`: a user cell. */
class OnnxTestCell extends RNNCell {
  static override readonly className = 'OnnxTestCell';
  readonly stateSize = [2];
  private k: LayerVariable | null = null;
  override build(s: SymbolicShape | SymbolicShape[]): void {
    const x = (isShapeList(s) ? (s as SymbolicShape[])[0]! : s) as SymbolicShape;
    this.k = this.addWeight({ name: 'kernel', shape: [x.at(-1)!, 2] });
  }
  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor[] {
    const [x, h] = inputs as Tensor[];
    const y = x!.matmul(this.k!).add(h!).tanh();
    return [y, y];
  }
}

describe('exportOnnx refuses the recurrent cases it cannot write, naming the layer', () => {
  const refuses = (m: Model, pattern: RegExp) => {
    expect(() => onnxBytes(m)).toThrow(OnnxExportError);
    expect(() => onnxBytes(m)).toThrow(pattern);
  };

  it('an RNN or Bidirectional fed a mask by Embedding maskZero, even through a pass-through layer', () => {
    const ids = input({ shape: [4], dtype: 'int32' });
    const e = new Embedding({ inputDim: 10, outputDim: 3, maskZero: true }).apply(ids);
    refuses(
      model(ids, [new LSTM({ units: 2, name: 'masked_lstm' }).apply(e)]),
      /layer 'masked_lstm' \(LSTM\): an input mask/,
    );
    refuses(
      model(ids, [new Bidirectional(new GRU({ units: 2 }), { name: 'masked_bi' }).apply(e)]),
      /layer 'masked_bi' \(Bidirectional\): an input mask/,
    );
    // Through a pass-through layer (Dense supports masking).
    const dense = new Dense({ units: 3 }).apply(e);
    refuses(
      model(ids, [new SimpleRNN({ units: 2, name: 'after_dense' }).apply(dense)]),
      /layer 'after_dense' \(SimpleRNN\): an input mask/,
    );
    // The zoo model with maskZero, as a Sequential.
    const seq = new Sequential({
      layers: [
        new Embedding({ inputDim: 10, outputDim: 3, maskZero: true, inputLength: 4 }),
        new LSTM({ units: 2, name: 'seq_lstm' }),
      ],
    });
    refuses(seq, /layer 'seq_lstm' \(LSTM\): an input mask/);
    // Without maskZero there is no mask, and the model exports.
    const plain = new Embedding({ inputDim: 10, outputDim: 3 }).apply(ids);
    expect(onnxBytes(model(ids, [new LSTM({ units: 2 }).apply(plain)])).length).toBeGreaterThan(0);
  });

  it('finds masks as predict propagates them (layerGetsMask)', () => {
    const ids = input({ shape: [4], dtype: 'int32' });
    const e = new Embedding({ inputDim: 10, outputDim: 3, maskZero: true }).apply(ids);
    // returnSequences passes the mask on; a last output has none (nor RepeatVector after it).
    const next = new LSTM({ units: 2 });
    next.apply(new GRU({ units: 2, returnSequences: true }).apply(e));
    expect(layerGetsMask(next)).toBe(true);
    const after = new LSTM({ units: 2 });
    after.apply(new RepeatVector({ n: 3 }).apply(new GRU({ units: 2 }).apply(e)));
    expect(layerGetsMask(after)).toBe(false);
    const x = input({ shape: [4, 3] });
    const rnn = new SimpleRNN({ units: 2 });
    rnn.apply(new Masking({ maskValue: 0 }).apply(x));
    expect(layerGetsMask(rnn)).toBe(true);
    const free = new SimpleRNN({ units: 2 });
    free.apply(new Dense({ units: 3 }).apply(x));
    expect(layerGetsMask(free)).toBe(false);
  });

  it('stateful layers, ConvLSTM, user cells and stacked cells, unrolled variable lengths', () => {
    const x = input({ shape: [4, 3], batchSize: 2 });
    refuses(
      model(x, [new LSTM({ units: 2, stateful: true, name: 'kept' }).apply(x)]),
      /layer 'kept' \(LSTM\): stateful: true/,
    );
    const v = input({ shape: [3, 5, 5, 2] });
    refuses(
      model(v, [new ConvLSTM2D({ filters: 2, kernelSize: 3, name: 'conv_rec' }).apply(v)]),
      /layer 'conv_rec' \(ConvLSTM2D\)/,
    );
    const y = input({ shape: [4, 3] });
    refuses(
      model(y, [new RNN({ cell: new OnnxTestCell(), name: 'own_cell' }).apply(y)]),
      /layer 'own_cell' \(RNN\): an RNN over the cell .* \(OnnxTestCell\)/,
    );
    refuses(
      model(y, [
        new RNN({
          cell: [new SimpleRNNCell({ units: 2 }), new SimpleRNNCell({ units: 2 })],
          name: 'stacked',
        }).apply(y),
      ]),
      /layer 'stacked' \(RNN\): an RNN over stacked cells/,
    );
    const free = input({ shape: [null, 3] });
    refuses(
      model(free, [new SimpleRNN({ units: 2, activation: 'gelu', name: 'free_len' }).apply(free)]),
      /layer 'free_len' \(SimpleRNN\): activation "gelu" with a variable number of timesteps/,
    );
  });

  it('a variable number of timesteps with an activation ONNX has (relu, hard sigmoid) runs natively', async () => {
    setSeed(15);
    const free = input({ shape: [null, 3] });
    const m = model(free, [
      new SimpleRNN({ units: 2, activation: 'relu' }).apply(free),
      new LSTM({ units: 2, recurrentActivation: 'hardSigmoid', returnSequences: true }).apply(free),
    ]);
    randomize(m);
    await expectOnnxMatchesPredict(m, randomNormal([2, 7, 3]));
    await expectOnnxMatchesPredict(m, randomNormal([3, 2, 3]));
  });
});
