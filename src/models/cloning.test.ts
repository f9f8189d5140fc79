/**
 * cloneModel: functional, Sequential and shared-layer models keep their architecture (configs
 * equal), get fresh weights, compute the same function once given the original's weights;
 * call options (useCausalMask) survive; a clone function can share or replace layers;
 * subclassed models are refused.
 */
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { MultiHeadAttention } from '../layers/attention/multi_head_attention.js';
import { Dense } from '../layers/dense.js';
import { input } from '../layers/input_layer.js';
import type { Layer } from '../layers/layer.js';
import { Add } from '../layers/merge.js';
import { tensor } from '../ops/creation.js';
import { randomNormal } from '../ops/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { cloneModel } from './cloning.js';
import { Model, model } from './model.js';
import { Sequential } from './sequential.js';

const x = randomNormal([3, 4, 6], 0, 1, { seed: 5 });

describe('cloneModel', () => {
  it('clones a functional model with a shared layer and a causal attention call', () => {
    const inp = input({ shape: [4, 6], name: 'tokens' });
    const shared = new Dense({ units: 6, name: 'shared' });
    const a = new MultiHeadAttention({ numHeads: 2, keyDim: 3, name: 'mha' });
    const h = shared.apply(a.apply([inp, inp], { useCausalMask: true } as never));
    const y = new Add().apply([shared.apply(h), h]);
    const m = model({ inputs: inp, outputs: y, name: 'net' });
    const c = cloneModel(m);
    expect(c.getConfig()).toEqual(m.getConfig());
    expect(c.weights.length).toBe(m.weights.length);
    expect(c.layers.filter((l) => l.name === 'shared')).toHaveLength(1);
    // Fresh weights: different function until the original's weights are set.
    expect(Array.from((c.predict(x) as Tensor).dataSync())).not.toEqual(
      Array.from((m.predict(x) as Tensor).dataSync()),
    );
    c.setWeights(m.getWeights());
    expectClose(c.predict(x) as Tensor, m.predict(x) as Tensor, { atol: 1e-6 });
    // The causal call survived: position 0's output does not depend on later positions.
    const changed = x.add(randomNormal([3, 4, 6], 0, 1, { seed: 9 }).mul(maskLater()));
    const first = (t: Tensor) => (c.predict(t) as Tensor).slice([0, 0, 0], [3, 1, 6]);
    expectClose(first(changed), first(x), { atol: 1e-6 });
    // And the original model's later positions do depend on them (the test can fail).
    const later = (t: Tensor) =>
      Array.from((c.predict(t) as Tensor).slice([0, 3, 0], [3, 1, 6]).dataSync());
    expect(later(changed)).not.toEqual(later(x));
  });

  it('clones a Sequential, and a clone function can share layers', () => {
    const d1 = new Dense({ units: 5, activation: 'relu' });
    const s = new Sequential([input({ shape: [6] }), d1, new Dense({ units: 2 })]);
    const c = cloneModel(s) as Sequential;
    expect(c).toBeInstanceOf(Sequential);
    expect(c.getConfig()).toEqual(s.getConfig());
    const sharing = cloneModel(s, {
      cloneFunction: (l: Layer) => (l === d1 ? l : new Dense({ units: 2 })),
    });
    expect(sharing.layers[0]).toBe(d1);
    expect(sharing.layers[1]).not.toBe(s.layers[1]);
  });

  it('refuses a subclassed model, naming it', () => {
    class Mine extends Model {
      override call(inputs: Tensor | Tensor[]): Tensor {
        return Array.isArray(inputs) ? inputs[0]! : inputs;
      }
    }
    expect(() => cloneModel(new Mine({ name: 'mine' }))).toThrow(/'mine' is a subclassed model/);
  });
});

/** 1 on positions 1… of the sequence axis, 0 on position 0. */
function maskLater(): Tensor {
  const m = new Float32Array(3 * 4 * 6);
  for (let b = 0; b < 3; b++)
    for (let t = 1; t < 4; t++) for (let f = 0; f < 6; f++) m[(b * 4 + t) * 6 + f] = 1;
  return tensor(m, [3, 4, 6]);
}
