/**
 * kerasJsonText: Keras reads integral values under float keys as Python ints, and SGD refuses
 * `momentum: 0` (it wants a float); the writer keeps their decimal point and nothing else.
 */
import { describe, expect, it } from 'vitest';
import { Dense } from '../../layers/dense.js';
import { Sequential } from '../../models/sequential.js';
import { SGD } from '../../optimizers/sgd.js';
import { modelToKerasConfig } from '../keras_config.js';
import { kerasJsonText } from './json.js';

describe('kerasJsonText', () => {
  it('writes integral floats under float keys with a decimal point, and parses back to the same value', () => {
    const v = {
      a: 1,
      momentum: 0,
      nested: [{ learning_rate: 1, units: 3 }],
      epsilon: 1e-7,
      beta_1: 0.9,
      s: 'x"y',
    };
    const text = kerasJsonText(v);
    expect(text).toContain('"momentum":0.0');
    expect(text).toContain('"learning_rate":1.0');
    expect(text).toContain('"units":3');
    expect(text).toContain('"a":1');
    expect(JSON.parse(text)).toEqual(v);
  });

  it('a model compiled with plain SGD saves momentum as 0.0 (Keras refuses an int)', () => {
    const m = new Sequential({ layers: [new Dense({ units: 1, inputShape: [2] })] });
    m.compile({ optimizer: new SGD(), loss: 'mse' });
    const text = kerasJsonText(modelToKerasConfig(m, { compileConfig: true }));
    expect(text).toMatch(/"momentum":0\.0/);
  });
});
