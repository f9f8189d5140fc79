/**
 * The one identifier resolver behind the seven `getX` functions (Keras's `<category>.get`):
 * the same answers to the same kinds of identifier in every category, and the same refusals.
 */
import { describe, expect, it } from 'vitest';
import { getActivation, linear, relu } from './activations.js';
import { getConstraint } from './constraints.js';
import { ValueError } from './errors.js';
import { getInitializer } from './initializers.js';
import { Loss } from './losses/core.js';
import { LossFunctionWrapper, getLoss } from './losses/registry.js';
import { Huber } from './losses/regression.js';
import { MeanMetricWrapper } from './metrics/base.js';
import { AUC } from './metrics/confusion.js';
import { getMetric } from './metrics/registry.js';
import { getOptimizer } from './optimizers/index.js';
import { getRegularizer } from './regularizers.js';
import { registerSerializable } from './serialization.js';
import type { Tensor, TensorLike } from './tensor/tensor.js';
import { convertToTensor } from './tensor/tensor.js';

const RESOLVERS: [string, (id: never) => unknown][] = [
  ['getInitializer', getInitializer],
  ['getRegularizer', getRegularizer],
  ['getConstraint', getConstraint],
  ['getOptimizer', getOptimizer],
  ['getLoss', getLoss],
  ['getMetric', getMetric],
  ['getActivation', getActivation],
];

/** A user loss registered as Keras's custom objects are. */
class HalfAbs extends Loss {
  static override readonly className = 'HalfAbs';
  readonly options = {};
  call(yTrue: TensorLike, yPred: TensorLike): Tensor {
    const t = convertToTensor(yTrue, 'HalfAbs', 'yTrue');
    return convertToTensor(yPred, 'HalfAbs', 'yPred').sub(t).abs().mean(-1).mul(0.5);
  }
}
registerSerializable('loss', HalfAbs);

describe('resolveIdentifier through every getX', () => {
  it.each(RESOLVERS)('%s refuses what is not an identifier, saying what came', (name, get) => {
    expect(() => get(3 as never)).toThrow(ValueError);
    expect(() => get(3 as never)).toThrow(new RegExp(`^${name}: expected a name, .* got number 3`));
    expect(() => get({ className: 'NoSuchThing', config: {} } as never)).toThrow(
      /unknown \w+ class 'NoSuchThing'/,
    );
  });

  it.each(RESOLVERS)('%s names the unknown and the valid names', (name, get) => {
    expect(() => get('noSuchName' as never)).toThrow(
      new RegExp(`^${name}: unknown \\w+ 'noSuchName';.*valid`, 'i'),
    );
  });

  it('builds registered classes from a class name or {className, config}', () => {
    expect(getLoss('Huber' as never)).toBeInstanceOf(Huber);
    expect((getLoss({ className: 'Huber', config: { delta: 2 } }) as Huber).getConfig().delta).toBe(
      2,
    );
    expect(getLoss('HalfAbs' as never)).toBeInstanceOf(HalfAbs);
    expect(getLoss({ className: 'HalfAbs', config: {} })).toBeInstanceOf(HalfAbs);
    expect(getMetric({ className: 'AUC', config: { numThresholds: 50 } })).toBeInstanceOf(AUC);
    expect(getOptimizer('Adam').constructor.name).toBe('Adam');
  });

  it('gives functions and null to the categories that take them', () => {
    const fn = (t: TensorLike, p: TensorLike) => convertToTensor(p, 'f', 'p').sub(t as Tensor);
    expect(getLoss(fn as never)).toBeInstanceOf(LossFunctionWrapper);
    expect(getMetric(fn as never)).toBeInstanceOf(MeanMetricWrapper);
    expect(getActivation(relu)).toBe(relu);
    expect(getActivation(null)).toBe(linear);
    expect(getActivation('leaky_relu')).toBe(getActivation('leakyRelu'));
    // Categories without a meaning for them refuse functions.
    expect(() => getInitializer(fn as never)).toThrow(/getInitializer: expected a name/);
  });

  it("keeps each category's own name rules", () => {
    expect(getMetric('acc', { loss: 'binaryCrossentropy' }).name).toBe('acc');
    expect(getMetric('mse').name).toBe('mse');
    expect(() => getLoss('MEAN_SQUARED_ERROR' as never)).toThrow(/Did you mean 'meanSquaredError'/);
    expect(getOptimizer('ADAM' as never).constructor.name).toBe('Adam');
  });
});
