/**
 * The same small models built in Tessera and in TensorFlow.js (same layer names, same
 * configuration), for checking the TF.js model format: weight names, byte layout and outputs.
 */
import * as tf from '@tensorflow/tfjs';
import {
  Conv2D,
  Conv2DTranspose,
  DepthwiseConv2D,
  SeparableConv2D,
} from '../../src/layers/convolutional.js';
import { Dropout, Flatten } from '../../src/layers/core.js';
import { Dense } from '../../src/layers/dense.js';
import { Embedding } from '../../src/layers/embedding.js';
import { input } from '../../src/layers/input_layer.js';
import { BatchNormalization, LayerNormalization } from '../../src/layers/normalization.js';
import { MaxPooling2D } from '../../src/layers/pooling.js';
import { GRU } from '../../src/layers/rnn/gru.js';
import { LSTM } from '../../src/layers/rnn/lstm.js';
import { SimpleRNN } from '../../src/layers/rnn/simple_rnn.js';
import { Bidirectional, TimeDistributed } from '../../src/layers/rnn/wrappers.js';
import { Model } from '../../src/models/model.js';
import { Sequential } from '../../src/models/sequential.js';
import { tensor } from '../../src/ops/creation.js';
import type { Tensor } from '../../src/tensor/tensor.js';

/** A model in both libraries plus an input batch for it. */
export interface ModelPair {
  name: string;
  tess: Model;
  tf: tf.LayersModel;
  /** Input values, flat, and the batch shape. */
  x: { data: number[]; shape: number[]; dtype: 'float32' | 'int32' };
}

/** Deterministic pseudo-random numbers in [lo, hi). */
export function rand(n: number, seed: number, lo = -1, hi = 1): number[] {
  let s = seed >>> 0 || 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out.push(lo + ((s % 1_000_003) / 1_000_003) * (hi - lo));
  }
  return out;
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Random weights for a tfjs model (variances positive). */
export function randomizeTf(m: tf.LayersModel, seed: number): void {
  m.setWeights(
    m.weights.map((w, i) => {
      const pos = w.originalName.endsWith('moving_variance');
      const shape = w.shape as number[];
      return tf.tensor(rand(size(shape), seed + i, pos ? 0.5 : -0.5, pos ? 1.5 : 0.5), shape);
    }),
  );
}

/** Random weights for a Tessera model (variances positive). */
export function randomizeTess(m: Model, seed: number): void {
  m.setWeights(
    m.weights.map((w, i) => {
      const pos = w.name.endsWith('moving_variance');
      return tensor(rand(w.size, seed + i, pos ? 0.5 : -0.5, pos ? 1.5 : 0.5), [...w.shape]);
    }),
  );
}

export function tessInput(p: ModelPair): Tensor {
  return tensor(p.x.data, p.x.shape, p.x.dtype);
}

export function tfInput(p: ModelPair): tf.Tensor {
  return tf.tensor(p.x.data, p.x.shape, p.x.dtype);
}

/** Dense MLP. */
export function mlpPair(): ModelPair {
  const tess = new Sequential({
    name: 'mlp',
    layers: [
      new Dense({ name: 'h1', units: 8, activation: 'relu', inputShape: [6] }),
      new Dropout({ name: 'drop', rate: 0.3 }),
      new Dense({ name: 'h2', units: 3, activation: 'softmax' }),
    ],
  });
  const tfm = tf.sequential({
    name: 'mlp',
    layers: [
      tf.layers.dense({ name: 'h1', units: 8, activation: 'relu', inputShape: [6] }),
      tf.layers.dropout({ name: 'drop', rate: 0.3 }),
      tf.layers.dense({ name: 'h2', units: 3, activation: 'softmax' }),
    ],
  });
  return { name: 'mlp', tess, tf: tfm, x: { data: rand(24, 7), shape: [4, 6], dtype: 'float32' } };
}

/**
 * TF.js's recurrent layers default to recurrentActivation 'hardSigmoid' (Keras 2); Tessera's to
 * 'sigmoid' (Keras 3), so the TF.js side sets it explicitly.
 *
 * Embedding → LSTM → GRU(resetAfter false) → SimpleRNN → TimeDistributed(Dense) → Bidirectional(LSTM) → Dense. */
export function rnnPair(): ModelPair {
  const tess = new Sequential({
    name: 'rnn',
    layers: [
      new Embedding({ name: 'emb', inputDim: 10, outputDim: 4, inputShape: [5] }),
      new LSTM({ name: 'lstm', units: 3, returnSequences: true }),
      new GRU({ name: 'gru', units: 3, resetAfter: false, returnSequences: true }),
      new SimpleRNN({ name: 'srnn', units: 3, returnSequences: true }),
      new TimeDistributed(new Dense({ name: 'tdd', units: 2 }), { name: 'td' }),
      new Bidirectional(new LSTM({ name: 'bl', units: 2 }), { name: 'bi' }),
      new Dense({ name: 'out', units: 2 }),
    ],
  });
  const L = tf.layers;
  const tfm = tf.sequential({
    name: 'rnn',
    layers: [
      L.embedding({ name: 'emb', inputDim: 10, outputDim: 4, inputShape: [5] }),
      L.lstm({ name: 'lstm', units: 3, returnSequences: true, recurrentActivation: 'sigmoid' }),
      L.gru({
        name: 'gru',
        units: 3,
        returnSequences: true,
        recurrentActivation: 'sigmoid',
      }) /* TF.js's GRU is resetAfter=false */,
      L.simpleRNN({ name: 'srnn', units: 3, returnSequences: true }),
      L.timeDistributed({ name: 'td', layer: L.dense({ name: 'tdd', units: 2 }) }),
      L.bidirectional({
        name: 'bi',
        layer: L.lstm({ name: 'bl', units: 2, recurrentActivation: 'sigmoid' }) as tf.RNN,
      }),
      L.dense({ name: 'out', units: 2 }),
    ],
  });
  const data = rand(15, 11, 0, 10).map(Math.floor);
  return { name: 'rnn', tess, tf: tfm, x: { data, shape: [3, 5], dtype: 'int32' } };
}

/** Conv2D → BatchNorm → MaxPooling2D → DepthwiseConv2D → SeparableConv2D → Conv2DTranspose → Flatten → LayerNorm → Dense. */
export function convPair(): ModelPair {
  const tess = new Sequential({
    name: 'conv',
    layers: [
      new Conv2D({
        name: 'c1',
        filters: 3,
        kernelSize: 3,
        activation: 'relu',
        inputShape: [8, 8, 2],
      }),
      new BatchNormalization({ name: 'bn' }),
      new MaxPooling2D({ name: 'pool', poolSize: 2 }),
      new DepthwiseConv2D({ name: 'dw', kernelSize: 2, depthMultiplier: 2 }),
      new SeparableConv2D({ name: 'sep', filters: 4, kernelSize: 1 }),
      new Conv2DTranspose({ name: 'ct', filters: 2, kernelSize: 2, strides: 2 }),
      new Flatten({ name: 'flat' }),
      new LayerNormalization({ name: 'ln' }),
      new Dense({ name: 'out', units: 3 }),
    ],
  });
  const L = tf.layers;
  const tfm = tf.sequential({
    name: 'conv',
    layers: [
      L.conv2d({
        name: 'c1',
        filters: 3,
        kernelSize: 3,
        activation: 'relu',
        inputShape: [8, 8, 2],
      }),
      L.batchNormalization({ name: 'bn' }),
      L.maxPooling2d({ name: 'pool', poolSize: 2 }),
      L.depthwiseConv2d({ name: 'dw', kernelSize: 2, depthMultiplier: 2 }),
      L.separableConv2d({ name: 'sep', filters: 4, kernelSize: 1 }),
      L.conv2dTranspose({ name: 'ct', filters: 2, kernelSize: 2, strides: 2 }),
      L.flatten({ name: 'flat' }),
      L.layerNormalization({ name: 'ln' }),
      L.dense({ name: 'out', units: 3 }),
    ],
  });
  return {
    name: 'conv',
    tess,
    tf: tfm,
    x: { data: rand(2 * 8 * 8 * 2, 13), shape: [2, 8, 8, 2], dtype: 'float32' },
  };
}

/** A functional model whose middle is a Sequential model used as a layer. */
export function nestedPair(): ModelPair {
  const inner = new Sequential({
    name: 'inner',
    layers: [
      new Dense({ name: 'i1', units: 5, activation: 'tanh', inputShape: [4] }),
      new Dense({ name: 'i2', units: 3 }),
    ],
  });
  const x = input({ shape: [4], name: 'x' });
  const tess = new Model({
    name: 'outer',
    inputs: x,
    outputs: new Dense({ name: 'o', units: 2 }).apply(inner.apply(x)),
  });
  const tInner = tf.sequential({
    name: 'inner',
    layers: [
      tf.layers.dense({ name: 'i1', units: 5, activation: 'tanh', inputShape: [4] }),
      tf.layers.dense({ name: 'i2', units: 3 }),
    ],
  });
  const tx = tf.input({ shape: [4], name: 'x' });
  const tfm = tf.model({
    name: 'outer',
    inputs: tx,
    outputs: tf.layers
      .dense({ name: 'o', units: 2 })
      .apply(tInner.apply(tx) as tf.SymbolicTensor) as tf.SymbolicTensor,
  });
  return {
    name: 'nested',
    tess,
    tf: tfm,
    x: { data: rand(12, 17), shape: [3, 4], dtype: 'float32' },
  };
}

/** TF.js's save artifacts, captured in memory. */
export async function saveTf(
  m: tf.LayersModel,
  config?: tf.io.SaveConfig,
): Promise<tf.io.ModelArtifacts> {
  let art: tf.io.ModelArtifacts | null = null;
  await m.save(
    tf.io.withSaveHandler(async (a) => {
      art = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
    config,
  );
  return art!;
}

/** The artifacts' weight bytes as one Uint8Array. */
export function weightBytes(a: tf.io.ModelArtifacts): Uint8Array {
  const d = a.weightData;
  if (d === undefined) return new Uint8Array(0);
  if (Array.isArray(d)) return new Uint8Array(tf.io.concatenateArrayBuffers(d));
  return new Uint8Array(d as ArrayBuffer);
}

/** Concatenates byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** A tfjs prediction as a flat Float32Array. */
export function tfPredict(m: tf.LayersModel, x: tf.Tensor): Float32Array {
  return tf.tidy(() => (m.predict(x) as tf.Tensor).dataSync() as Float32Array);
}
