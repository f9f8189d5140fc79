/**
 * ONNX Runtime (onnxruntime-node, a devDependency) as the oracle of the ONNX export tests:
 * export a model, run the bytes in ONNX Runtime, and compare with `model.predict`.
 */
import * as ort from 'onnxruntime-node';
import { expect } from 'vitest';
import { onnxBytes } from '../../src/io/onnx/index.js';
import type { Model } from '../../src/models/model.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { expectClose } from './expect_close.js';

const ORT_TYPE: Record<string, ort.Tensor.Type> = {
  float32: 'float32',
  float64: 'float64',
  int32: 'int32',
  bool: 'bool',
};

/** Runs ONNX bytes on inputs (in the model's input order); returns each output as a tensor-like. */
export async function runOnnx(
  bytes: Uint8Array,
  xs: readonly Tensor[],
): Promise<{ data: Float32Array | Float64Array; dims: number[] }[]> {
  const session = await ort.InferenceSession.create(bytes);
  const feeds: Record<string, ort.Tensor> = {};
  session.inputNames.forEach((name, i) => {
    const x = xs[i]!;
    const type = ORT_TYPE[x.dtype];
    if (!type) throw new Error(`runOnnx: dtype ${x.dtype}`);
    const data =
      x.dtype === 'bool' ? Uint8Array.from(x.dataSync() as ArrayLike<number>) : x.dataSync();
    feeds[name] = new ort.Tensor(type, data as never, [...x.shape]);
  });
  const out = await session.run(feeds);
  return session.outputNames.map((n) => ({
    data: out[n]!.data as Float32Array,
    dims: [...out[n]!.dims].map(Number),
  }));
}

/**
 * Exports `model`, runs it in ONNX Runtime on `xs` and asserts every output equals
 * `model.predict(xs)` (shape, and values to `atol`, 1e-5 by default).
 */
export async function expectOnnxMatchesPredict(
  model: Model,
  xs: Tensor | readonly Tensor[],
  atol = 1e-5,
): Promise<void> {
  const inputs = xs instanceof Tensor ? [xs] : [...xs];
  const want = model.predict(inputs.length === 1 ? inputs[0]! : inputs, { batchSize: 1024 });
  const wants = Array.isArray(want) ? want : [want];
  const got = await runOnnx(onnxBytes(model), inputs);
  expect(got).toHaveLength(wants.length);
  got.forEach((g, i) => {
    expect(g.dims).toEqual([...wants[i]!.shape]);
    expectClose(Array.from(g.data), Array.from(wants[i]!.dataSync() as ArrayLike<number>), {
      atol,
      rtol: atol,
    });
  });
}
