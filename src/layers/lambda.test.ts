/**
 * Lambda: a registered JavaScript function as a layer — eager and in a graph, inferred or
 * given output shape, arguments, a .keras round trip that carries only the name; a Keras file
 * naming a Python function loads when a JavaScript function is registered under that name
 * (config as Keras 3.15.1 writes it for `Lambda(double, output_shape=(3,))`), and is refused,
 * with what to do, when it is not; an unregistered function cannot be saved.
 */
import { describe, expect, it } from 'vitest';
import { FormatError } from '../io/errors.js';
import { modelFromKerasConfig } from '../io/keras_config.js';
import { loadModelFromBytes, modelToKerasBytes } from '../io/save_load.js';
import { Sequential } from '../models/sequential.js';
import { tensor } from '../ops/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { Dense } from './dense.js';
import { input } from './input_layer.js';
import { Lambda, registerLambda } from './lambda.js';

registerLambda('scale_by', (x, a) => (x as Tensor).mul(a.factor as number));
registerLambda('double', (x) => (x as Tensor).mul(2));

describe('Lambda', () => {
  it('runs a registered function with its arguments, in a graph, and saves only its name', async () => {
    const m = new Sequential([
      input({ shape: [3] }),
      new Lambda({ function: 'scale_by', arguments: { factor: 3 } }),
      new Dense({ units: 2 }),
    ]);
    expect(m.layers[0]!.computeOutputShape([null, 3])).toEqual([null, 3]);
    const x = tensor([[1, 2, 3]]);
    const y = m.predict(x) as Tensor;
    const bytes = await modelToKerasBytes(m);
    const text = new TextDecoder().decode(bytes);
    expect(text).not.toContain('mul(');
    const back = await loadModelFromBytes(bytes);
    expect((back.predict(x) as Tensor).arraySync()).toEqual(y.arraySync());
    expect((new Lambda({ function: 'double' }).apply(x) as Tensor).arraySync()).toEqual([
      [2, 4, 6],
    ]);
  });

  it("loads Keras's Lambda of a named function when one is registered under its name", () => {
    const cfg = (fnName: string) => ({
      module: 'keras',
      class_name: 'Sequential',
      config: {
        name: 'seq',
        trainable: true,
        layers: [
          {
            module: 'keras.layers',
            class_name: 'InputLayer',
            config: {
              batch_shape: [null, 3],
              dtype: 'float32',
              sparse: false,
              ragged: false,
              name: 'input_layer',
              optional: false,
            },
            registered_name: null,
          },
          {
            module: 'keras.layers',
            class_name: 'Lambda',
            config: {
              name: 'lambda',
              trainable: true,
              dtype: {
                module: 'keras',
                class_name: 'DTypePolicy',
                config: { name: 'float32' },
                registered_name: null,
              },
              function: {
                module: 'builtins',
                class_name: 'function',
                config: fnName,
                registered_name: 'function',
              },
              output_shape: [3],
              arguments: {},
            },
            registered_name: null,
          },
        ],
      },
      registered_name: null,
    });
    const m = modelFromKerasConfig(cfg('double'));
    expect((m.predict(tensor([[1, 2, 3]])) as Tensor).arraySync()).toEqual([[2, 4, 6]]);
    expect(() => modelFromKerasConfig(cfg('triple'))).toThrow(
      /no function is registered as 'triple'; register it with registerLambda\('triple', fn\)/,
    );
  });

  it('refuses to save an unregistered function, and Python bytecode on load', () => {
    const l = new Lambda({ function: (x) => (x as Tensor).neg() });
    expect(() => l.getConfig()).toThrow(/not registered, so it cannot be saved/);
    const code = {
      module: 'keras.layers',
      class_name: 'Lambda',
      config: {
        name: 'l',
        function: { class_name: '__lambda__', config: { code: 'AAAA' } },
        arguments: {},
      },
    };
    expect(() =>
      modelFromKerasConfig({ class_name: 'Sequential', config: { name: 's', layers: [code] } }),
    ).toThrow(FormatError);
  });
});
