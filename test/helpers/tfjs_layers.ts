/**
 * Running a Tessera layer and a TensorFlow.js layer side by side, with the same weights, on the
 * same inputs: outputs, and gradients of `Σᵢ Σ outᵢ·dyᵢ` with respect to the inputs and every
 * trainable weight (tfjs through `tf.variableGrads`). Used by the recurrent layers' tests.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { variableGrads } from '../../src/autograd/grad.js';
import { variable } from '../../src/autograd/variable.js';
import type { CallOptions, Layer } from '../../src/layers/layer.js';
import { scalar } from '../../src/ops/creation.js';
import { randomUniform } from '../../src/ops/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { expectClose } from './expect_close.js';

/** A tfjs tensor with the values and shape of `t` (float32, or int32/bool as they are). */
export function toTf(t: Tensor): tf.Tensor {
  const dtype = t.dtype === 'float64' ? 'float32' : t.dtype;
  return tf.tensor(Array.from(t.dataSync(), Number), [...t.shape], dtype as tf.DataType);
}

/** Random weights (biases included) for a built layer, so every path is exercised. */
export function randomizeWeights(layer: Layer, seed: number, scale = 0.5): Tensor[] {
  const ws = layer.weights.map((w, i) =>
    randomUniform([...w.shape], -scale, scale, { seed: seed + i, dtype: w.dtype }),
  );
  layer.setWeights(ws);
  return ws;
}

/** Outputs and gradients of one side. */
export interface SideResult {
  outputs: Float32Array[];
  outputShapes: number[][];
  inputGrads: Float32Array[];
  weightGrads: Float32Array[];
}

/**
 * Runs our layer on `inputs` (one call with all of them when several) and returns outputs and
 * the gradients of `Σᵢ Σ outᵢ·dyᵢ` w.r.t. the float inputs and `layer.trainableWeights`.
 */
export function runOurs(
  layer: Layer,
  inputs: readonly Tensor[],
  dys: readonly Tensor[],
  opts: CallOptions = {},
): SideResult {
  const xs = inputs.map((x) => variable(x));
  let outs: Tensor[] = [];
  const ws = layer.trainableWeights;
  const { grads } = variableGrads(() => {
    outs = layer.applyMulti(xs.length === 1 ? xs[0]! : xs, opts);
    return outs.reduce((s, o, i) => s.add(o.mul(dys[i]!).sum()), scalar(0));
  }, [...xs, ...ws]);
  const f32 = (t: Tensor | null) => Float32Array.from(t ? t.dataSync() : []);
  return {
    outputs: outs.map(f32),
    outputShapes: outs.map((o) => [...o.shape]),
    inputGrads: grads.slice(0, xs.length).map(f32),
    weightGrads: grads.slice(xs.length).map(f32),
  };
}

/**
 * Runs a tfjs layer after `setWeights(weights)` (built by a first apply) and returns the same
 * quantities as {@link runOurs}. `kwargs` go to `apply` (e.g. `{mask}` or `{initialState}`).
 */
export function runTf(
  layer: tf.layers.Layer,
  inputs: readonly Tensor[],
  weights: readonly Tensor[],
  dys: readonly Tensor[],
  kwargs: Record<string, unknown> = {},
): SideResult {
  return tf.tidy(() => {
    const xs = inputs.map((x) => tf.variable(toTf(x) as tf.Tensor, true));
    const [x0, ...rest] = xs;
    const callArgs = rest.length ? { ...kwargs, initialState: rest } : kwargs;
    layer.apply(x0!, callArgs);
    layer.setWeights(weights.map(toTf));
    const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const tdys = dys.map(toTf);
    const applied = () => {
      const o = layer.apply(x0!, callArgs) as tf.Tensor | tf.Tensor[];
      return Array.isArray(o) ? o : [o];
    };
    const outs = applied();
    const { grads } = tf.variableGrads(
      () => applied().reduce((s, t, i) => s.add(t.mul(tdys[i]!).sum()), tf.scalar(0)) as tf.Scalar,
      [...xs, ...vars],
    );
    const f32 = (t: tf.Tensor | undefined) => Float32Array.from(t ? t.dataSync() : []);
    const res = {
      outputs: outs.map(f32),
      outputShapes: outs.map((o) => [...o.shape]),
      inputGrads: xs.map((v) => f32(grads[v.name])),
      weightGrads: vars.map((v) => f32(grads[v.name])),
    };
    for (const v of xs) v.dispose();
    return res;
  });
}

/** Asserts two sides agree on outputs, input gradients and weight gradients. */
export function expectSidesClose(
  ours: SideResult,
  theirs: SideResult,
  tol: { rtol?: number; atol?: number } = { rtol: 1e-4, atol: 1e-5 },
): void {
  expectClose(ours.outputShapes.flat(), theirs.outputShapes.flat(), { rtol: 0, atol: 0 });
  ours.outputs.forEach((o, i) => expectClose(o, theirs.outputs[i]!, tol));
  ours.inputGrads.forEach((g, i) => expectClose(g, theirs.inputGrads[i]!, tol));
  expect(ours.weightGrads.length, 'number of weight gradients').toBe(theirs.weightGrads.length);
  ours.weightGrads.forEach((g, i) => expectClose(g, theirs.weightGrads[i]!, tol));
}

export { Tensor };
