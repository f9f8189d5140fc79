/**
 * Attention and AdditiveAttention against real Keras 3 (numpy backend;
 * scripts/attention_layers_golden.py → test/fixtures/attention_layers_golden.json): the same
 * weights give the same outputs and attention distributions for dot and concat scores, with and
 * without scale, keys, query/value masks and causal masks, and more batch axes; both go
 * through the layer harness with float64 gradient checks, and a functional model of both reads
 * Keras's config, predicts as Keras and round-trips through a `.keras` file.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../../test/helpers/expect_close.js';
import { runLayerTest } from '../../../test/helpers/run_layer_test.js';
import { ShapeError, ValueError } from '../../errors.js';
import { openH5 } from '../../io/h5.js';
import { modelFromKerasConfig } from '../../io/keras_config.js';
import { loadModelFromBytes, modelToKerasBytes } from '../../io/save_load.js';
import { readZip } from '../../io/zip.js';
import { tensor } from '../../ops/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { input } from '../input_layer.js';
import type { Layer } from '../layer.js';
import { AdditiveAttention, Attention, type AttentionCallOptions } from './attention.js';

interface Arr {
  shape: number[];
  data: number[];
}
interface W extends Arr {
  path: string;
}
interface ModelCase {
  weights: W[];
  input: Arr | Arr[];
  output: Arr;
  h5: { path: string; shape: number[] }[];
  config: { config: { layers: { class_name: string; inbound_nodes: unknown[] }[] } };
}
const golden = JSON.parse(
  readFileSync(
    new URL('../../../test/fixtures/attention_layers_golden.json', import.meta.url),
    'utf8',
  ),
) as {
  attention: {
    name: string;
    class: 'Attention' | 'AdditiveAttention';
    config: Record<string, unknown>;
    query: Arr;
    value: Arr | null;
    key: Arr | null;
    masks: (Arr | null)[] | null;
    use_causal_mask: boolean;
    return_attention_scores: boolean;
    weights: W[];
    output: Arr;
    scores: Arr | null;
    output_shape: (number | null)[];
  }[];
  models: { attention: ModelCase };
};
const t = (a: Arr) => tensor(Float32Array.from(a.data), a.shape);

/** Dataset paths and shapes of a `.keras` archive's weight file. */
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

describe('Attention and AdditiveAttention (Keras golden)', () => {
  it.each(golden.attention.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const cfg = c.config;
    const layer =
      c.class === 'Attention'
        ? new Attention({
            useScale: cfg.use_scale as boolean,
            scoreMode: cfg.score_mode as 'dot' | 'concat',
          })
        : new AdditiveAttention({ useScale: cfg.use_scale as boolean });
    const q = t(c.query);
    const v = c.value ? t(c.value) : q;
    const ins = c.key ? [q, v, t(c.key)] : [q, v];
    const opts = {
      mask: c.masks ? c.masks.map((m) => (m ? t(m).cast('bool') : null)) : undefined,
      useCausalMask: c.use_causal_mask,
      returnAttentionScores: c.return_attention_scores,
    };
    layer.applyMulti(ins, opts);
    expect(layer.weights.map((w) => [...w.shape])).toEqual(c.weights.map((w) => w.shape));
    expect(layer.weights.map((w) => w.name.split('/').at(-1))).toEqual(
      c.weights.map((w) => w.path.split('/').at(-1)),
    );
    layer.setWeights(c.weights.map(t));
    const outs = layer.applyMulti(ins, opts);
    expectClose(outs[0]!, t(c.output), { rtol: 1e-4, atol: 1e-5 });
    if (c.scores) expectClose(outs[1]!, t(c.scores), { rtol: 1e-4, atol: 1e-6 });
    expect(layer.computeOutputShape(ins.map((x) => x.shape))).toEqual(c.output_shape);
    const { name: _n, trainable: _t, dtype: _d, ...kerasCfg } = cfg;
    const mine = layer.getConfig();
    expect(Object.keys(mine).filter((k) => !['name', 'trainable', 'dtype'].includes(k))).toEqual(
      Object.keys(kerasCfg).map((k) => k.replace(/_(.)/g, (_m, ch: string) => ch.toUpperCase())),
    );
  });

  it('Attention (dot, scaled; with a key) goes through the layer harness, gradients in float64', () => {
    runLayerTest({
      make: (a) => new Attention({ useScale: true, ...(a as object) }) as Layer,
      inputShapes: [
        [2, 3, 4],
        [2, 5, 6],
        [2, 5, 4],
      ],
      expectedOutputShape: [2, 3, 6],
      expectedWeightShapes: [[]],
    });
  });

  it('Attention (concat, scaled) goes through the layer harness', () => {
    runLayerTest({
      make: (a) =>
        new Attention({ useScale: true, scoreMode: 'concat', ...(a as object) }) as Layer,
      inputShapes: [
        [2, 3, 4],
        [2, 5, 4],
      ],
      expectedOutputShape: [2, 3, 4],
      expectedWeightShapes: [[], []],
    });
  });

  it('AdditiveAttention goes through the layer harness', () => {
    runLayerTest({
      make: (a) => new AdditiveAttention(a as object) as Layer,
      inputShapes: [
        [2, 3, 4],
        [2, 5, 4],
      ],
      expectedOutputShape: [2, 3, 4],
      expectedWeightShapes: [[4]],
    });
  });

  it('returns the scores and the query mask from a symbolic call', () => {
    const q = input({ shape: [4, 6] });
    const v = input({ shape: [5, 3] });
    const k = input({ shape: [5, 6] });
    const [y, s] = new Attention().applyMulti([q, v, k], {
      returnAttentionScores: true,
    } as AttentionCallOptions);
    expect(y!.shape).toEqual([null, 4, 3]);
    expect(s!.shape).toEqual([null, 4, 5]);
    const att = new Attention();
    const m = [tensor([[1, 0]], [1, 2], 'bool'), null];
    expect(att.computeMask([], m)).toBe(m[0]);
    expect(att.computeMask([], null)).toBeNull();
  });

  it('dropout applies to the distribution in training only', () => {
    const q = tensor(
      Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => Math.sin(i)),
      [2, 3, 4],
    );
    const att = new Attention({ dropout: 0.5, seed: 3 });
    const [y0, s0] = att.applyMulti([q, q], {
      returnAttentionScores: true,
    } as AttentionCallOptions);
    const [y1] = att.applyMulti([q, q], {
      training: true,
      returnAttentionScores: true,
    } as AttentionCallOptions);
    const plain = new Attention().applyMulti([q, q], {
      returnAttentionScores: true,
    } as AttentionCallOptions);
    expectClose(y0!, plain[0]!);
    expectClose(s0!, plain[1]!);
    expect(Array.from(y1!.dataSync())).not.toEqual(Array.from(y0!.dataSync()));
  });

  it('says what is wrong, naming the layer', () => {
    const x = tensor(new Float32Array(2 * 4 * 5), [2, 4, 5]);
    const att = new Attention({ name: 'att' });
    expect(() => att.apply(x)).toThrow(ValueError);
    expect(() => att.apply(x)).toThrow(/att \(Attention\): call it on a list \[query, value\]/);
    expect(() => att.apply([x, x, x, x] as Tensor[])).toThrow(/got 4 input\(s\)/);
    expect(() =>
      new Attention({ name: 'a2' }).apply([x, tensor(new Float32Array(2 * 3 * 6), [2, 3, 6]), x]),
    ).toThrow(/a2 \(Attention\): value and key must agree on every axis but the last/);
    expect(() =>
      new AdditiveAttention({ name: 'add' }).apply([
        x,
        tensor(new Float32Array(2 * 3 * 6), [2, 3, 6]),
      ]),
    ).toThrow(ShapeError);
    expect(() =>
      new AdditiveAttention({ name: 'add2' }).apply([
        x,
        tensor(new Float32Array(2 * 3 * 6), [2, 3, 6]),
      ]),
    ).toThrow(
      /add2 \(AdditiveAttention\): query and key must have the same last axis, got query \[2, 4, 5\] and key \[2, 3, 6\]/,
    );
    expect(() => new Attention({ scoreMode: 'add' as never, name: 'a3' })).toThrow(
      /a3 \(Attention\): scoreMode must be 'dot' or 'concat', got add/,
    );
    expect(() => new AdditiveAttention({ dropout: 1, name: 'a4' })).toThrow(
      /a4 \(AdditiveAttention\): dropout must be a number in \[0, 1\), got 1/,
    );
    expect(() => att.apply([x, x], { mask: x } as never)).toThrow(
      /att \(Attention\): mask must be a list \[queryMask, valueMask\]/,
    );
  });
});

describe('Attention and AdditiveAttention in a Keras model file', () => {
  it("reads Keras's config ([query, value] lists, use_causal_mask), predicts as Keras, saves Keras's layout and round-trips", async () => {
    const c = golden.models.attention;
    const m = modelFromKerasConfig(c.config);
    m.setWeights(c.weights.map(t));
    const xs = (c.input as Arr[]).map(t);
    expectClose(m.predict(xs) as Tensor, t(c.output), { rtol: 1e-4, atol: 1e-5 });
    const bytes = await modelToKerasBytes(m);
    expect(await h5Layout(bytes)).toEqual([...c.h5].sort((a, b) => (a.path < b.path ? -1 : 1)));
    const cfg = JSON.parse(new TextDecoder().decode(readZip(bytes).get('config.json')));
    const layers = cfg.config.layers as { class_name: string; inbound_nodes: unknown[] }[];
    const kerasLayers = c.config.config.layers;
    for (const name of ['Attention', 'AdditiveAttention']) {
      const mine = layers.find((l) => l.class_name === name)!;
      const theirs = kerasLayers.find((l) => l.class_name === name)!;
      expect(mine.inbound_nodes).toEqual(theirs.inbound_nodes);
    }
    const back = await loadModelFromBytes(bytes);
    expectClose(back.predict(xs) as Tensor, t(c.output), { rtol: 1e-4, atol: 1e-5 });
  });
});
