import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../test/helpers/expect_close.js';
import { gradCheck } from '../test/helpers/grad_check.js';
import * as activations from './activations.js';
import {
  type ActivationFn,
  type ActivationId,
  getActivation,
  registerActivation,
  serializeActivation,
} from './activations.js';
import { ValueError, exp, grad, leakyRelu, relu, softmax, tensor } from './index.js';

// Values away from every kink (0, ±3, 6), so finite differences and tf agree everywhere.
const XS = [-6.5, -4.2, -2.5, -1.3, -0.4, 0.3, 1.1, 2.4, 3.7, 5.2, 7.5, 9];

const sigmoidJs = (v: number) => 1 / (1 + Math.exp(-v));

/** erf by its Maclaurin series: accurate to ~1e-12 for |x| ≤ 5 in float64, which is all we use. */
function erfJs(x: number): number {
  if (Math.abs(x) > 5) return Math.sign(x);
  let term = x;
  let total = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    const add = term / (2 * n + 1);
    total += add;
    if (Math.abs(add) < 1e-17) break;
  }
  return (2 / Math.sqrt(Math.PI)) * total;
}

function tfValues(f: (t: tf.Tensor) => tf.Tensor, values: number[], shape?: number[]): number[] {
  const t = tf.tensor(values, shape);
  const y = f(t);
  const out = Array.from(y.dataSync());
  t.dispose();
  y.dispose();
  return out;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('activations: values', () => {
  const x = () => tensor(XS);
  const cases: [ActivationId, (t: tf.Tensor) => tf.Tensor][] = [
    ['relu', (t) => tf.relu(t)],
    ['relu6', (t) => tf.relu6(t)],
    ['elu', (t) => tf.elu(t)],
    ['selu', (t) => tf.selu(t)],
    ['sigmoid', (t) => tf.sigmoid(t)],
    ['tanh', (t) => tf.tanh(t)],
    ['softplus', (t) => tf.softplus(t)],
    ['leakyRelu', (t) => tf.leakyRelu(t, 0.2)],
    ['exponential', (t) => tf.exp(t)],
  ];
  it.each(cases)('%s matches TensorFlow.js', (id, ref) => {
    expectClose(getActivation(id)(x()), tfValues(ref, XS), { rtol: 1e-6, atol: 1e-6 });
  });

  const formulas: [ActivationId, (v: number) => number][] = [
    ['linear', (v) => v],
    // TF.js core has no softsign op (only its layers do), so the formula is the reference.
    ['softsign', (v) => v / (1 + Math.abs(v))],
    ['hardSigmoid', (v) => Math.min(Math.max(v + 3, 0), 6) / 6],
    ['hardSigmoidKeras2', (v) => Math.min(Math.max(0.2 * v + 0.5, 0), 1)],
    ['gelu', (v) => 0.5 * v * (1 + erfJs(v / Math.SQRT2))],
    ['silu', (v) => v * sigmoidJs(v)],
    ['swish', (v) => v * sigmoidJs(v)],
    ['exponential', (v) => Math.exp(v)],
  ];
  it.each(formulas)('%s matches its formula', (id, f) => {
    expectClose(getActivation(id)(x()), XS.map(f), { rtol: 1e-6, atol: 1e-6 });
  });

  it('uses the Keras 3 defaults: leakyRelu slope 0.2, elu α 1, exact gelu', () => {
    expectClose(activations.leakyRelu(tensor([-1, 2])), [-0.2, 2]);
    expectClose(activations.elu(tensor([-1])), [Math.exp(-1) - 1]);
    // Exact: 1·Φ(1) = 0.8413447; the tanh approximation would give 0.8411920.
    expectClose(activations.gelu(tensor([1])), [0.8413447460685429], { rtol: 1e-7 });
  });

  it('hardSigmoid is relu6(x + 3) / 6: 0 below −3, 1 above 3, linear between', () => {
    expectClose(activations.hardSigmoid(tensor([-4, -3, 0, 1.5, 3, 10])), [0, 0, 0.5, 0.75, 1, 1]);
  });

  it('hardSigmoidKeras2 is clip(0.2x + 0.5, 0, 1): 0 below −2.5, 1 above 2.5, linear between', () => {
    expectClose(
      activations.hardSigmoidKeras2(tensor([-4, -2.5, -1, 0, 1.5, 2.5, 10])),
      [0, 0, 0.3, 0.5, 0.8, 1, 1],
    );
  });

  it("hardSigmoidKeras2 matches TF.js's own 'hardSigmoid' activation layer", () => {
    const layer = tf.layers.activation({ activation: 'hardSigmoid' });
    const want = Array.from((layer.apply(tf.tensor(XS)) as tf.Tensor).dataSync());
    expectClose(activations.hardSigmoidKeras2(x()), want, { rtol: 1e-6, atol: 1e-7 });
    // …and is not Keras 3's hardSigmoid, from which it differs by up to 0.1 on these values.
    const keras3 = activations.hardSigmoid(x()).dataSync();
    expect(Math.max(...want.map((w, i) => Math.abs(w - keras3[i]!)))).toBeGreaterThan(0.05);
  });

  it('softmax runs over the last axis, for rank 1, 2 and 3', () => {
    const v2 = [1, 2, 3, 4, -1, 0, 0.5, 8];
    expectClose(
      activations.softmax(tensor(v2, [2, 4])),
      tfValues((t) => tf.softmax(t), v2, [2, 4]),
      {
        rtol: 1e-6,
        atol: 1e-6,
      },
    );
    const v1 = [0.1, -2, 3];
    expectClose(
      activations.softmax(tensor(v1)),
      tfValues((t) => tf.softmax(t), v1),
      { rtol: 1e-6, atol: 1e-6 },
    );
    const v3 = Array.from({ length: 12 }, (_, i) => Math.sin(i) * 3);
    const y3 = activations.softmax(tensor(v3, [2, 2, 3]));
    expect(y3.shape).toEqual([2, 2, 3]);
    expectClose(
      y3,
      tfValues((t) => tf.softmax(t), v3, [2, 2, 3]),
      { rtol: 1e-6, atol: 1e-6 },
    );
    expectClose(y3.sum(-1), [
      [1, 1],
      [1, 1],
    ]);
  });

  it('softmax refuses a scalar', () => {
    expect(() => activations.softmax(tensor(1))).toThrow(/softmax: needs rank >= 1/);
  });

  it('linear returns its input unchanged', () => {
    const t = tensor([1, -2]);
    expect(activations.linear(t)).toBe(t);
  });
});

describe('activations: gradients', () => {
  const ids: ActivationId[] = [
    'linear',
    'sigmoid',
    'tanh',
    'relu',
    'relu6',
    'leakyRelu',
    'elu',
    'selu',
    'gelu',
    'silu',
    'swish',
    'softplus',
    'softsign',
    'hardSigmoid',
    'hardSigmoidKeras2',
    'exponential',
    'softmax',
  ];
  it.each(ids)('%s has the numerical gradient', (id) => {
    const fn = getActivation(id);
    gradCheck((t) => fn(t), [{ values: XS.map((v) => v / 2 + 0.1 * Math.cos(v)), shape: [3, 4] }]);
  });

  it('hardSigmoid has gradient 1/6 inside (−3, 3) and 0 outside', () => {
    expectClose(grad((t) => activations.hardSigmoid(t).sum())(tensor([-4, -1, 2, 4.5])), [
      0,
      1 / 6,
      1 / 6,
      0,
    ]);
  });

  it('hardSigmoidKeras2 has gradient 0.2 inside (−2.5, 2.5) and 0 outside', () => {
    expectClose(
      grad((t) => activations.hardSigmoidKeras2(t).sum())(tensor([-4, -1, 2, 4.5])),
      [0, 0.2, 0.2, 0],
    );
  });
});

describe('activations: lookup and serialization', () => {
  const ids: ActivationId[] = [
    'linear',
    'sigmoid',
    'tanh',
    'relu',
    'relu6',
    'leakyRelu',
    'elu',
    'selu',
    'gelu',
    'silu',
    'softplus',
    'softsign',
    'hardSigmoid',
    'hardSigmoidKeras2',
    'exponential',
    'softmax',
  ];
  it.each(ids)('%s survives serialize → get', (id) => {
    const fn = getActivation(id);
    expect(serializeActivation(fn)).toBe(id);
    expect(getActivation(serializeActivation(fn))).toBe(fn);
    expect(JSON.parse(JSON.stringify({ activation: serializeActivation(fn) })).activation).toBe(id);
  });

  it('swish is silu and serializes as silu, as in Keras', () => {
    expect(getActivation('swish')).toBe(activations.silu);
    expect(serializeActivation(activations.swish)).toBe('silu');
  });

  it('accepts the Keras snake_case names', () => {
    expect(getActivation('leaky_relu')).toBe(activations.leakyRelu);
    expect(getActivation('hard_sigmoid')).toBe(activations.hardSigmoid);
    expect(getActivation('hard_sigmoid_keras2')).toBe(activations.hardSigmoidKeras2);
  });

  it('maps undefined and null to linear, and passes functions through', () => {
    expect(getActivation(undefined)).toBe(activations.linear);
    expect(getActivation(null)).toBe(activations.linear);
    const f: ActivationFn = (t) => t.mul(2);
    expect(getActivation(f)).toBe(f);
  });

  it('names the raw ops too, since their defaults equal Keras', () => {
    expect(serializeActivation(relu)).toBe('relu');
    expect(serializeActivation(leakyRelu)).toBe('leakyRelu');
    expect(serializeActivation(softmax)).toBe('softmax');
    expect(serializeActivation(exp)).toBe('exponential');
  });

  it('registers and serializes custom activations', () => {
    const cube: ActivationFn = (t) => t.mul(t).mul(t);
    registerActivation('cube', cube);
    expect(getActivation('cube')).toBe(cube);
    expect(serializeActivation(cube)).toBe('cube');
    const cube2: ActivationFn = (t) => t.pow(3);
    registerActivation('cube', cube2);
    expect(getActivation('cube')).toBe(cube2);
    expect(() => serializeActivation(cube)).toThrow(ValueError);
  });

  it('refuses unknown names, unknown functions and built-in names for custom functions', () => {
    expect(() => getActivation('relu7')).toThrow(
      /getActivation: unknown activation 'relu7'; valid: linear, sigmoid/,
    );
    expect(() => getActivation('toString')).toThrow(ValueError);
    expect(() => getActivation(42 as unknown as ActivationId)).toThrow(
      /getActivation: expected .* got number 42/,
    );
    const anon: ActivationFn = (t) => t;
    expect(() => serializeActivation(anon)).toThrow(
      /serializeActivation: unknown activation function 'anon'/,
    );
    expect(() => registerActivation('relu', anon)).toThrow(
      /registerActivation: 'relu' is a built-in/,
    );
    expect(() => registerActivation('leaky_relu', anon)).toThrow(ValueError);
    expect(() => registerActivation('', anon)).toThrow(ValueError);
  });
});
