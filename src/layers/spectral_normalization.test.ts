/**
 * SpectralNormalization against real Keras 3.15.1 (numpy backend): with the wrapped layer's
 * weights and `vector_u` set to fixed values, the inference output, the training output, `u` and
 * the kernel after the training call, and the inference output after it (Dense, Dense with 3
 * iterations, Conv2D with 2, Embedding, an all-zero kernel); Keras's weight order and its
 * `.weights.h5` layout (read and written). Fixture: scripts/layers_extra14_golden.py.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { runLayerTest } from '../../test/helpers/run_layer_test.js';
import { ValueError } from '../errors.js';
import { openH5 } from '../io/h5.js';
import { readKerasWeights, writeKerasWeights } from '../io/keras_weights.js';
import { loadModelFromBytes, modelToKerasBytes } from '../io/save_load.js';
import { readZip } from '../io/zip.js';
import { Sequential } from '../models/sequential.js';
import { tensor, zeros } from '../ops/creation.js';
import { deserialize } from '../serialization.js';
import type { Tensor } from '../tensor/tensor.js';
import { Conv2D } from './convolutional.js';
import { Dropout } from './core.js';
import { Dense } from './dense.js';
import { Embedding } from './embedding.js';
import { input } from './input_layer.js';
import type { Layer } from './layer.js';

import { SpectralNormalization } from './spectral_normalization.js';

interface Arr {
  shape: number[];
  data: number[];
}
interface SpectralCase {
  name: string;
  power_iterations: number;
  weights: (Arr & { path: string; trainable: boolean })[];
  input: Arr;
  int_input: boolean;
  infer_before: Arr;
  train_out: Arr;
  weights_after: Record<string, Arr>;
  infer_after: Arr;
}
interface ModelCase {
  paths: { path: string; shape: number[] }[];
  keras_b64: string;
  input: Arr;
  output: Arr;
}
const golden = JSON.parse(
  readFileSync(new URL('../../test/fixtures/layers_extra14_golden.json', import.meta.url), 'utf8'),
) as { spectral: SpectralCase[]; models: Record<string, ModelCase> };
const t = (a: Arr): Tensor => tensor(a.data, a.shape, 'float32');
const tol = { rtol: 1e-4, atol: 1e-5 };

const makers: Record<string, () => Layer> = {
  dense: () => new Dense({ units: 3 }),
  dense_3_iterations_no_bias: () => new Dense({ units: 4, useBias: false }),
  conv2d_2_iterations: () => new Conv2D({ filters: 2, kernelSize: 2 }),
  embedding: () => new Embedding({ inputDim: 6, outputDim: 3 }),
  dense_zero_kernel: () => new Dense({ units: 2 }),
};

describe('SpectralNormalization (Keras golden)', () => {
  for (const c of golden.spectral) {
    it(`${c.name}: inference, training (u and kernel updated), inference after`, () => {
      const sn = new SpectralNormalization(makers[c.name]!(), {
        powerIterations: c.power_iterations,
      });
      const x = c.int_input ? tensor(c.input.data, c.input.shape, 'int32') : t(c.input);
      sn.apply(x);
      expect(sn.weights.map((w) => [w.shape, w.trainable])).toEqual(
        c.weights.map((w) => [w.shape, w.trainable]),
      );
      sn.setWeights(c.weights.map(t));
      // Keras casts outputs to the input's dtype, truncating an Embedding's vectors for int
      // ids; Tessera keeps them (compared here after truncation).
      const asKeras = (y: Tensor) => (c.int_input ? y.cast('int32').cast('float32') : y);
      expectClose(asKeras(sn.apply(x)), t(c.infer_before), tol);
      expectClose(asKeras(sn.apply(x, { training: true })), t(c.train_out), tol);
      const after = Object.values(c.weights_after);
      sn.weights.forEach((w, i) => expectClose(w.value(), t(after[i]!), tol));
      expectClose(asKeras(sn.apply(x)), t(c.infer_after), tol);
    });
  }
  it('the normalized kernel has spectral norm ≈ 1 after enough iterations', () => {
    const c = golden.spectral.find((k) => k.name === 'dense')!;
    const sn = new SpectralNormalization(new Dense({ units: 3 }), { powerIterations: 50 });
    sn.apply(t(c.input));
    sn.setWeights(c.weights.map(t));
    sn.apply(t(c.input), { training: true });
    const [u, k] = sn.normalizedWeights();
    // One more normalization changes nothing once σ = 1.
    expectClose(k, sn.kernel!.value(), { atol: 1e-5 });
    expect(u.shape).toEqual([1, 3]);
  });
});

describe('SpectralNormalization in Keras weight files', () => {
  const c = golden.models.spectral!;
  const model = () => {
    const m = new Sequential([
      input({ shape: [5] }),
      new SpectralNormalization(new Dense({ units: 3 }), { name: 'spectral_normalization' }),
    ]);
    return m;
  };
  const kerasH5 = () =>
    readZip(new Uint8Array(Buffer.from(c.keras_b64, 'base64'))).get('model.weights.h5')!;
  it("reads Keras's .weights.h5 (the kernel saved twice) and predicts as Keras", async () => {
    const m = model();
    await readKerasWeights(m, kerasH5());
    expectClose(m.predict(t(c.input)) as Tensor, t(c.output), tol);
  });
  it("loads Keras's whole .keras file (the wrapped layer's config nested) and saves it back", async () => {
    const m = await loadModelFromBytes(new Uint8Array(Buffer.from(c.keras_b64, 'base64')));
    expectClose(m.predict(t(c.input)) as Tensor, t(c.output), tol);
    const again = await loadModelFromBytes(await modelToKerasBytes(m));
    expectClose(again.predict(t(c.input)) as Tensor, t(c.output), tol);
  });
  it("writes Keras's layout: vars [kernel, vector_u] and layer/vars [kernel, bias]", async () => {
    const m = model();
    await readKerasWeights(m, kerasH5());
    const r = await openH5(await writeKerasWeights(m));
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
    const sort = (a: { path: string }[]) => [...a].sort((x, y) => (x.path < y.path ? -1 : 1));
    expect(sort(out)).toEqual(sort(c.paths));
  });
});

describe('SpectralNormalization layer checks', () => {
  it('runLayerTest (wrapping Dense)', async () => {
    await runLayerTest({
      make: (a) => new SpectralNormalization(new Dense({ units: 3, dtype: a.dtype as never }), a),
      args: { powerIterations: 2 },
      inputShape: [2, 4],
      expectedOutputShape: [2, 3],
      expectedWeightShapes: [[4, 3], [1, 3], [3]],
      expectedNumTrainableWeights: 2,
      expectedNumNonTrainableWeights: 1,
    });
  });
  it('config: Keras keys, the wrapped layer nested; round trip through the registry', () => {
    const sn = new SpectralNormalization(new Conv2D({ filters: 2, kernelSize: 3 }), {
      powerIterations: 4,
    });
    const cfg = sn.getConfig();
    expect(cfg.powerIterations).toBe(4);
    expect((cfg.layer as { className: string }).className).toBe('Conv2D');
    const back = deserialize<Layer>('layer', { className: 'SpectralNormalization', config: cfg });
    expect(back).toBeInstanceOf(SpectralNormalization);
    expect(back.getConfig()).toEqual(cfg);
    expect(sn.computeOutputShape([null, 8, 8, 1])).toEqual([null, 6, 6, 2]);
  });
  it('inference leaves u and the kernel alone; training of an all-zero kernel too', () => {
    const sn = new SpectralNormalization(new Dense({ units: 2, kernelInitializer: 'ones' }));
    sn.apply(zeros([1, 3]));
    const u = sn.vectorU!.value().dataSync().slice();
    sn.apply(zeros([1, 3]).add(1));
    expect(Array.from(sn.vectorU!.value().dataSync())).toEqual(Array.from(u));
    expect(Array.from(sn.kernel!.value().dataSync())).toEqual([1, 1, 1, 1, 1, 1]);
    sn.apply(zeros([1, 3]).add(1), { training: true });
    // ones(3, 2) has σ = √6.
    expectClose(sn.kernel!.value(), zeros([3, 2]).add(1 / Math.sqrt(6)), { atol: 1e-5 });
  });
  it('typed errors name the layer', () => {
    expect(
      () => new SpectralNormalization(new Dense({ units: 1 }), { powerIterations: 0 }),
    ).toThrow(/spectral_normalization.*powerIterations must be a positive integer/);
    expect(() => new SpectralNormalization(42 as never)).toThrow(ValueError);
    expect(() =>
      new SpectralNormalization(new Dropout({ rate: 0.5 })).apply(zeros([2, 3])),
    ).toThrow(/SpectralNormalization.*Dropout.*no 'kernel' nor 'embeddings'/);
    const sn = new SpectralNormalization(new Dense({ units: 1 }));
    expect(() => sn.normalizedWeights()).toThrow(ValueError);
    sn.apply(zeros([2, 3]));
    expect(() => sn.apply(zeros([2, 4]))).toThrow();
  });
});
