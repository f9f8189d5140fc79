import { describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { gradCheck, randomValues } from '../../test/helpers/grad_check.js';
import { runLayerTest } from '../../test/helpers/run_layer_test.js';
import { model } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import { tensor } from '../ops/creation.js';
import { randomNormal, randomUniform, setSeed } from '../ops/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { Dropout, Flatten } from './core.js';
import { Dense } from './dense.js';
import { Embedding } from './embedding.js';
import { input } from './input_layer.js';
import { type CallOptions, Layer, type LayerArgs, single, singleShape } from './layer.js';
import { Masking } from './masking.js';
import { BatchNormalization, LayerNormalization } from './normalization.js';
import { GaussianNoise } from './regularization.js';
import type { SymbolicShape } from './symbolic.js';

/** An identity layer that records the mask each call receives (as an RNN would consume it). */
class MaskRecorder extends Layer {
  static override readonly className = 'MaskRecorder';
  readonly seen: (Tensor | null)[] = [];
  readonly training: (boolean | undefined)[] = [];

  constructor(args: LayerArgs & { passMask?: boolean } = {}) {
    super(args);
    this.supportsMasking = args.passMask ?? true;
  }

  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor {
    const m = opts.mask;
    this.seen.push(m && !Array.isArray(m) ? m : null);
    this.training.push(opts.training);
    return single(inputs, this);
  }

  override computeOutputShape(s: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return singleShape(s, this);
  }
}

const tokens = [
  [3, 1, 0, 0],
  [2, 0, 4, 5],
];
const tokenMask = [
  [true, true, false, false],
  [true, false, true, true],
];
const ids = () => tensor(tokens, undefined, 'int32');
const last = (r: MaskRecorder) => r.seen[r.seen.length - 1]!;

describe('Masking', () => {
  it('passes the layer harness', () => {
    runLayerTest({
      cls: Masking,
      inputShape: [2, 3, 4],
      expectedOutputShape: [2, 3, 4],
      expectedNumWeights: 0,
    });
    runLayerTest({
      cls: Masking,
      args: { maskValue: 1 },
      inputShape: [3, 5],
      inputDType: 'int32',
      inputRange: [0, 3],
      expectedOutputShape: [3, 5],
    });
  });

  it('zeroes the masked timesteps and outputs any(x != maskValue, axis=-1), as Keras 3', () => {
    const x = tensor([
      [
        [1.5, 1.5],
        [2, 1.5],
        [1.5, 1.5],
      ],
    ]);
    const m = new Masking({ maskValue: 1.5 });
    expectClose(m.apply(x), [
      [
        [0, 0],
        [2, 1.5],
        [0, 0],
      ],
    ]);
    expect(m.computeMask(x, null).arraySync()).toEqual([[false, true, false]]);
    // Default maskValue 0.
    const z = tensor([
      [
        [0, 0],
        [0, 3],
      ],
    ]);
    expect(new Masking().computeMask(z, null).arraySync()).toEqual([[false, true]]);
    expectClose(new Masking().apply(z), z);
  });

  it('replaces an incoming mask, and has no gradient at masked steps', () => {
    const x = tensor([
      [
        [0, 0],
        [1, 2],
      ],
    ]);
    const m = new Masking();
    expect(m.computeMask(x, tensor([[true, false]])).arraySync()).toEqual([[false, true]]);
    // The mask is a step function of x, so the gradient is that of x · keep: dy where kept,
    // 0 at masked steps (a finite difference would unmask the step, so it is checked exactly).
    const xv = tensor([
      [
        [1, 2],
        [7, 7],
        [7, 3],
      ],
    ]);
    xv.requiresGrad = true;
    const dy = tensor([
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
    ]);
    new Masking({ maskValue: 7 }).apply(xv).mul(dy).sum().backward();
    expectClose(xv.grad!, [
      [
        [1, 2],
        [0, 0],
        [5, 6],
      ],
    ]);
    gradCheck((t) => new Masking({ dtype: 'float64' }).apply(t), [randomValues([2, 3, 2], 4)]);
  });

  it('config round trip', () => {
    const m = new Masking({ maskValue: -1 });
    const c = m.getConfig();
    expect(c.maskValue).toBe(-1);
    expect(Masking.fromConfig(JSON.parse(JSON.stringify(c))).getConfig()).toEqual(c);
  });
});

describe('masks flowing between layers', () => {
  it('Sequential: Embedding(maskZero) hands ids != 0 to the next layer', () => {
    const rec = new MaskRecorder();
    const m = new Sequential({
      layers: [new Embedding({ inputDim: 6, outputDim: 3, maskZero: true, inputLength: 4 }), rec],
    });
    m.apply(ids());
    expect(last(rec).arraySync()).toEqual(tokenMask);
    // Built lazily from the first data too.
    const rec2 = new MaskRecorder();
    const m2 = new Sequential({
      layers: [new Embedding({ inputDim: 6, outputDim: 3, maskZero: true }), rec2],
    });
    m2.apply(ids());
    expect(last(rec2).arraySync()).toEqual(tokenMask);
  });

  it('no mask without maskZero', () => {
    const rec = new MaskRecorder();
    new Sequential({ layers: [new Embedding({ inputDim: 6, outputDim: 3 }), rec] }).apply(ids());
    expect(last(rec)).toBeNull();
  });

  it('layers that support masking pass it on; others drop it', () => {
    const rec = new MaskRecorder();
    const m = new Sequential({
      layers: [
        new Embedding({ inputDim: 6, outputDim: 3, maskZero: true }),
        new Dense({ units: 2 }),
        new Dropout({ rate: 0.5 }),
        new LayerNormalization(),
        new BatchNormalization(),
        new GaussianNoise({ stddev: 0.1 }),
        rec,
      ],
    });
    m.apply(ids(), { training: true });
    expect(last(rec).arraySync()).toEqual(tokenMask);
    const rec2 = new MaskRecorder();
    new Sequential({
      layers: [
        new Embedding({ inputDim: 6, outputDim: 3, maskZero: true }),
        new MaskRecorder({ passMask: false }),
        rec2,
      ],
    }).apply(ids());
    expect(last(rec2)).toBeNull();
  });

  it('functional model: Embedding(maskZero) and Masking masks reach the next layer', () => {
    const t = input({ shape: [4], dtype: 'int32' });
    const rec = new MaskRecorder();
    const out = rec.apply(new Embedding({ inputDim: 6, outputDim: 2, maskZero: true }).apply(t));
    model({ inputs: t, outputs: out }).apply(ids());
    expect(last(rec).arraySync()).toEqual(tokenMask);

    const s = input({ shape: [3, 2] });
    const rec2 = new MaskRecorder();
    const out2 = rec2.apply(new Dense({ units: 2 }).apply(new Masking().apply(s)));
    const x = tensor([
      [
        [0, 0],
        [1, 0],
        [0, 0],
      ],
    ]);
    model({ inputs: s, outputs: out2 }).apply(x);
    expect(last(rec2).arraySync()).toEqual([[false, true, false]]);
  });

  it('the mask flows during fit (training mode), batch by batch', async () => {
    setSeed(1);
    const rec = new MaskRecorder();
    const m = new Sequential({
      layers: [
        new Embedding({ inputDim: 6, outputDim: 3, maskZero: true, inputLength: 4 }),
        rec,
        new Flatten(),
        new Dense({ units: 1 }),
      ],
    });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = randomUniform([6, 4], 0, 6, { dtype: 'int32', seed: 2 });
    await m.fit(x, randomNormal([6, 1], 0, 1, { seed: 3 }), {
      epochs: 1,
      batchSize: 3,
      verbose: 0,
      shuffle: false,
    });
    const seen = rec.seen.slice(-2);
    expect(rec.training.slice(-2)).toEqual([true, true]);
    const xs = x.arraySync() as number[][];
    expect(seen[0]!.arraySync()).toEqual(xs.slice(0, 3).map((r) => r.map((v) => v !== 0)));
    expect(seen[1]!.arraySync()).toEqual(xs.slice(3).map((r) => r.map((v) => v !== 0)));
  });
});
