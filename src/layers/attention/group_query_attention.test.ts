/**
 * GroupQueryAttention against real Keras 3 (numpy backend;
 * scripts/attention_layers_golden.py → test/fixtures/attention_layers_golden.json): the same
 * weights give the same outputs and attention probabilities for grouped and multi-query heads,
 * keys, causal (fused and explicit paths), explicit, sliding-window and Keras masks (padded
 * queries included), no biases and the gate; it goes through the layer harness with float64
 * gradient checks, and a Keras-saved functional model's config loads, predicts as Keras and
 * round-trips through a `.keras` file with Keras's weight layout below the layer's group.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeBackends } from '../../../test/helpers/describe_backends.js';
import { expectClose } from '../../../test/helpers/expect_close.js';
import { runLayerTest } from '../../../test/helpers/run_layer_test.js';
import { grads, variableGrads } from '../../autograd/grad.js';
import { ShapeError, ValueError } from '../../errors.js';
import { openH5 } from '../../io/h5.js';
import { modelFromKerasConfig } from '../../io/keras_config.js';
import { loadModelFromBytes, modelToKerasBytes } from '../../io/save_load.js';
import { readZip } from '../../io/zip.js';
import { tensor } from '../../ops/creation.js';
import { randomNormal } from '../../ops/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import { input } from '../input_layer.js';
import type { Layer } from '../layer.js';
import { GroupQueryAttention } from './group_query_attention.js';

interface Arr {
  shape: number[];
  data: number[];
}
interface W extends Arr {
  path: string;
}
const golden = JSON.parse(
  readFileSync(
    new URL('../../../test/fixtures/attention_layers_golden.json', import.meta.url),
    'utf8',
  ),
) as {
  gqa: {
    name: string;
    config: Record<string, unknown>;
    query: Arr;
    value: Arr | null;
    key: Arr | null;
    attention_mask: Arr | null;
    query_mask: Arr | null;
    value_mask: Arr | null;
    use_causal_mask: boolean;
    return_attention_scores: boolean;
    weights: W[];
    output: Arr;
    scores: Arr | null;
  }[];
  models: {
    masked: { weights: W[]; input: Arr; output: Arr; config: unknown };
    gqa: {
      weights: W[];
      input: Arr;
      output: Arr;
      h5: { path: string; shape: number[] }[];
      config: { config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
    };
  };
};
const t = (a: Arr) => tensor(Float32Array.from(a.data), a.shape);
const camel = (k: string) => k.replace(/_(.)/g, (_m, ch: string) => ch.toUpperCase());

describe('GroupQueryAttention (Keras golden)', () => {
  it.each(golden.gqa.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const cfg = c.config;
    const layer = new GroupQueryAttention({
      headDim: cfg.head_dim as number,
      numQueryHeads: cfg.num_query_heads as number,
      numKeyValueHeads: cfg.num_key_value_heads as number,
      useBias: cfg.use_bias as boolean,
      useGate: cfg.use_gate as boolean,
      slidingWindow: cfg.sliding_window as number | null,
    });
    const q = t(c.query);
    const v = c.value ? t(c.value) : q;
    const ins = c.key ? [q, v, t(c.key)] : [q, v];
    const opts = {
      attentionMask: c.attention_mask ? t(c.attention_mask).cast('bool') : null,
      mask:
        c.query_mask || c.value_mask
          ? [c.query_mask ? t(c.query_mask) : null, c.value_mask ? t(c.value_mask) : null]
          : undefined,
      useCausalMask: c.use_causal_mask,
      returnAttentionScores: c.return_attention_scores,
    };
    layer.applyMulti(ins, opts);
    expect(layer.weights.map((w) => [...w.shape])).toEqual(c.weights.map((w) => w.shape));
    // Keras's variable paths end like Tessera's names (query/kernel, gate/bias, …).
    expect(layer.weights.map((w) => w.name.split('/').slice(-2).join('/'))).toEqual(
      c.weights.map((w) => w.path.split('/').slice(-2).join('/')),
    );
    layer.setWeights(c.weights.map(t));
    const outs = layer.applyMulti(ins, opts);
    expectClose(outs[0]!, t(c.output), { rtol: 1e-4, atol: 1e-5 });
    if (c.scores) expectClose(outs[1]!, t(c.scores), { rtol: 1e-4, atol: 1e-6 });
    const { name: _n, trainable: _t, dtype: _d, ...kerasCfg } = cfg;
    const mine = layer.getConfig();
    expect(
      Object.keys(mine)
        .filter((k) => !['name', 'trainable', 'dtype'].includes(k))
        .sort(),
    ).toEqual(Object.keys(kerasCfg).map(camel).sort());
  });

  it('goes through the layer harness: grouped self-attention, gradients in float64', () => {
    runLayerTest({
      make: (a) =>
        new GroupQueryAttention({
          headDim: 2,
          numQueryHeads: 4,
          numKeyValueHeads: 2,
          ...(a as object),
        }) as Layer,
      inputShapes: [
        [2, 3, 4],
        [2, 3, 4],
      ],
      expectedOutputShape: [2, 3, 4],
      expectedWeightShapes: [
        [4, 4, 2],
        [4, 2],
        [4, 2, 2],
        [2, 2],
        [4, 2, 2],
        [2, 2],
        [4, 2, 4],
        [4],
      ],
    });
  });

  it('goes through the layer harness: multi-query cross-attention with a key and a gate', () => {
    runLayerTest({
      make: (a) =>
        new GroupQueryAttention({
          headDim: 2,
          numQueryHeads: 2,
          numKeyValueHeads: 1,
          useGate: true,
          ...(a as object),
        }) as Layer,
      inputShapes: [
        [2, 3, 4],
        [2, 5, 4],
        [2, 5, 3],
      ],
      expectedOutputShape: [2, 3, 4],
      expectedNumWeights: 10,
    });
  });

  it('takes Keras default names and returns scores from a symbolic call', () => {
    const gqa = new GroupQueryAttention({ headDim: 2, numQueryHeads: 4, numKeyValueHeads: 2 });
    expect(gqa.name).toMatch(/^grouped_query_attention(_\d+)?$/);
    const q = input({ shape: [4, 6] });
    const v = input({ shape: [5, 6] });
    const [y, s] = gqa.applyMulti([q, v], { returnAttentionScores: true } as never);
    expect(y!.shape).toEqual([null, 4, 6]);
    expect(s!.shape).toEqual([null, 4, 4, 5]);
  });

  it('says what is wrong, naming the layer', () => {
    const args = { headDim: 2, numQueryHeads: 4, numKeyValueHeads: 2 };
    expect(() => new GroupQueryAttention({ ...args, numKeyValueHeads: 3, name: 'g' })).toThrow(
      /g \(GroupQueryAttention\): numQueryHeads must be divisible by numKeyValueHeads, got 4 and 3/,
    );
    expect(() => new GroupQueryAttention({ ...args, headDim: 0, name: 'g' })).toThrow(ValueError);
    expect(() => new GroupQueryAttention({ ...args, slidingWindow: -1, name: 'g' })).toThrow(
      /slidingWindow must be a positive integer or null, got -1/,
    );
    const x = tensor(new Float32Array(2 * 4 * 6), [2, 4, 6]);
    const g = new GroupQueryAttention({ ...args, name: 'g1' });
    expect(() => g.apply(x)).toThrow(/g1 \(GroupQueryAttention\): call it on \[query, value\]/);
    expect(() =>
      new GroupQueryAttention({ ...args, name: 'g2' }).apply([
        x,
        tensor(new Float32Array(2 * 3 * 5), [2, 3, 5]),
      ]),
    ).toThrow(ShapeError);
    expect(() =>
      new GroupQueryAttention({ ...args, name: 'g3' }).apply([
        x,
        tensor(new Float32Array(2 * 3 * 5), [2, 3, 5]),
      ]),
    ).toThrow(
      /g3 \(GroupQueryAttention\): query and value must have the same known last axis, got query \[2, 4, 6\] and value \[2, 3, 5\]/,
    );
    expect(() =>
      new GroupQueryAttention({ ...args, name: 'g4' }).apply([
        x,
        x,
        tensor(new Float32Array(2 * 3 * 6), [2, 3, 6]),
      ]),
    ).toThrow(/g4 \(GroupQueryAttention\): value and key must agree on every axis but the last/);
    const q = input({ shape: [4, 6] });
    expect(() =>
      new GroupQueryAttention({ ...args, name: 'g5' }).apply([q, q], {
        attentionMask: x,
      } as never),
    ).toThrow(/g5 \(GroupQueryAttention\): an attentionMask cannot be part of a model graph/);
  });
});

describeBackends('GroupQueryAttention fused and composite paths', () => {
  // Returning the scores keeps the composite; a plain call takes the fused kernel where the
  // backend has one. Key masks only: the two differ on purpose in rows masked whole (Keras's
  // explicit path zeroes them).
  it.each([
    ['no mask', false, false],
    ['causal and a key mask', true, true],
  ] as const)('%s', (_n, causal, masks) => {
    const gqa = new GroupQueryAttention({ headDim: 8, numQueryHeads: 4, numKeyValueHeads: 2 });
    const q = randomNormal([2, 6, 7], 0, 1, { seed: 1 });
    const v = randomNormal([2, 9, 7], 0, 1, { seed: 2 });
    const keep = tensor(
      Uint8Array.from({ length: 18 }, (_, i) => (i % 9 < 9 - (i % 4) ? 1 : 0)),
      [2, 9],
      'bool',
    );
    const opts = { useCausalMask: causal, mask: masks ? [null, keep] : undefined };
    const call = (scores: boolean) => (a: Tensor, b: Tensor) =>
      gqa.applyMulti([a, b], { ...opts, returnAttentionScores: scores } as never)[0]!;
    const dy = randomNormal([2, 6, 7], 0, 1, { seed: 3 });
    expectClose(call(false)(q, v), call(true)(q, v), { rtol: 1e-5, atol: 1e-6 });
    const gf = variableGrads(() => call(false)(q, v).mul(dy).sum(), gqa.trainableWeights);
    const gc = variableGrads(() => call(true)(q, v).mul(dy).sum(), gqa.trainableWeights);
    gf.grads.forEach((g, i) => expectClose(g!, gc.grads[i]!, { rtol: 1e-4, atol: 1e-5 }));
    const [dq, dv] = grads(call(false))([q, v], dy);
    const [cq, cv] = grads(call(true))([q, v], dy);
    expectClose(dq!, cq!, { rtol: 1e-4, atol: 1e-5 });
    expectClose(dv!, cv!, { rtol: 1e-4, atol: 1e-5 });
  });
});

describe('GroupQueryAttention in a Keras model file', () => {
  it("reads Keras's config (positional query/value, use_causal_mask), predicts as Keras, saves Keras's weight layout and round-trips", async () => {
    const c = golden.models.gqa;
    const kerasLayer = c.config.config.layers.find((l) => l.class_name === 'GroupQueryAttention');
    expect(kerasLayer).toBeDefined();
    const m = modelFromKerasConfig(c.config);
    m.setWeights(c.weights.map(t));
    expectClose(m.predict(t(c.input)) as Tensor, t(c.output), { rtol: 1e-4, atol: 1e-5 });
    const bytes = await modelToKerasBytes(m);
    const r = await openH5(readZip(bytes).get('model.weights.h5')!);
    const mine: { path: string; shape: number[] }[] = [];
    const walk = (g: string) => {
      for (const k of r.keys(g)) {
        const p = g ? `${g}/${k}` : k;
        if (r.isGroup(p)) walk(p);
        else mine.push({ path: p, shape: r.datasetInfo(p).shape });
      }
    };
    walk('');
    r.close();
    // Below the layer's own group, the layout is Keras's (_query_dense/vars/0, …). The group's
    // key is Keras's snake-cased Python class name, `grouped_query_attention`; the writer keys
    // layers by `className` (see GroupQueryAttention.kerasSnakeName), so that key is left out.
    const norm = (h: { path: string; shape: number[] }) => ({
      path: h.path.replace(/^layers\/(grouped|group)_query_attention\//, 'layers/GQA/'),
      shape: h.shape,
    });
    const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : 1);
    expect(mine.map(norm).sort(byPath)).toEqual(c.h5.map(norm).sort(byPath));
    const cfg = JSON.parse(new TextDecoder().decode(readZip(bytes).get('config.json')));
    const saved = (
      cfg.config.layers as { class_name: string; config: Record<string, unknown> }[]
    ).find((l) => l.class_name === 'GroupQueryAttention')!;
    for (const k of ['head_dim', 'num_query_heads', 'num_key_value_heads', 'use_bias', 'use_gate'])
      expect(saved.config[k]).toEqual(kerasLayer!.config[k]);
    const back = await loadModelFromBytes(bytes);
    expectClose(back.predict(t(c.input)) as Tensor, t(c.output), { rtol: 1e-4, atol: 1e-5 });
  });

  it('carries Keras masks through a graph as Keras does (Embedding maskZero into GroupQueryAttention and Attention)', () => {
    const c = golden.models.masked;
    const m = modelFromKerasConfig(c.config);
    m.setWeights(c.weights.map(t));
    const ids = tensor(Int32Array.from(c.input.data), c.input.shape, 'int32');
    expectClose(m.predict(ids) as Tensor, t(c.output), { rtol: 1e-4, atol: 1e-5 });
  });
});
