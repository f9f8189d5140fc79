import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { randomValues } from '../../test/helpers/grad_check.js';
import { runLayerTest } from '../../test/helpers/run_layer_test.js';
import { variableGrads } from '../autograd/grad.js';
import { ShapeError, ValueError } from '../errors.js';
import { Sequential } from '../models/sequential.js';
import { tensor } from '../ops/creation.js';
import { randomNormal, setSeed } from '../ops/random.js';
import { Dense } from './dense.js';
import { input } from './input_layer.js';
import { BatchNormalization, LayerNormalization } from './normalization.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Seeded values in [lo, hi) as a plain array. */
function vals(n: number, seed: number, lo = -2, hi = 2): number[] {
  return Array.from(randomValues([n], seed, lo, hi).values);
}

const TOL = { rtol: 1e-4, atol: 1e-5 };

describe('BatchNormalization', () => {
  it('passes the layer harness in inference mode', () => {
    runLayerTest({
      cls: BatchNormalization,
      inputShape: [4, 3],
      expectedOutputShape: [4, 3],
      expectedNumWeights: 4,
      expectedNumTrainableWeights: 2,
      expectedNumNonTrainableWeights: 2,
      expectedWeightShapes: [[3], [3], [3], [3]],
    });
    runLayerTest({
      cls: BatchNormalization,
      args: { axis: 1, center: false },
      inputShape: [2, 3, 2, 2],
      expectedOutputShape: [2, 3, 2, 2],
      expectedNumWeights: 3,
      expectedNumTrainableWeights: 1,
      expectedWeightShapes: [[3], [3], [3]],
    });
  });

  it('passes the layer harness in training mode (gradient through the batch statistics)', () => {
    runLayerTest({
      cls: BatchNormalization,
      args: { gammaInitializer: 'randomNormal', betaInitializer: 'randomNormal' },
      inputShape: [5, 3],
      expectedOutputShape: [5, 3],
      expectedNumWeights: 4,
      callOptions: { training: true },
    });
    runLayerTest({
      cls: BatchNormalization,
      args: { axis: -1, momentum: 0.9, gammaInitializer: 'randomNormal' },
      inputShape: [2, 3, 2, 4],
      expectedOutputShape: [2, 3, 2, 4],
      callOptions: { training: true },
    });
    runLayerTest({
      cls: BatchNormalization,
      args: { axis: 1, scale: false },
      inputShape: [3, 2, 4],
      expectedOutputShape: [3, 2, 4],
      expectedNumTrainableWeights: 1,
      callOptions: { training: true },
    });
  });

  /**
   * A Tessera layer on `axis` and a tfjs layer on the last axis, with the same random weights.
   * tfjs's cpu batchNorm kernel broadcasts statistics only along the last axis, so for another
   * axis the reference runs on data with that axis moved last (`perm`), and is moved back.
   */
  function pair(axis: number, shape: number[]) {
    const ax = axis < 0 ? axis + shape.length : axis;
    const c = shape[ax]!;
    const w = [vals(c, 1, 0.5, 1.5), vals(c, 2), vals(c, 3), vals(c, 4, 0.5, 2)];
    const ours = new BatchNormalization({ axis, momentum: 0.9, epsilon: 1e-3 });
    ours.apply(
      tensor(
        vals(
          shape.reduce((a, b) => a * b, 1),
          9,
        ),
        shape,
      ),
    );
    ours.setWeights(w);
    const perm = [...shape.keys()].filter((i) => i !== ax).concat([ax]);
    const inv = perm.map((_, i) => perm.indexOf(i));
    const theirs = tf.layers.batchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-3 });
    theirs.build(perm.map((i) => shape[i]!));
    theirs.setWeights(w.map((a) => tf.tensor(a)));
    const run = (x: tf.Tensor, training: boolean) =>
      (theirs.apply(x.transpose(perm), { training }) as tf.Tensor).transpose(inv);
    return { ours, theirs, w, run };
  }

  for (const [axis, shape] of [
    [-1, [6, 2, 3]],
    [1, [4, 3, 5]],
  ] as const) {
    it(`matches tf.layers.batchNormalization (axis ${axis}): training, moving statistics, inference`, () => {
      const { ours, theirs, run } = pair(axis, [...shape]);
      const n = shape.reduce((a, b) => a * b, 1);
      const x = vals(n, 5, -3, 3);
      // Training mode: batch statistics, then the moving statistics are updated.
      const y = ours.apply(tensor(x, [...shape]), { training: true });
      expectClose(y, run(tf.tensor(x, [...shape]), true).dataSync(), TOL);
      const tw = theirs.getWeights().map((t) => t.dataSync());
      const ow = ours.getWeights();
      expectClose(ow[2]!, tw[2]!, TOL); // moving mean
      expectClose(ow[3]!, tw[3]!, TOL); // moving variance (biased batch variance, as Keras 3)
      // Inference mode: the moving statistics.
      const x2 = vals(n, 6, -3, 3);
      const yi = ours.apply(tensor(x2, [...shape]));
      expectClose(yi, run(tf.tensor(x2, [...shape]), false).dataSync(), TOL);
      // Inference leaves the moving statistics alone.
      expectClose(ours.getWeights()[2]!, tw[2]!, TOL);
    });
  }

  it('moving statistics follow moving·momentum + batch·(1 − momentum), biased variance', () => {
    const bn = new BatchNormalization({ momentum: 0.8 });
    const x = tensor([
      [1, 10],
      [3, 20],
      [8, 60],
    ]);
    bn.apply(x, { training: true });
    const m = [4, 30];
    const v = [(9 + 1 + 16) / 3, (400 + 100 + 900) / 3];
    expectClose(bn.movingMean!, [0.2 * m[0]!, 0.2 * m[1]!], { rtol: 1e-6 });
    expectClose(bn.movingVariance!, [0.8 + 0.2 * v[0]!, 0.8 + 0.2 * v[1]!], { rtol: 1e-6 });
    bn.apply(x, { training: true });
    expectClose(bn.movingMean!, [0.36 * m[0]!, 0.36 * m[1]!], { rtol: 1e-6 });
  });

  it('gradients in training mode match tfjs (input, gamma and beta)', () => {
    const shape = [5, 3];
    const { ours, theirs } = pair(-1, shape);
    const x = vals(15, 7, -2, 2);
    const dy = vals(15, 8);
    const { grads } = variableGrads(
      () => ours.apply(tensor(x, shape), { training: true }).mul(tensor(dy, shape)).sum(),
      [ours.gamma!, ours.beta!],
    );
    const xt = tf.tensor(x, shape);
    const tg = tf.variableGrads(
      () =>
        (theirs.apply(xt, { training: true }) as tf.Tensor)
          .mul(tf.tensor(dy, shape))
          .sum() as tf.Scalar,
      theirs.trainableWeights.map((w) => w.read() as tf.Variable),
    );
    const byName = Object.values(tg.grads);
    expectClose(grads[0]!, byName[0]!.dataSync(), TOL);
    expectClose(grads[1]!, byName[1]!.dataSync(), TOL);
    // d/dx through the batch statistics.
    const xv = tensor(x, shape);
    xv.requiresGrad = true;
    ours.apply(xv, { training: true }).mul(tensor(dy, shape)).sum().backward();
    const gx = tf.grad((t: tf.Tensor) =>
      (theirs.apply(t, { training: true }) as tf.Tensor).mul(tf.tensor(dy, shape)).sum(),
    )(xt);
    expectClose(xv.grad!, gx.dataSync(), TOL);
  });

  it('the moving statistics are not trained and get no gradient', () => {
    const bn = new BatchNormalization();
    const x = randomNormal([8, 3], 2, 3, { seed: 3 });
    bn.apply(x);
    expect(bn.trainableWeights.map((w) => w.name)).toEqual([`${bn.name}/gamma`, `${bn.name}/beta`]);
    expect(bn.nonTrainableWeights.map((w) => w.name)).toEqual([
      `${bn.name}/moving_mean`,
      `${bn.name}/moving_variance`,
    ]);
    const { grads } = variableGrads(
      () => bn.apply(x, { training: true }).square().sum(),
      [...bn.trainableWeights],
    );
    expect(grads).toHaveLength(2);
    // The update happened, outside the gradient.
    expect(Array.from(bn.movingMean!.dataSync()).every((v) => v !== 0)).toBe(true);
  });

  it('trainable = false freezes it: inference mode even with training true, no update', () => {
    const { ours, w } = pair(-1, [6, 2, 3]);
    ours.trainable = false;
    expect(ours.trainableWeights).toHaveLength(0);
    expect(ours.nonTrainableWeights).toHaveLength(4);
    const x = tensor(vals(36, 10), [6, 2, 3]);
    const yTrain = ours.apply(x, { training: true });
    const yInfer = ours.apply(x, { training: false });
    expectClose(yTrain, yInfer, { rtol: 0, atol: 0 });
    ours.getWeights().forEach((t, i) => expectClose(t, w[i]!, { rtol: 1e-6 }));
    // Unfreezing restores training behaviour.
    ours.trainable = true;
    expect(ours.trainableWeights).toHaveLength(2);
    const y2 = ours.apply(x, { training: true });
    expect(Math.abs(y2.sub(yInfer).abs().max().item())).toBeGreaterThan(1e-3);
  });

  it('frozen inside a model: fit changes neither gamma/beta nor the moving statistics', async () => {
    setSeed(5);
    const bn = new BatchNormalization();
    const m = new Sequential({ layers: [new Dense({ units: 3, inputShape: [4] }), bn] });
    bn.trainable = false;
    const before = bn.getWeights().map((t) => Array.from(t.dataSync()));
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    await m.fit(
      randomNormal([16, 4], 0, 1, { seed: 1 }),
      randomNormal([16, 3], 0, 1, { seed: 2 }),
      {
        epochs: 1,
        batchSize: 8,
        verbose: 0,
      },
    );
    bn.getWeights().forEach((t, i) => expectClose(t, before[i]!, { rtol: 0, atol: 0 }));
    expect(m.trainableWeights).toHaveLength(2);
  });

  it('fit trains gamma/beta and updates the moving statistics', async () => {
    setSeed(6);
    const bn = new BatchNormalization({ momentum: 0.5 });
    const m = new Sequential({ layers: [new Dense({ units: 3, inputShape: [4] }), bn] });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const mm0 = Array.from(bn.movingMean!.dataSync());
    const g0 = Array.from(bn.gamma!.dataSync());
    await m.fit(
      randomNormal([16, 4], 0, 1, { seed: 1 }),
      randomNormal([16, 3], 0, 1, { seed: 2 }),
      {
        epochs: 1,
        batchSize: 8,
        verbose: 0,
      },
    );
    expect(Array.from(bn.movingMean!.dataSync())).not.toEqual(mm0);
    expect(Array.from(bn.gamma!.dataSync())).not.toEqual(g0);
    expect(m.trainableWeights).toHaveLength(4);
    expect(m.nonTrainableWeights).toHaveLength(2);
  });

  it('with a mask, the batch statistics cover the unmasked timesteps only (Keras)', () => {
    const x = tensor([
      [
        [1, 2],
        [100, 100],
      ],
      [
        [3, 4],
        [5, 9],
      ],
    ]);
    const mask = tensor([
      [true, false],
      [true, true],
    ]);
    const bn = new BatchNormalization({ momentum: 0 });
    bn.apply(x, { training: true, mask });
    // Unmasked rows: [1, 2], [3, 4], [5, 9] → mean [3, 5], var [8/3, 26/3].
    expectClose(bn.movingMean!, [3, 5], { rtol: 1e-5 });
    expectClose(bn.movingVariance!, [8 / 3, 26 / 3], { rtol: 1e-5 });
    expect(() => bn.apply(x, { training: true, mask: tensor([true, false]) })).toThrow(
      /mask must have one axis less than the input/,
    );
    expect(bn.supportsMasking).toBe(true);
    expect(bn.computeMask(x, mask)).toBe(mask);
  });

  it('checks its options and input, naming the layer', () => {
    expect(() => new BatchNormalization({ axis: 1.5, name: 'bn_a' })).toThrow(
      /bn_a \(BatchNormalization\): axis must be an integer/,
    );
    expect(() => new BatchNormalization({ epsilon: -1 })).toThrow(ValueError);
    const bn = new BatchNormalization({ axis: 3, name: 'bn_b' });
    expect(() => bn.apply(tensor([[1, 2]]))).toThrow(ShapeError);
    expect(() => bn.apply(tensor([[1, 2]]))).toThrow(/bn_b \(BatchNormalization\): axis 3/);
    const bn2 = new BatchNormalization({ name: 'bn_c' });
    bn2.apply(tensor([[1, 2]]));
    expect(() => bn2.apply(tensor([[1, 2, 3]]))).toThrow(/bn_c.*expected axis -1 of size 2/);
    expect(() => new BatchNormalization().apply(input({ shape: [null] }))).toThrow(/must be known/);
  });

  it('config round trip keeps every option (Keras names, camelCase)', () => {
    const bn = new BatchNormalization({
      axis: 1,
      momentum: 0.9,
      epsilon: 1e-5,
      center: false,
      gammaInitializer: 'heNormal',
      gammaRegularizer: 'l2',
      gammaConstraint: 'nonNeg',
      synchronized: true,
    });
    const c = bn.getConfig();
    expect(c).toMatchObject({
      axis: 1,
      momentum: 0.9,
      epsilon: 1e-5,
      center: false,
      scale: true,
      synchronized: true,
      betaInitializer: { className: 'Zeros' },
      movingVarianceInitializer: { className: 'Ones' },
      gammaInitializer: { className: 'HeNormal' },
    });
    const again = BatchNormalization.fromConfig(JSON.parse(JSON.stringify(c)));
    expect(again.getConfig()).toEqual(c);
  });
});

describe('LayerNormalization', () => {
  it('passes the layer harness', () => {
    runLayerTest({
      cls: LayerNormalization,
      args: { gammaInitializer: 'randomNormal', betaInitializer: 'randomNormal' },
      inputShape: [2, 3, 4],
      expectedOutputShape: [2, 3, 4],
      expectedNumWeights: 2,
      expectedWeightShapes: [[4], [4]],
    });
    runLayerTest({
      cls: LayerNormalization,
      args: { axis: [1, 2], gammaInitializer: 'randomNormal' },
      inputShape: [2, 3, 4],
      expectedOutputShape: [2, 3, 4],
      expectedWeightShapes: [
        [3, 4],
        [3, 4],
      ],
    });
    runLayerTest({
      cls: LayerNormalization,
      args: { rmsScaling: true, gammaInitializer: 'randomNormal' },
      inputShape: [3, 5],
      expectedOutputShape: [3, 5],
      expectedNumWeights: 1,
    });
    runLayerTest({
      cls: LayerNormalization,
      args: { axis: 1, center: false, scale: false },
      inputShape: [3, 4, 2],
      expectedOutputShape: [3, 4, 2],
      expectedNumWeights: 0,
    });
  });

  it('matches tf.layers.layerNormalization, forward and backward', () => {
    for (const axis of [-1, [1, 2]] as const) {
      const shape = [3, 2, 4];
      const pshape = typeof axis === 'number' ? [4] : [2, 4];
      const np = pshape.reduce((a, b) => a * b, 1);
      const w = [vals(np, 1, 0.5, 1.5), vals(np, 2)];
      const ours = new LayerNormalization({ axis: typeof axis === 'number' ? axis : [...axis] });
      const theirs = tf.layers.layerNormalization({
        axis: typeof axis === 'number' ? axis : [...axis],
      });
      ours.apply(tensor(vals(24, 3), shape));
      theirs.build(shape);
      ours.setWeights(w.map((a) => tensor(a, pshape)));
      theirs.setWeights(w.map((a) => tf.tensor(a, pshape)));
      const x = vals(24, 4, -3, 3);
      expectClose(
        ours.apply(tensor(x, shape)),
        (theirs.apply(tf.tensor(x, shape)) as tf.Tensor).dataSync(),
        TOL,
      );
      const dy = vals(24, 5);
      const xv = tensor(x, shape);
      xv.requiresGrad = true;
      const { grads } = variableGrads(() => {
        const y = ours.apply(xv).mul(tensor(dy, shape)).sum();
        return y;
      }, ours.trainableWeights);
      const xt = tf.tensor(x, shape);
      const f = () => (theirs.apply(xt) as tf.Tensor).mul(tf.tensor(dy, shape)).sum() as tf.Scalar;
      const tg = Object.values(
        tf.variableGrads(
          f,
          theirs.trainableWeights.map((v) => v.read() as tf.Variable),
        ).grads,
      );
      expectClose(grads[0]!, tg[0]!.dataSync(), TOL);
      expectClose(grads[1]!, tg[1]!.dataSync(), TOL);
      const gx = tf.grad((t: tf.Tensor) =>
        (theirs.apply(t) as tf.Tensor).mul(tf.tensor(dy, shape)).sum(),
      )(xt);
      const y = ours.apply(xv).mul(tensor(dy, shape)).sum();
      y.backward();
      expectClose(xv.grad!, gx.dataSync(), TOL);
    }
  });

  it('rmsScaling follows Keras 3: x / √(var(x) + epsilon) · γ', () => {
    const ln = new LayerNormalization({ rmsScaling: true, epsilon: 0.01 });
    const x = [1, 2, 3, 6];
    const v = 3.5;
    expectClose(ln.apply(tensor([x])), [x.map((a) => a / Math.sqrt(v + 0.01))], { rtol: 1e-5 });
    expect(ln.weights.map((w) => w.name)).toEqual([`${ln.name}/gamma`]);
  });

  it('is the same in training and inference, and passes masks on', () => {
    const ln = new LayerNormalization();
    const x = tensor(vals(12, 7), [3, 4]);
    expectClose(ln.apply(x, { training: true }), ln.apply(x), { rtol: 0, atol: 0 });
    expect(ln.supportsMasking).toBe(true);
  });

  it('checks its options and input, naming the layer', () => {
    expect(() => new LayerNormalization({ axis: [], name: 'ln_a' })).toThrow(
      /ln_a \(LayerNormalization\): axis must be/,
    );
    expect(() => new LayerNormalization({ axis: [1, 1] })).toThrow(ValueError);
    expect(() => new LayerNormalization({ axis: 2, name: 'ln_b' }).apply(tensor([[1, 2]]))).toThrow(
      /ln_b \(LayerNormalization\): axis 2 is out of range/,
    );
    expect(() => new LayerNormalization().apply(input({ shape: [3, null] }))).toThrow(
      /must be known/,
    );
  });

  it('config round trip', () => {
    const ln = new LayerNormalization({ axis: [1, 2], epsilon: 1e-5, rmsScaling: true });
    const c = ln.getConfig();
    expect(c).toMatchObject({ axis: [1, 2], epsilon: 1e-5, rmsScaling: true, center: true });
    expect(LayerNormalization.fromConfig(JSON.parse(JSON.stringify(c))).getConfig()).toEqual(c);
  });
});
