/**
 * StackedRNNCells and `RNN({ cell: [...] })` against real Keras 3.15.1 (numpy backend):
 * outputs and flattened states, masks and goBackwards, Keras-written configs and `.keras` files,
 * Keras's weight paths (`layers/rnn/cell/cells/<cell>/vars`). Fixture: scripts/rnn13_golden.py.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../../test/helpers/expect_close.js';
import { runLayerTest } from '../../../test/helpers/run_layer_test.js';
import { ValueError } from '../../errors.js';
import { openH5 } from '../../io/h5.js';
import { modelFromKerasConfig } from '../../io/keras_config.js';
import { loadModelFromBytes, modelToKerasBytes } from '../../io/save_load.js';
import { readZip } from '../../io/zip.js';
import { Sequential } from '../../models/sequential.js';
import { tensor, zeros } from '../../ops/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Dense } from '../dense.js';
import { input } from '../input_layer.js';
import type { Layer } from '../layer.js';
import { GRUCell } from './gru.js';
import { LSTMCell } from './lstm.js';
import { RNN } from './rnn.js';
import { SimpleRNNCell } from './simple_rnn.js';
import { StackedRNNCells } from './stacked_cells.js';

interface Arr {
  shape: number[];
  data: number[];
}
interface LayerCase {
  name: string;
  config: Record<string, unknown>;
  weights: (Arr & { path: string })[];
  input: Arr;
  mask: Arr | null;
  outputs: Arr[];
}
interface RnnModelCase {
  paths: { path: string; shape: number[] }[];
  config: { config: { layers: Record<string, unknown>[] } };
  keras_b64: string;
  input: Arr;
  output: Arr;
  weight_paths: string[];
}
const rnn13Golden = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/rnn13_golden.json', import.meta.url), 'utf8'),
) as { stacked: LayerCase[]; convlstm: LayerCase[]; models: Record<string, RnnModelCase> };
const golden = rnn13Golden;

const t = (a: Arr): Tensor => tensor(a.data, a.shape, 'float32');
const tol = { rtol: 1e-4, atol: 2e-5 };

/** The `.keras` file's weight datasets, sorted by path. */
async function h5Layout(bytes: Uint8Array): Promise<{ path: string; shape: number[] }[]> {
  const r = await openH5(readZip(bytes).get('model.weights.h5')!);
  const out: { path: string; shape: number[] }[] = [];
  const walk = (g: string) => {
    for (const k of r.keys(g)) {
      const p = g ? `${g}/${k}` : k;
      if (r.isGroup(p)) walk(p);
      else out.push({ path: p, shape: r.datasetInfo(p).shape });
    }
  };
  walk('');
  r.close();
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}

function fromB64(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64'));
}

const byName = (name: string) => golden.stacked.find((c) => c.name === name)!;

/** Runs a case: weights set in Keras's order, then output(s) compared. */
function check(c: LayerCase, layer: RNN): number {
  const x = t(c.input);
  const mask = c.mask ? t(c.mask).cast('bool') : undefined;
  layer.applyMulti(x, { mask });
  layer.setWeights(c.weights.map(t));
  const outs = layer.applyMulti(x, { mask });
  expect(outs.length).toBe(c.outputs.length);
  let worst = 0;
  outs.forEach((o, i) => {
    expectClose(o, t(c.outputs[i]!), tol);
    const e = c.outputs[i]!.data;
    const d = o.dataSync();
    for (let j = 0; j < e.length; j++) worst = Math.max(worst, Math.abs(Number(d[j]) - e[j]!));
  });
  return worst;
}

describe('StackedRNNCells (Keras golden)', () => {
  it('RNN over [LSTMCell, GRUCell]: sequence and states [h₁, c₁, h₂] as Keras', () => {
    const layer = new RNN({
      cell: [new LSTMCell({ units: 3 }), new GRUCell({ units: 2 })],
      returnSequences: true,
      returnState: true,
    });
    expect(layer.cell).toBeInstanceOf(StackedRNNCells);
    expect(check(byName('lstm_gru_list_seq_state'), layer)).toBeLessThan(1e-5);
    expect(layer.cell.stateSize).toEqual([3, 3, 2]);
    expect(layer.weights.map((w) => w.shape)).toEqual(
      byName('lstm_gru_list_seq_state').weights.map((w) => w.shape),
    );
  });

  it('StackedRNNCells([SimpleRNNCell, LSTMCell]) backwards with a mask', () => {
    const cell = new StackedRNNCells({
      cells: [new SimpleRNNCell({ units: 3 }), new LSTMCell({ units: 2 })],
    });
    const layer = new RNN({ cell, goBackwards: true, returnState: true });
    expect(check(byName('simple_lstm_stacked_backwards_masked'), layer)).toBeLessThan(1e-5);
  });

  it('three cells (GRU v1, relu SimpleRNN, hard-sigmoid LSTM), masked, zeroOutputForMask', () => {
    const layer = new RNN({
      cell: [
        new GRUCell({ units: 2, resetAfter: false }),
        new SimpleRNNCell({ units: 3, activation: 'relu' }),
        new LSTMCell({ units: 2, activation: 'relu', recurrentActivation: 'hardSigmoid' }),
      ],
      returnSequences: true,
      zeroOutputForMask: true,
    });
    expect(check(byName('three_cells_masked_zero_output'), layer)).toBeLessThan(1e-5);
  });

  it('one step through call equals the cells called in turn', () => {
    const a = new LSTMCell({ units: 2 });
    const b = new SimpleRNNCell({ units: 3 });
    const s = new StackedRNNCells({ cells: [a, b] });
    const x = tensor([[0.5, -1, 2]]);
    const st = [tensor([[0.1, 0.2]]), tensor([[0.3, -0.4]]), tensor([[1, 0, -1]])];
    const [y, h1, c1, h2] = s.applyMulti([x, ...st]);
    const [ya, ha, ca] = a.applyMulti([x, st[0]!, st[1]!]);
    const [yb, hb] = b.applyMulti([ya!, st[2]!]);
    expectClose(y!, yb!);
    expectClose(h1!, ha!);
    expectClose(c1!, ca!);
    expectClose(h2!, hb!);
  });

  it('initial states in the flattened order; stepwise and whole-sequence paths agree', () => {
    const layer = new RNN({
      cell: [new LSTMCell({ units: 2 }), new GRUCell({ units: 3 })],
      returnSequences: true,
      returnState: true,
    });
    const x = tensor(
      Array.from({ length: 2 * 4 * 3 }, (_, i) => Math.sin(i)),
      [2, 4, 3],
    );
    const init = [zeros([2, 2]).add(0.3), zeros([2, 2]).add(-0.2), zeros([2, 3]).add(0.1)];
    const outs = layer.applyMulti(x, { initialState: init });
    // Step by step through the stacked cell's call.
    let states = init;
    const ys: Tensor[] = [];
    for (let k = 0; k < 4; k++) {
      const xt = x.slice([0, k, 0], [2, 1, 3]).reshape([2, 3]);
      const [y, ...s] = layer.cell.applyMulti([xt, ...states]);
      ys.push(y!);
      states = s;
    }
    expectClose(outs[0]!.slice([0, 3, 0], [2, 1, 3]).reshape([2, 3]), ys[3]!, { atol: 1e-6 });
    states.forEach((s, i) => expectClose(outs[i + 1]!, s, { atol: 1e-6 }));
  });

  it('runLayerTest: RNN over a list of cells', async () => {
    await runLayerTest({
      make: (a) =>
        new RNN({
          ...a,
          cell: [
            new LSTMCell({ units: 2, dtype: a.dtype as never }),
            new SimpleRNNCell({ units: 3, dtype: a.dtype as never }),
          ],
          returnSequences: true,
        } as never),
      inputShape: [2, 3, 2],
      expectedOutputShape: [2, 3, 3],
      expectedNumWeights: 6,
      expectedWeightShapes: [[2, 8], [2, 8], [8], [2, 3], [3, 3], [3]],
    });
  });

  it('typed errors', () => {
    expect(() => new StackedRNNCells({ cells: [] })).toThrow(ValueError);
    expect(() => new StackedRNNCells({ cells: [new Dense({ units: 2 }) as never] })).toThrow(
      /cells\[0\] must be an RNNCell/,
    );
    const s = new StackedRNNCells({ cells: [new SimpleRNNCell({ units: 2 })] });
    expect(() => s.applyMulti([zeros([1, 3]), zeros([1, 2]), zeros([1, 2])])).toThrow(ValueError);
    const layer = new RNN({ cell: [new LSTMCell({ units: 2 }), new GRUCell({ units: 3 })] });
    expect(() => layer.apply(zeros([2, 4, 3]), { initialState: [zeros([2, 2])] })).toThrow(
      ValueError,
    );
  });
});

describe('StackedRNNCells in Keras model files', () => {
  for (const key of ['stacked_list', 'stacked_explicit']) {
    it(`${key}: Keras's .keras loads and predicts as Keras; Tessera writes Keras's paths and round-trips`, async () => {
      const c = golden.models[key]!;
      const m = await loadModelFromBytes(fromB64(c.keras_b64));
      expectClose(m.predict(t(c.input)) as Tensor, t(c.output), tol);
      const cfg = modelFromKerasConfig(c.config);
      cfg.setWeights(m.getWeights());
      expectClose(cfg.predict(t(c.input)) as Tensor, t(c.output), tol);
      const bytes = await modelToKerasBytes(m);
      expect(await h5Layout(bytes)).toEqual(
        [...c.paths].sort((a, b) => (a.path < b.path ? -1 : 1)),
      );
      const back = await loadModelFromBytes(bytes);
      expectClose(back.predict(t(c.input)) as Tensor, t(c.output), tol);
    });
  }

  it('a Keras config with a plain list of cells loads (RNN wraps it in StackedRNNCells)', () => {
    const c = golden.models.stacked_list!;
    const cfg = structuredClone(c.config) as { config: { layers: Record<string, unknown>[] } };
    const rnn = cfg.config.layers.find((l) => l.class_name === 'RNN')! as {
      config: { cell: { config: { cells: unknown[] } } };
    };
    (rnn.config as Record<string, unknown>).cell = rnn.config.cell.config.cells;
    const m = modelFromKerasConfig(cfg);
    const layer = m.layers.find((l: Layer) => l.className === 'RNN') as RNN;
    expect(layer.cell).toBeInstanceOf(StackedRNNCells);
    expect((layer.cell as StackedRNNCells).cells.map((x) => x.className)).toEqual([
      'LSTMCell',
      'GRUCell',
      'LSTMCell',
    ]);
  });

  it('a Sequential with a stacked RNN saves and loads', async () => {
    const m = new Sequential([
      input({ shape: [3, 2] }),
      new RNN({ cell: [new SimpleRNNCell({ units: 2 }), new GRUCell({ units: 2 })] }),
    ]);
    const x = tensor(
      Array.from({ length: 12 }, (_, i) => i / 10),
      [2, 3, 2],
    );
    const back = await loadModelFromBytes(await modelToKerasBytes(m));
    expectClose(back.predict(x) as Tensor, m.predict(x) as Tensor, { atol: 1e-6 });
  });
});
