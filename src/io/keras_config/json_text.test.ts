/**
 * Keras's `model.to_json()` / `models.model_from_json` pair: the JSON text of the reference
 * Keras model's config (Keras-written, in its .keras archive) loads, and Tessera's own text
 * round-trips to the same architecture and outputs.
 */
import { readFileSync } from 'node:fs';
import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../../test/helpers/expect_close.js';
import { Dense } from '../../layers/dense.js';
import { input } from '../../layers/input_layer.js';
import { model as functionalModel } from '../../models/model.js';
import { randomNormal } from '../../ops/random.js';
import { FormatError } from '../errors.js';
import { modelFromJson, modelFromKerasConfig } from './from_keras.js';
import { modelToJson, modelToKerasConfig } from './to_keras.js';

describe('modelFromJson / modelToJson', () => {
  it('loads the JSON text Keras wrote for the reference MLP', () => {
    const zip = unzipSync(readFileSync('/work/shared/models/keras/mlp/mlp.keras'));
    const text = strFromU8(zip['config.json']!);
    const m = modelFromJson(text);
    const ref = modelFromKerasConfig(JSON.parse(text));
    expect(m.layers.map((l) => l.name)).toEqual(ref.layers.map((l) => l.name));
    expect(m.weights.map((w) => w.shape)).toEqual(ref.weights.map((w) => w.shape));
  });

  it('round-trips a functional model: same config, same outputs with the same weights', () => {
    const x = input({ shape: [4] });
    const y = new Dense({ units: 2, activation: 'softmax' }).apply(
      new Dense({ units: 3, activation: 'relu' }).apply(x),
    );
    const m = functionalModel({ inputs: x, outputs: y });
    const text = modelToJson(m);
    expect(JSON.parse(text)).toEqual(modelToKerasConfig(m));
    const copy = modelFromJson(text);
    copy.setWeights(m.getWeights());
    const data = randomNormal([3, 4], 0, 1, { seed: 2 });
    expectClose(copy.predict(data) as never, m.predict(data) as never, { rtol: 1e-6, atol: 1e-7 });
  });

  it('refuses what is not JSON text of a model', () => {
    expect(() => modelFromJson({} as never)).toThrow(FormatError);
    expect(() => modelFromJson({} as never)).toThrow(/modelFromJson: expected JSON text/);
    expect(() => modelFromJson('{"class_name": ')).toThrow(FormatError);
    expect(() => modelToJson({} as never)).toThrow(/modelToJson: expected a Model/);
  });
});
