/**
 * ReversibleEmbedding against real Keras 3.15.1 (numpy backend): forward lookups and reverse
 * projections, tied and untied, with a logit soft cap and maskZero; a Keras-written functional
 * model calling the layer both ways; the layer harness, config and errors.
 * Fixture: scripts/layers_extra14_golden.py.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { runLayerTest } from '../../test/helpers/run_layer_test.js';
import { ShapeError, ValueError } from '../errors.js';
import { readKerasWeights } from '../io/keras_weights.js';
import { loadModelFromBytes, modelToKerasBytes } from '../io/save_load.js';
import { Model } from '../models/model.js';
import { tensor, zeros } from '../ops/creation.js';
import { deserialize } from '../serialization.js';
import type { Tensor } from '../tensor/tensor.js';
import { Dense } from './dense.js';
import { ReversibleEmbedding } from './embedding.js';
import { input } from './input_layer.js';
import type { Layer } from './layer.js';

interface Arr {
  shape: number[];
  data: number[];
}
interface RevCase {
  name: string;
  config: Record<string, unknown>;
  weights: (Arr & { path: string })[];
  ids: Arr;
  forward: Arr;
  hidden: Arr;
  reverse: Arr;
}
interface ModelCase {
  keras_b64: string;
  input: Arr;
  output: Arr;
  weight_paths: string[];
}
const golden = JSON.parse(
  readFileSync(new URL('../../test/fixtures/layers_extra14_golden.json', import.meta.url), 'utf8'),
) as { reversible: RevCase[]; models: Record<string, ModelCase> };
const t = (a: Arr): Tensor => tensor(a.data, a.shape, 'float32');
const ids = (a: Arr): Tensor => tensor(a.data, a.shape, 'int32');
const tol = { rtol: 1e-5, atol: 1e-6 };

describe('ReversibleEmbedding (Keras golden)', () => {
  for (const c of golden.reversible) {
    it(`${c.name}: forward lookup and reverse logits`, () => {
      const k = c.config;
      const l = new ReversibleEmbedding({
        inputDim: k.input_dim as number,
        outputDim: k.output_dim as number,
        tieWeights: k.tie_weights as boolean,
        maskZero: k.mask_zero as boolean,
        logitSoftCap: k.logit_soft_cap as number | null,
      });
      l.apply(ids(c.ids));
      expect(l.weights.map((w) => w.shape)).toEqual(c.weights.map((w) => w.shape));
      expect(l.weights.map((w) => w.weightName)).toEqual(
        c.weights.map((w) => w.path.split('/').pop()),
      );
      l.setWeights(c.weights.map(t));
      expectClose(l.apply(ids(c.ids)), t(c.forward), tol);
      const mask = l.computeMask(ids(c.ids), null);
      if (k.mask_zero)
        expect(Array.from(mask!.dataSync(), Number)).toEqual(c.ids.data.map((v) => (v ? 1 : 0)));
      else expect(mask).toBeNull();
      expectClose(l.apply(t(c.hidden), { reverse: true } as never), t(c.reverse), tol);
      expect(l.computeMask(t(c.hidden), null)).toBeNull();
      const cfg = l.getConfig();
      expect(cfg.tieWeights).toBe(k.tie_weights);
      expect(cfg.logitSoftCap).toBe(k.logit_soft_cap);
      expect(cfg.reverseDtype).toBeNull();
    });
  }
  it("Keras's weights of a functional model calling it both ways: read, predicted as Keras", async () => {
    const c = golden.models.reversible!;
    const x = input({ shape: [3], dtype: 'int32' });
    const emb = new ReversibleEmbedding({
      inputDim: 6,
      outputDim: 4,
      tieWeights: false,
      name: 'reversible_embedding',
    });
    const y = emb.apply(new Dense({ units: 4, name: 'dense' }).apply(emb.apply(x)), {
      reverse: true,
    } as never);
    const m = new Model({ inputs: x, outputs: y });
    await readKerasWeights(m, new Uint8Array(Buffer.from(c.keras_b64, 'base64')));
    expectClose(m.predict(ids(c.input)) as Tensor, t(c.output), { rtol: 1e-4, atol: 1e-5 });
  });

  it("loads Keras's whole .keras file (the reverse call replayed) and saves it back", async () => {
    const c = golden.models.reversible!;
    const m = await loadModelFromBytes(new Uint8Array(Buffer.from(c.keras_b64, 'base64')));
    expectClose(m.predict(ids(c.input)) as Tensor, t(c.output), { rtol: 1e-4, atol: 1e-5 });
    const again = await loadModelFromBytes(await modelToKerasBytes(m));
    expectClose(again.predict(ids(c.input)) as Tensor, t(c.output), { rtol: 1e-4, atol: 1e-5 });
  });
});

describe('ReversibleEmbedding layer checks', () => {
  it('runLayerTest: forward (untied)', async () => {
    await runLayerTest({
      cls: ReversibleEmbedding,
      args: { inputDim: 5, outputDim: 3, tieWeights: false },
      inputValues: [tensor([[0, 1, 4]], undefined, 'int32')],
      expectedOutputShape: [1, 3, 3],
      expectedWeightShapes: [
        [5, 3],
        [3, 5],
      ],
      gradCheck: false,
      compiledCheck: false,
      // Forward calls leave reverse_embeddings without a gradient.
      trainingStep: false,
    });
  });
  it('symbolic: one layer used both ways in a graph; config round trip', () => {
    const x = input({ shape: [3], dtype: 'int32' });
    const emb = new ReversibleEmbedding({ inputDim: 6, outputDim: 4 });
    const h = new Dense({ units: 4 }).apply(emb.apply(x));
    const y = emb.apply(h, { reverse: true } as never);
    expect(y.shape).toEqual([null, 3, 6]);
    const m = new Model({ inputs: x, outputs: y });
    expect((m.predict(tensor([[1, 2, 5]], undefined, 'int32')) as Tensor).shape).toEqual([1, 3, 6]);
    const cfg = emb.getConfig();
    const back = deserialize<Layer>('layer', { className: 'ReversibleEmbedding', config: cfg });
    expect(back).toBeInstanceOf(ReversibleEmbedding);
    expect(back.getConfig()).toEqual(cfg);
  });
  it('reverseDtype computes the logits in that dtype', () => {
    const l = new ReversibleEmbedding({ inputDim: 3, outputDim: 2, reverseDtype: 'float64' });
    expect(l.apply(zeros([1, 2]), { reverse: true } as never).dtype).toBe('float64');
  });
  it('typed errors name the layer', () => {
    expect(() => new ReversibleEmbedding({ inputDim: 3, outputDim: 2, logitSoftCap: 0 })).toThrow(
      /reversible_embedding.*logitSoftCap/,
    );
    expect(
      () => new ReversibleEmbedding({ inputDim: 3, outputDim: 2, reverseDtype: 'int32' }),
    ).toThrow(ValueError);
    const l = new ReversibleEmbedding({ inputDim: 3, outputDim: 2 });
    expect(() => l.apply(zeros([1, 3]), { reverse: true } as never)).toThrow(ShapeError);
    expect(() => l.computeOutputShape([null, 5], true)).toThrow(/ReversibleEmbedding/);
    expect(l.computeOutputShape([null, 5])).toEqual([null, 5, 2]);
  });
});
