/**
 * ONNX export of EinsumDense and the attention layers (MultiHeadAttention, GroupQueryAttention,
 * Attention, AdditiveAttention) with their options, and of the transformer blocks of
 * examples/imdb_transformer.ts and examples/char_transformer.ts, checked by running the
 * exported bytes in ONNX Runtime (onnxruntime-node) against `model.predict`.
 */
import { describe, expect, it } from 'vitest';
import { charModel } from '../../../examples/char_transformer.js';
import { imdbTransformer } from '../../../examples/imdb_transformer.js';
import { expectOnnxMatchesPredict } from '../../../test/helpers/onnx_runtime.js';
import {
  AdditiveAttention,
  Attention,
  EinsumDense,
  Embedding,
  GroupQueryAttention,
  MultiHeadAttention,
} from '../../layers/index.js';
import { input } from '../../layers/input_layer.js';
import type { Layer } from '../../layers/layer.js';
import type { SymbolicTensor } from '../../layers/symbolic.js';
import { model as functionalModel } from '../../models/model.js';
import { randomNormal, randomUniform, setSeed } from '../../ops/random.js';
import './convert_attention.js';
import './convert_conv.js';
import './convert_core.js';
import './convert_norm.js';
import './convert_rnn.js';
import { type OnnxLayerContext, onnxBytes, registerOnnxConverter } from './index.js';

type Sym = SymbolicTensor;

/** Every weight of `m` redrawn (biases and scales too, which start at zeros and ones). */
function randomizeWeights(m: Layer, stddev = 0.5): void {
  for (const w of m.weights) if (w.dtype === 'float32') w.assign(randomNormal(w.shape, 0, stddev));
}

/** A one-layer model on `shapes` inputs (called with `opts`), compared on random inputs. */
async function check(
  layer: Layer,
  shapes: number[][],
  opts: Record<string, unknown> = {},
): Promise<void> {
  const ins = shapes.map((s) => input({ shape: s }));
  const call = ins.length === 1 ? ins[0]! : ins;
  const outs = opts.returnAttentionScores
    ? (layer.applyMulti(call, opts as never) as Sym[])
    : (layer.apply(call, opts as never) as Sym);
  const m = functionalModel({ inputs: ins, outputs: outs });
  randomizeWeights(m);
  await expectOnnxMatchesPredict(
    m,
    shapes.map((s) => randomNormal([3, ...s])),
  );
}

/** The examples' position embeddings: x + table (`[T, d]`, broadcast over the batch). */
const addTable = (c: OnnxLayerContext) => [
  c.op1('Add', [c.inputs[0]!, c.weight(c.layer.weights[0]!)]),
];
// The public extension point: custom layers of the examples become exportable.
registerOnnxConverter('PositionEmbedding', addTable);
registerOnnxConverter('ImdbPositionEmbedding', addTable);

describe('exportOnnx: EinsumDense', () => {
  it.each([
    ['ab,bc->ac', [5], [4], 'c', 'relu'],
    ['abc,cd->abd', [3, 5], [null, 4], 'd', 'linear'],
    ['abc,cde->abde', [3, 5], [null, 2, 4], 'de', 'tanh'],
    ['abc,cde->abde', [3, 5], [null, 2, 4], 'e', 'linear'],
    ['abc,cde->abde', [3, 5], [null, 2, 4], 'd', 'linear'],
    ['abcd,cde->abe', [3, 2, 4], [null, 5], 'e', 'linear'],
    ['...b,bc->...c', [2, 3, 5], [4], 'c', 'gelu'],
    ['abc,cd->adb', [3, 5], [4, 3], 'd', 'linear'],
    ['ab...,bc->ac...', [5, 3], [4], 'c', 'linear'],
    ['abc,bcd->abd', [3, 5], [null, 4], null, 'sigmoid'],
  ] as const)('%s on %j, outputShape %j, bias %s, %s', async (equation, shape, out, bias, act) => {
    setSeed(10);
    await check(
      new EinsumDense({
        equation,
        outputShape: out as never,
        biasAxes: bias,
        activation: act,
      }),
      [[...shape]],
    );
  });
});

describe('exportOnnx: MultiHeadAttention', () => {
  it.each([
    [
      'self-attention',
      [
        [5, 8],
        [5, 8],
      ],
      { numHeads: 2, keyDim: 4 },
      {},
    ],
    [
      'cross-attention',
      [
        [5, 8],
        [3, 6],
      ],
      { numHeads: 3, keyDim: 2, valueDim: 5 },
      {},
    ],
    [
      'query, value, key',
      [
        [4, 8],
        [6, 5],
        [6, 7],
      ],
      { numHeads: 2, keyDim: 3 },
      {},
    ],
    [
      'causal',
      [
        [6, 8],
        [6, 8],
      ],
      { numHeads: 2, keyDim: 4 },
      { useCausalMask: true },
    ],
    [
      'causal, T ≠ S',
      [
        [6, 8],
        [4, 8],
      ],
      { numHeads: 2, keyDim: 4 },
      { useCausalMask: true },
    ],
    [
      'sliding window',
      [
        [6, 8],
        [6, 8],
      ],
      { numHeads: 2, keyDim: 4, slidingWindow: 2 },
      {},
    ],
    [
      'causal and a window, scores returned',
      [
        [6, 8],
        [6, 8],
      ],
      { numHeads: 2, keyDim: 4, slidingWindow: 3 },
      { useCausalMask: true, returnAttentionScores: true },
    ],
    [
      'outputShape, no bias',
      [
        [5, 8],
        [5, 8],
      ],
      { numHeads: 2, keyDim: 4, outputShape: [3, 2], useBias: false },
      {},
    ],
    [
      'dropout (identity at inference)',
      [
        [5, 8],
        [5, 8],
      ],
      { numHeads: 2, keyDim: 4, dropout: 0.5 },
      {},
    ],
    [
      'attention over axis 2 of rank-4 inputs',
      [
        [2, 5, 6],
        [2, 3, 6],
      ],
      { numHeads: 2, keyDim: 3, attentionAxes: [2] },
      {},
    ],
    [
      'attention over two axes, scores returned',
      [
        [2, 3, 6],
        [4, 2, 6],
      ],
      { numHeads: 2, keyDim: 3, attentionAxes: [1, 2] },
      { returnAttentionScores: true },
    ],
  ] as const)('%s', async (_name, shapes, args, opts) => {
    setSeed(20);
    await check(
      new MultiHeadAttention(args as never),
      shapes.map((s) => [...s]),
      opts,
    );
  });

  it('symbolic sequence lengths: the causal band follows the run-time length', async () => {
    setSeed(21);
    const x = input({ shape: [null, 8] });
    const y = new MultiHeadAttention({ numHeads: 2, keyDim: 4, slidingWindow: 3 }).apply([x, x], {
      useCausalMask: true,
    } as never) as Sym;
    const m = functionalModel({ inputs: x, outputs: y });
    randomizeWeights(m);
    for (const t of [1, 7]) await expectOnnxMatchesPredict(m, randomNormal([2, t, 8]));
  });
});

describe('exportOnnx: GroupQueryAttention', () => {
  it.each([
    [
      'grouped heads',
      [
        [5, 8],
        [5, 8],
      ],
      { headDim: 3, numQueryHeads: 4, numKeyValueHeads: 2 },
      {},
    ],
    [
      'multi-query, causal',
      [
        [6, 8],
        [6, 8],
      ],
      { headDim: 4, numQueryHeads: 3, numKeyValueHeads: 1 },
      { useCausalMask: true },
    ],
    [
      'as many groups as heads',
      [
        [5, 8],
        [4, 8],
      ],
      { headDim: 2, numQueryHeads: 2, numKeyValueHeads: 2 },
      {},
    ],
    [
      'query, value, key, gate, no bias',
      [
        [4, 6],
        [5, 6],
        [5, 3],
      ],
      { headDim: 3, numQueryHeads: 4, numKeyValueHeads: 2, useGate: true, useBias: false },
      {},
    ],
    [
      'a window wider than the keys, scores returned (masked rows zeroed)',
      [
        [7, 6],
        [2, 6],
      ],
      { headDim: 2, numQueryHeads: 2, numKeyValueHeads: 1, slidingWindow: 2 },
      { returnAttentionScores: true },
    ],
    [
      'causal, a window and dropout: fully masked rows zeroed at inference too',
      [
        [7, 6],
        [3, 6],
      ],
      { headDim: 2, numQueryHeads: 4, numKeyValueHeads: 2, dropout: 0.3, slidingWindow: 2 },
      { useCausalMask: true },
    ],
  ] as const)('%s', async (_name, shapes, args, opts) => {
    setSeed(30);
    await check(
      new GroupQueryAttention(args as never),
      shapes.map((s) => [...s]),
      opts,
    );
  });
});

describe('exportOnnx: Attention and AdditiveAttention', () => {
  it.each([
    ['dot', {}, {}],
    ['dot, scaled, causal', { useScale: true }, { useCausalMask: true }],
    [
      'concat, scaled, scores returned',
      { scoreMode: 'concat', useScale: true },
      { returnAttentionScores: true },
    ],
    ['concat, causal', { scoreMode: 'concat', dropout: 0.2 }, { useCausalMask: true }],
  ] as const)('Attention %s', async (_name, args, opts) => {
    setSeed(40);
    await check(
      new Attention(args as never),
      [
        [5, 4],
        [6, 3],
        [6, 4],
      ],
      opts,
    );
    await check(
      new Attention(args as never),
      [
        [2, 5, 4],
        [2, 6, 4],
      ],
      opts,
    );
  });

  it.each([
    ['scaled', {}, {}],
    [
      'unscaled, causal, scores returned',
      { useScale: false },
      { useCausalMask: true, returnAttentionScores: true },
    ],
  ] as const)('AdditiveAttention %s', async (_name, args, opts) => {
    setSeed(41);
    await check(
      new AdditiveAttention(args as never),
      [
        [5, 4],
        [6, 3],
        [6, 4],
      ],
      opts,
    );
  });
});

describe('exportOnnx: the examples’ transformers', () => {
  it('the IMDB encoder block (token + position embedding, MHA, LayerNorm, FFN, pooling)', async () => {
    setSeed(50);
    const m = imdbTransformer(30, 10, 8);
    randomizeWeights(m, 0.3);
    const ids = randomUniform([4, 10], 0, 30, { dtype: 'int32' });
    await expectOnnxMatchesPredict(m, ids);
    // Rank-3 attention is plain MatMul/Transpose/Softmax: no Einsum for runtimes without one.
    expect(Buffer.from(onnxBytes(m)).includes('Einsum')).toBe(false);
  });

  it('the causal character decoder (two pre-norm blocks, gelu FFN, logits at every position)', async () => {
    setSeed(51);
    const m = charModel(12, { length: 8, width: 8, heads: 2, blocks: 2 });
    randomizeWeights(m, 0.3);
    const ids = randomUniform([3, 8], 0, 12, { dtype: 'int32' });
    await expectOnnxMatchesPredict(m, ids);
  });
});

describe('exportOnnx refuses attention it cannot write', () => {
  it('dropout in a node called with training: true; a causal mask on rank-4 inputs', () => {
    const x = input({ shape: [5, 8] });
    const mha = new MultiHeadAttention({ numHeads: 2, keyDim: 4, dropout: 0.1, name: 'mc_mha' });
    const m = functionalModel({
      inputs: x,
      outputs: mha.apply([x, x], { training: true } as never) as Sym,
    });
    expect(() => onnxBytes(m)).toThrow(
      /layer 'mc_mha' \(MultiHeadAttention\) is called with training: true/,
    );
    const x4 = input({ shape: [2, 5, 6] });
    const m4 = functionalModel({
      inputs: x4,
      outputs: new MultiHeadAttention({
        numHeads: 2,
        keyDim: 3,
        attentionAxes: [2],
        name: 'm4',
      }).apply([x4, x4], { useCausalMask: true } as never) as Sym,
    });
    expect(() => onnxBytes(m4)).toThrow(/layer 'm4' \(MultiHeadAttention\): a causal/);
  });

  it('attentionMask tensors cannot be part of a graph (the layer refuses them there)', () => {
    const x = input({ shape: [5, 8] });
    const mha = new MultiHeadAttention({ numHeads: 2, keyDim: 4 });
    expect(() => mha.apply([x, x], { attentionMask: randomNormal([1, 5, 5]) } as never)).toThrow(
      /attentionMask cannot be part of a model graph/,
    );
  });

  it('inputs that carry a Keras mask (Embedding maskZero upstream), on any input', () => {
    const ids = input({ shape: [4], dtype: 'int32' });
    const e = new Embedding({ inputDim: 5, outputDim: 4, maskZero: true }).apply(ids) as Sym;
    const mha = new MultiHeadAttention({ numHeads: 1, keyDim: 2, name: 'masked_mha' });
    const m = functionalModel({ inputs: ids, outputs: mha.apply([e, e]) as Sym });
    expect(() => onnxBytes(m)).toThrow(
      /layer 'masked_mha' \(MultiHeadAttention\): inputs that carry a Keras mask/,
    );
    // Only the value is masked here.
    const q = input({ shape: [3, 4] });
    const v = new Embedding({ inputDim: 5, outputDim: 4, maskZero: true }).apply(
      input({ shape: [5], dtype: 'int32', name: 'value_ids' }),
    ) as Sym;
    const att = new Attention({ name: 'masked_att' });
    const a = functionalModel({
      inputs: [q, v.node.inputs[0]!],
      outputs: att.apply([q, v]) as Sym,
    });
    expect(() => onnxBytes(a)).toThrow(/layer 'masked_att' \(Attention\): inputs that carry/);
  });
});
