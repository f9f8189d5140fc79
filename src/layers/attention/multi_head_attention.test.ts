/**
 * EinsumDense and MultiHeadAttention against real Keras 3 (numpy backend;
 * scripts/attention_golden.py → test/fixtures/attention_golden.json): the same weights give the
 * same outputs, shapes and attention scores for self-, cross- and keyed attention, causal and
 * explicit masks, custom output shapes, no biases and 2-D attention axes; both go through the
 * layer harness with float64 gradient checks.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeBackends } from '../../../test/helpers/describe_backends.js';
import { expectClose } from '../../../test/helpers/expect_close.js';
import { runLayerTest } from '../../../test/helpers/run_layer_test.js';
import { grads, variableGrads } from '../../autograd/grad.js';
import { openH5 } from '../../io/h5.js';
import { modelFromKerasConfig } from '../../io/keras_config.js';
import { loadModelFromBytes, modelToKerasBytes } from '../../io/save_load.js';
import { readZip } from '../../io/zip.js';
import { model as functionalModel } from '../../models/model.js';
import { tensor } from '../../ops/creation.js';
import { randomNormal } from '../../ops/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import { EinsumDense } from '../einsum_dense.js';
import { input } from '../input_layer.js';
import type { Layer } from '../layer.js';
import type { SymbolicTensor } from '../symbolic.js';
import { MultiHeadAttention } from './multi_head_attention.js';

interface Arr {
  shape: number[];
  data: number[];
}
interface W extends Arr {
  path: string;
}
const golden = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/attention_golden.json', import.meta.url), 'utf8'),
) as {
  einsum_dense: {
    equation: string;
    config: Record<string, unknown>;
    input: Arr;
    weights: W[];
    output: Arr;
    output_shape: (number | null)[];
  }[];
  model: {
    weights: W[];
    input: Arr;
    output: Arr;
    h5: { path: string; shape: number[] }[];
    config: unknown;
  };
  mha: {
    name: string;
    config: Record<string, unknown>;
    query: Arr;
    value: Arr | null;
    key: Arr | null;
    attention_mask: Arr | null;
    use_causal_mask: boolean;
    return_attention_scores: boolean;
    weights: W[];
    output: Arr;
    scores: Arr | null;
  }[];
};
const t = (a: Arr) => tensor(Float32Array.from(a.data), a.shape);

describe('EinsumDense (Keras golden)', () => {
  it.each(golden.einsum_dense.map((c) => [c.equation, c] as const))('%s', (_eq, c) => {
    const cfg = c.config;
    const layer = new EinsumDense({
      equation: cfg.equation as string,
      outputShape: cfg.output_shape as (number | null)[],
      biasAxes: cfg.bias_axes as string | null,
      activation: cfg.activation as 'linear',
    });
    const x = t(c.input);
    layer.apply(x);
    expect(layer.weights.map((w) => [...w.shape])).toEqual(c.weights.map((w) => w.shape));
    layer.setWeights(c.weights.map(t));
    expectClose(layer.apply(x), t(c.output), { rtol: 1e-5, atol: 1e-5 });
    // Keras's analysis (compute_output_shape) leaves axes shared with the input unknown;
    // Tessera takes them from the input. Otherwise the two agree (even where Keras's analysis
    // disagrees with its own output: a right-elided equation given the elided size again).
    const shape = layer.computeOutputShape([null, ...c.input.shape.slice(1)]);
    expect(shape.length).toBe(c.output_shape.length);
    c.output_shape.forEach((d, i) => {
      if (i > 0 && d !== null) expect(shape[i]).toBe(d);
    });
  });

  it('refuses equations Keras refuses, naming the layer', () => {
    const bad =
      (equation: string, outputShape: (number | null)[] = [3]) =>
      () =>
        new EinsumDense({ equation, outputShape, name: 'ed' }).apply(
          tensor(new Float32Array(6), [2, 3]),
        );
    expect(bad('ab->b')).toThrow(/ed \(EinsumDense\): invalid equation/);
    expect(bad('ab,bc->az')).toThrow(/output label 'z'/);
    expect(bad('ab,bz->a', [])).toThrow(/kernel label 'z'/);
    expect(bad('abc,cd->abd')).toThrow(/names 3 axes, but the input has rank 2/);
  });

  it('goes through the layer harness (gradients in float64)', () => {
    runLayerTest({
      cls: EinsumDense,
      args: { equation: 'abc,cde->abde', outputShape: [null, 2, 3], biasAxes: 'de' },
      inputShape: [2, 4, 5],
      expectedOutputShape: [2, 4, 2, 3],
      expectedWeightShapes: [
        [5, 2, 3],
        [2, 3],
      ],
    });
  });
});

describe('MultiHeadAttention (Keras golden)', () => {
  it.each(golden.mha.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const cfg = c.config;
    const layer = new MultiHeadAttention({
      numHeads: cfg.num_heads as number,
      keyDim: cfg.key_dim as number,
      valueDim: cfg.value_dim as number,
      useBias: cfg.use_bias as boolean,
      outputShape: cfg.output_shape as number[] | null,
      attentionAxes: cfg.attention_axes as number[],
    });
    const q = t(c.query);
    const v = c.value ? t(c.value) : q;
    const ins = c.key ? [q, v, t(c.key)] : [q, v];
    const opts = {
      attentionMask: c.attention_mask ? t(c.attention_mask).cast('bool') : null,
      useCausalMask: c.use_causal_mask,
      returnAttentionScores: c.return_attention_scores,
    };
    layer.applyMulti(ins, opts as never);
    expect(layer.weights.map((w) => [...w.shape])).toEqual(c.weights.map((w) => w.shape));
    // Keras's variable paths end like Tessera's names (query/kernel, …).
    expect(layer.weights.map((w) => w.name.split('/').slice(-2).join('/'))).toEqual(
      c.weights.map((w) => w.path.split('/').slice(-2).join('/')),
    );
    layer.setWeights(c.weights.map(t));
    const outs = layer.applyMulti(ins, opts as never);
    expectClose(outs[0]!, t(c.output), { rtol: 1e-4, atol: 1e-5 });
    if (c.scores) expectClose(outs[1]!, t(c.scores), { rtol: 1e-4, atol: 1e-6 });
    expect(layer.getConfig().attentionAxes).toEqual(cfg.attention_axes);
  });

  it('goes through the layer harness: self- and cross-attention, gradients in float64', () => {
    runLayerTest({
      make: (a) => new MultiHeadAttention({ numHeads: 2, keyDim: 3, ...(a as object) }) as Layer,
      inputShapes: [
        [2, 4, 5],
        [2, 3, 6],
      ],
      expectedOutputShape: [2, 4, 5],
      expectedNumWeights: 8,
    });
  });

  it('says what is wrong with its inputs', () => {
    const mha = new MultiHeadAttention({ numHeads: 2, keyDim: 3, name: 'mha' });
    const x = tensor(new Float32Array(2 * 4 * 5), [2, 4, 5]);
    expect(() => mha.apply(x)).toThrow(/mha \(MultiHeadAttention\): call it on \[query, value\]/);
    expect(() => new MultiHeadAttention({ numHeads: 0, keyDim: 3 })).toThrow(
      /numHeads must be a positive integer/,
    );
    expect(() =>
      mha.apply([x, x, tensor(new Float32Array(2 * 3 * 5), [2, 3, 5])] as Tensor[]),
    ).toThrow(/value and key must agree/);
  });
});

describeBackends('MultiHeadAttention fused and composite paths', () => {
  // Returning the scores keeps the composite (einsum, where, softmax); a plain call takes the
  // fused kernel where the backend has one. Both must agree, gradients included.
  it.each([
    ['no mask', false, false],
    ['causal', true, false],
    ['causal and Keras masks', true, true],
    ['Keras masks', false, true],
  ] as const)('%s', (_n, causal, masks) => {
    const mha = new MultiHeadAttention({ numHeads: 2, keyDim: 8, valueDim: 5 });
    const q = randomNormal([3, 6, 7], 0, 1, { seed: 1 });
    const v = randomNormal([3, 9, 4], 0, 1, { seed: 2 });
    const keep = (n: number, len: number) =>
      tensor(
        Uint8Array.from({ length: n * len }, (_, i) => (i % len < len - (i % 3) ? 1 : 0)),
        [n, len],
        'bool',
      );
    const opts = {
      useCausalMask: causal,
      mask: masks ? [keep(3, 6), keep(3, 9)] : undefined,
    };
    const call = (scores: boolean) => (a: Tensor, b: Tensor) => {
      const r = mha.applyMulti([a, b], { ...opts, returnAttentionScores: scores } as never);
      return r[0]!;
    };
    mha.applyMulti([q, v], opts as never);
    const dy = randomNormal([3, 6, 7], 0, 1, { seed: 3 });
    expectClose(call(false)(q, v), call(true)(q, v), { rtol: 1e-5, atol: 1e-6 });
    const gf = variableGrads(() => call(false)(q, v).mul(dy).sum(), mha.trainableWeights);
    const gc = variableGrads(() => call(true)(q, v).mul(dy).sum(), mha.trainableWeights);
    gf.grads.forEach((g, i) => expectClose(g!, gc.grads[i]!, { rtol: 1e-4, atol: 1e-5 }));
    const [dq, dv] = grads(call(false))([q, v], dy);
    const [cq, cv] = grads(call(true))([q, v], dy);
    expectClose(dq!, cq!, { rtol: 1e-4, atol: 1e-5 });
    expectClose(dv!, cv!, { rtol: 1e-4, atol: 1e-5 });
  });
});

describe('MultiHeadAttention in a Keras model file', () => {
  it("reads Keras's config (positional query/value, use_causal_mask), predicts as Keras, and saves Keras's weight layout", async () => {
    const m = modelFromKerasConfig(golden.model.config);
    m.setWeights(golden.model.weights.map(t));
    expectClose(m.predict(t(golden.model.input)) as Tensor, t(golden.model.output), {
      rtol: 1e-4,
      atol: 1e-5,
    });
    const zip = readZip(await modelToKerasBytes(m));
    const r = await openH5(zip.get('model.weights.h5')!);
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
    const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : 1);
    expect(mine.sort(byPath)).toEqual([...golden.model.h5].sort(byPath));
    const cfg = JSON.parse(new TextDecoder().decode(zip.get('config.json')));
    const node = cfg.config.layers[1].inbound_nodes[0];
    expect(node.args).toHaveLength(2);
    expect(node.kwargs).toEqual({ use_causal_mask: true });
    const back = await loadModelFromBytes(await modelToKerasBytes(m));
    expectClose(back.predict(t(golden.model.input)) as Tensor, t(golden.model.output), {
      rtol: 1e-4,
      atol: 1e-5,
    });
  });
});

describe('symbolic shapes equal the computed ones', () => {
  it("EinsumDense with '...' over several leading axes keeps their order", () => {
    const x = input({ shape: [2, 3, 5] });
    const e = new EinsumDense({ equation: '...b,bc->...c', outputShape: [4] });
    const y = e.apply(x) as SymbolicTensor;
    expect(y.shape).toEqual([null, 2, 3, 4]);
    expect((e.apply(randomNormal([1, 2, 3, 5])) as Tensor).shape).toEqual([1, 2, 3, 4]);
  });

  it('MultiHeadAttention scores keep the axes not attended over', () => {
    const q = input({ shape: [3, 4, 6] });
    const mha = new MultiHeadAttention({ numHeads: 2, keyDim: 3, attentionAxes: [2] });
    const [o, s] = mha.applyMulti([q, q], {
      returnAttentionScores: true,
    } as never) as SymbolicTensor[];
    const m = functionalModel({ inputs: q, outputs: [o!, s!] });
    const [ro, rs] = m.predict(randomNormal([1, 3, 4, 6])) as Tensor[];
    expect([null, ...ro!.shape.slice(1)]).toEqual(o!.shape);
    expect(s!.shape).toEqual([null, 3, 2, 4, 4]);
    expect(rs!.shape).toEqual([1, 3, 2, 4, 4]);
  });
});
