import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { TesseraError } from '../../errors.js';
import { Dense } from '../../layers/dense.js';
import { input } from '../../layers/input_layer.js';
import { type CallOptions, Layer, type LayerArgs, single } from '../../layers/layer.js';
import type { SymbolicShape } from '../../layers/symbolic.js';
import { model } from '../../models/model.js';
import { type Config, registerSerializable } from '../../serialization.js';
import type { Tensor } from '../../tensor/tensor.js';
import { FormatError } from '../errors.js';
import { modelFromKerasConfig, modelToKeras2Config, modelToKerasConfig } from '../keras_config.js';

// biome-ignore lint/suspicious/noExplicitAny: configs are untyped JSON.
type Any = any;

function cnnConfig(): Any {
  const files = unzipSync(readFileSync('/work/shared/models/keras/cnn/cnn.keras'));
  return JSON.parse(strFromU8(files['config.json']!));
}

function functionalConfig(): Any {
  const x = input({ shape: [4], name: 'x' });
  const h = new Dense({ units: 3, name: 'h' }).apply(x);
  const y = new Dense({ units: 2, name: 'y' }).apply(h);
  return JSON.parse(
    JSON.stringify(modelToKerasConfig(model({ name: 'f', inputs: x, outputs: y }))),
  );
}

function keras2FunctionalConfig(): Any {
  const x = input({ shape: [4], name: 'x' });
  const h = new Dense({ units: 3, name: 'h' }).apply(x);
  const y = new Dense({ units: 2, name: 'y' }).apply(h);
  return JSON.parse(
    JSON.stringify(modelToKeras2Config(model({ name: 'f', inputs: x, outputs: y }))),
  );
}

/** Expects a FormatError whose message matches every pattern. */
function expectFormatError(f: () => unknown, ...patterns: RegExp[]): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a FormatError').toBeInstanceOf(FormatError);
  expect(err).toBeInstanceOf(TesseraError);
  for (const p of patterns) expect((err as Error).message).toMatch(p);
}

describe('code in configs is refused', () => {
  const lambdaEnvelope = {
    class_name: '__lambda__',
    config: {
      code: '4wEAAAAAAAAAAAAAAAEAAAADAAAAQwAAAHMIAAAAfABkARQAUwA=',
      defaults: null,
      closure: null,
    },
  };

  it('refuses a Keras 3 Lambda layer', () => {
    const cfg = cnnConfig();
    cfg.config.layers.splice(2, 0, {
      module: 'keras.layers',
      class_name: 'Lambda',
      config: {
        name: 'lambda',
        trainable: true,
        function: lambdaEnvelope,
        output_shape: null,
        arguments: {},
      },
      registered_name: null,
    });
    expectFormatError(() => modelFromKerasConfig(cfg), /Lambda/, /Python code/, /never executes/);
  });

  it('refuses a Keras 2 Lambda layer and TF op layers', () => {
    const cfg = keras2FunctionalConfig();
    cfg.config.layers[1].class_name = 'Lambda';
    cfg.config.layers[1].config = {
      name: 'h',
      function: ['4wEAAAAAAAAAAAAAAAEAAAADAAAAQwAAAHMIAAAA', null, null],
      function_type: 'lambda',
      module: '__main__',
    };
    expectFormatError(() => modelFromKerasConfig(cfg), /'Lambda' holds Python code/);
    cfg.config.layers[1].class_name = 'TFOpLambda';
    expectFormatError(() => modelFromKerasConfig(cfg), /'TFOpLambda' holds Python code/);
  });

  it('refuses a lambda as an activation and bare __lambda__ envelopes', () => {
    const cfg = cnnConfig();
    cfg.config.layers[1].config.activation = lambdaEnvelope;
    expectFormatError(() => modelFromKerasConfig(cfg), /__lambda__/, /Python code/);
    expectFormatError(() => modelFromKerasConfig(lambdaEnvelope), /Python code/);
  });

  it('refuses Keras operations used as graph nodes', () => {
    const cfg = functionalConfig();
    cfg.config.layers[2].module = 'keras.src.ops.numpy';
    cfg.config.layers[2].class_name = 'Add';
    expectFormatError(() => modelFromKerasConfig(cfg), /Keras operation/, /keras\.src\.ops\.numpy/);
  });
});

describe('unknown and custom classes', () => {
  it('refuses an unknown class, naming it and saying how to register one', () => {
    const cfg = cnnConfig();
    cfg.config.layers[3].class_name = 'FancyAttention';
    expectFormatError(
      () => modelFromKerasConfig(cfg),
      /unknown layer class 'FancyAttention'/,
      /static className/,
      /registerSerializable\('layer', Cls\)/,
      /config\.layers\[3\]/,
    );
  });

  it("refuses a user's class that shares a built-in's name", () => {
    const cfg = cnnConfig();
    cfg.config.layers[7].module = 'my_project.layers';
    expectFormatError(() => modelFromKerasConfig(cfg), /unknown layer class 'Dense'/);
    const c2 = cnnConfig();
    c2.config.layers[7].registered_name = 'MyPackage>Dense';
    expectFormatError(() => modelFromKerasConfig(c2), /registered name 'MyPackage>Dense'/);
  });

  it('refuses unknown initializers, regularizers and constraints', () => {
    const cfg = cnnConfig();
    cfg.config.layers[1].config.kernel_initializer.class_name = 'STFT';
    expectFormatError(() => modelFromKerasConfig(cfg), /unknown initializer class 'STFT'/, /conv1/);
    const c2 = cnnConfig();
    c2.config.layers[1].config.kernel_regularizer = {
      class_name: 'NuclearNormRegularizer',
      config: {},
    };
    expectFormatError(
      () => modelFromKerasConfig(c2),
      /unknown regularizer class 'NuclearNormRegularizer'/,
    );
  });

  it('loads a registered custom layer, under its class or registered name', () => {
    class TimesTwoForKeras extends Layer {
      static override readonly className = 'TimesTwoForKeras';
      readonly factor: number;
      constructor(args: LayerArgs & { factor?: number } = {}) {
        super(args);
        this.factor = args.factor ?? 2;
      }
      override call(x: Tensor | Tensor[], _o: CallOptions): Tensor {
        return single(x, this).mul(this.factor);
      }
      override computeOutputShape(s: SymbolicShape | SymbolicShape[]): SymbolicShape {
        return s as SymbolicShape;
      }
      override getConfig(): Config {
        return { ...super.getConfig(), factor: this.factor, extraSetting: { innerKey: 1 } };
      }
    }
    registerSerializable('layer', TimesTwoForKeras);
    const x = input({ shape: [3], name: 'x' });
    const y = new TimesTwoForKeras({ factor: 3, name: 'times' }).apply(x);
    const m = model({ inputs: x, outputs: y });
    const json = modelToKerasConfig(m) as Any;
    const entry = json.config.layers[1];
    expect(entry).toMatchObject({
      module: 'tessera',
      class_name: 'TimesTwoForKeras',
      registered_name: 'TimesTwoForKeras',
    });
    expect(entry.config.extra_setting).toEqual({ inner_key: 1 });
    const back = modelFromKerasConfig(json);
    expect(back.getLayer('times')).toBeInstanceOf(TimesTwoForKeras);
    expect((back.getLayer('times') as TimesTwoForKeras).factor).toBe(3);
    expect(modelToKerasConfig(back)).toEqual(json);
    // Keras writes custom objects as 'package>Name'.
    entry.class_name = 'SomethingElse';
    entry.registered_name = 'my_package>TimesTwoForKeras';
    expect(modelFromKerasConfig(json).getLayer('times')).toBeInstanceOf(TimesTwoForKeras);
  });
});

describe('Keras options Tessera does not have', () => {
  it('drops them at their defaults (as in the reference files) and refuses other values', () => {
    const cfg = cnnConfig();
    // The reference file holds renorm: false, quantization_config: null, sparse/ragged/optional…
    expect(() => modelFromKerasConfig(cfg)).not.toThrow();
    const dense = cfg.config.layers[7].config;
    dense.lora_rank = 4;
    expectFormatError(
      () => modelFromKerasConfig(cfg),
      /layer 'probs', Dense/,
      /'lora_rank' = 4/,
      /not supported by Tessera/,
    );
    dense.lora_rank = null;
    dense.quantization_config = { mode: 'int8' };
    expectFormatError(() => modelFromKerasConfig(cfg), /'quantization_config' = \{"mode":"int8"\}/);
  });

  it('refuses batch renormalization, ragged inputs, time-major RNNs and mixed precision', () => {
    const c1 = cnnConfig();
    c1.config.layers[4].config.renorm = true;
    expectFormatError(() => modelFromKerasConfig(c1), /layer 'bn'/, /'renorm' = true/);
    const c2 = cnnConfig();
    c2.config.layers[0].config.ragged = true;
    expectFormatError(() => modelFromKerasConfig(c2), /layer 'image'/, /'ragged' = true/);
    const c3 = cnnConfig();
    c3.config.layers[1].config.dtype.config.name = 'mixed_float16';
    expectFormatError(
      () => modelFromKerasConfig(c3),
      /conv1/,
      /dtype 'mixed_float16' is not supported/,
    );
    const c4 = cnnConfig();
    c4.config.layers[1].config.dtype = {
      module: 'keras',
      class_name: 'QuantizedDTypePolicy',
      config: { name: 'int8_from_float32' },
    };
    expectFormatError(() => modelFromKerasConfig(c4), /QuantizedDTypePolicy/);
    const c5 = cnnConfig();
    c5.config.layers[1].config.kernel_initializer.config.input_axes = [0];
    expectFormatError(() => modelFromKerasConfig(c5), /'input_axes' = \[0\]/);
    const c6 = cnnConfig();
    c6.config.layers[1].config.data_format = 'channels_sideways';
    expectFormatError(() => modelFromKerasConfig(c6), /conv1/, /channels_sideways/);
  });
});

describe('malformed configs give a FormatError', () => {
  /** Sets `path` (dot-separated, numeric parts index arrays) in a config and returns it. */
  const set =
    (path: string, v: unknown) =>
    (c: Any): Any => {
      const keys = path.split('.');
      let o = c;
      for (const k of keys.slice(0, -1)) o = o[k];
      o[keys.at(-1)!] = v;
      return c;
    };
  const cases: [string, (c: Any) => unknown, RegExp][] = [
    ['the root is a number', () => 3, /expected an object/],
    ['the root is an array', () => [], /expected an object/],
    [
      'class_name is missing',
      (c) => ({ config: c.config }),
      /class_name must be a non-empty string/,
    ],
    [
      'class_name is a number',
      (c) => ({ ...c, class_name: 7 }),
      /class_name must be a non-empty string/,
    ],
    ['the root is a layer', (c) => c.config.layers[1], /expected a model/],
    [
      'layers is missing',
      (c) => ({ ...c, config: { name: 'x' } }),
      /config\.layers must be an array/,
    ],
    ['layers is an object', set('config.layers', {}), /must be an array/],
    ['a layer is a string', set('config.layers.2', 'dense'), /layers\[2\] must be an object/],
    [
      'a layer config is a list',
      set('config.layers.2.config', [1]),
      /layers\[2\]\.config must be an object/,
    ],
    ['units is a string', set('config.layers.7.config.units', 'ten'), /probs/],
    ['kernel_size is an object', set('config.layers.1.config.kernel_size', { a: 1 }), /conv1/],
    [
      'a shape holds a string',
      set('config.layers.0.config.batch_shape', [null, '28', 28, 1]),
      /batch_shape\[1\]/,
    ],
    [
      'a shape is negative',
      set('config.layers.0.config.batch_shape', [null, -28, 28, 1]),
      /batch_shape\[1\]/,
    ],
    [
      'an InputLayer after the first layer',
      (c) => set('config.layers.8', c.config.layers[0])(c),
      /InputLayer can only come first/,
    ],
    ['a dtype is a number', set('config.layers.1.config.dtype', 5), /dtype/],
    ['an activation is unknown', set('config.layers.1.config.activation', 'zigzag'), /zigzag/],
    [
      'an initializer config is a string',
      set('config.layers.1.config.kernel_initializer.config', 'x'),
      /config must be an object/,
    ],
    ['units is zero', set('config.layers.7.config.units', 0), /units/],
  ];
  for (const [what, mutate, pattern] of cases) {
    it(what, () => {
      expectFormatError(() => modelFromKerasConfig(mutate(cnnConfig())), pattern);
    });
  }

  const graphCases: [string, (c: Any) => void, RegExp][] = [
    [
      'inbound_nodes is an object',
      (c) => {
        c.config.layers[1].inbound_nodes = {};
      },
      /inbound_nodes must be an array/,
    ],
    [
      'a node has two positional args',
      // Several positional tensors are MultiHeadAttention's (query, value); a non-tensor is refused.
      (c) => c.config.layers[1].inbound_nodes[0].args.push(1),
      /args\[1\] must be a Keras tensor/,
    ],
    [
      'a node arg is not a tensor',
      (c) => {
        c.config.layers[1].inbound_nodes[0].args[0] = 3;
      },
      /Keras tensor/,
    ],
    [
      'keras_history is short',
      (c) => {
        c.config.layers[1].inbound_nodes[0].args[0].config.keras_history = ['x', 0];
      },
      /keras_history must be \[layer_name/,
    ],
    [
      'a node index is negative',
      (c) => {
        c.config.layers[1].inbound_nodes[0].args[0].config.keras_history = ['x', -1, 0];
      },
      /keras_history\[1\] must be a non-negative integer/,
    ],
    [
      'a node index is fractional',
      (c) => {
        c.config.layers[1].inbound_nodes[0].args[0].config.keras_history = ['x', 0.5, 0];
      },
      /non-negative integer/,
    ],
    [
      'a node index is too large',
      (c) => {
        c.config.layers[1].inbound_nodes[0].args[0].config.keras_history = ['x', 3, 0];
      },
      /node index 3 is out of range for layer 'x'/,
    ],
    [
      'a tensor index is too large',
      (c) => {
        c.config.layers[1].inbound_nodes[0].args[0].config.keras_history = ['x', 0, 2];
      },
      /tensor index 2 is out of range/,
    ],
    [
      'a node names an unknown layer',
      (c) => {
        c.config.layers[1].inbound_nodes[0].args[0].config.keras_history = ['nope', 0, 0];
      },
      /unknown layer 'nope'/,
    ],
    [
      'a node refers to its own layer',
      (c) => {
        c.config.layers[1].inbound_nodes[0].args[0].config.keras_history = ['h', 0, 0];
      },
      /cannot resolve the inputs of layer 'h'/,
    ],
    [
      'an explicit mask tensor',
      (c) => {
        c.config.layers[1].inbound_nodes[0].kwargs = {
          mask: c.config.layers[1].inbound_nodes[0].args[0],
        };
      },
      /mask/,
    ],
    [
      'an unknown call argument',
      (c) => {
        c.config.layers[1].inbound_nodes[0].kwargs = { scale: 2 };
      },
      /call argument 'scale' = 2/,
    ],
    [
      'training is a string',
      (c) => {
        c.config.layers[1].inbound_nodes[0].kwargs = { training: 'yes' };
      },
      /training must be/,
    ],
    [
      'input_layers is missing',
      (c) => Reflect.deleteProperty(c.config, 'input_layers'),
      /input_layers must be a tensor reference/,
    ],
    [
      'output_layers is empty',
      (c) => {
        c.config.output_layers = [];
      },
      /output_layers must be/,
    ],
    [
      'an output names an unknown layer',
      (c) => {
        c.config.output_layers = ['zz', 0, 0];
      },
      /unknown layer 'zz'/,
    ],
    [
      'a duplicate layer name',
      (c) => {
        c.config.layers[2].name = 'h';
      },
      /duplicate layer name 'h'/,
    ],
    [
      'an entry without a name',
      (c) => {
        Reflect.deleteProperty(c.config.layers[2], 'name');
        Reflect.deleteProperty(c.config.layers[2].config, 'name');
      },
      /layers\[2\]\.name must be a non-empty string/,
    ],
    [
      'an InputLayer with inbound nodes',
      (c) => {
        c.config.layers[0].inbound_nodes = c.config.layers[1].inbound_nodes;
      },
      /InputLayer cannot have inbound nodes/,
    ],
    [
      'an input that is not an input layer',
      (c) => {
        c.config.input_layers = ['h', 0, 0];
      },
      /not from input\(\)/,
    ],
  ];
  for (const [what, mutate, pattern] of graphCases) {
    it(`functional: ${what}`, () => {
      const c = functionalConfig();
      mutate(c);
      expectFormatError(() => modelFromKerasConfig(c), pattern);
    });
  }

  const legacyCases: [string, (c: Any) => void, RegExp][] = [
    [
      'a node is a string',
      (c) => {
        c.config.layers[1].inbound_nodes = ['x'];
      },
      /node object or list/,
    ],
    [
      'a ref has five entries',
      (c) => {
        c.config.layers[1].inbound_nodes[0][0] = ['x', 0, 0, {}, 1];
      },
      /must be \[layer_name/,
    ],
    [
      'a ref layer name is a number',
      (c) => {
        c.config.layers[1].inbound_nodes[0][0][0] = 1;
      },
      /\[0\] must be a non-empty string/,
    ],
    [
      'a node is empty',
      (c) => {
        c.config.layers[1].inbound_nodes[0] = [];
      },
      /at least one input/,
    ],
    [
      'kwargs is a list',
      (c) => {
        c.config.layers[1].inbound_nodes[0][0][3] = [1];
      },
      /must be an object/,
    ],
  ];
  for (const [what, mutate, pattern] of legacyCases) {
    it(`Keras 2: ${what}`, () => {
      const c = keras2FunctionalConfig();
      mutate(c);
      expectFormatError(() => modelFromKerasConfig(c), pattern);
    });
  }

  it('refuses invalid JSON text and non-JSON values', () => {
    expectFormatError(() => modelFromKerasConfig('{"class_name": '), /not valid JSON/);
    expectFormatError(
      () => modelFromKerasConfig({ class_name: 'Sequential', config: { layers: [() => 1] } }),
      /not a JSON value/,
    );
    expectFormatError(
      () => modelFromKerasConfig({ class_name: 'Sequential', config: { layers: new Map() } }),
      /not a plain JSON object/,
    );
    expectFormatError(
      () => modelFromKerasConfig({ class_name: 'Sequential', config: { n: Number.NaN } }),
      /non-finite/,
    );
    expectFormatError(() => modelFromKerasConfig(undefined), /not a JSON value/);
    expectFormatError(() => modelFromKerasConfig(null), /expected an object/);
  });

  it('refuses nesting deeper than 64 levels, also 10000 deep, without overflowing the stack', () => {
    const deepText = `{"class_name":"Sequential","config":{"layers":${'['.repeat(10000)}${']'.repeat(10000)}}}`;
    expectFormatError(() => modelFromKerasConfig(deepText), /nested deeper than 64/);
    let deep: Any = {};
    const root = deep;
    for (let i = 0; i < 10000; i++) {
      deep.config = {};
      deep = deep.config;
    }
    expectFormatError(() => modelFromKerasConfig(root), /nested deeper than 64/);
    // A cycle is caught by the same limit.
    const cyc: Any = { class_name: 'Sequential', config: {} };
    cyc.config.self = cyc;
    expectFormatError(() => modelFromKerasConfig(cyc), /nested deeper than 64/);
  });
});

describe('prototype pollution', () => {
  const attempts = [
    '{"__proto__": {"polluted": true}, "class_name": "Sequential", "config": {"layers": []}}',
    '{"class_name": "Sequential", "config": {"__proto__": {"polluted": true}, "layers": []}}',
    '{"class_name": "Sequential", "config": {"layers": [{"class_name": "Dense", "config": {"units": 2, "__proto__": {"polluted": true}}}]}}',
    '{"class_name": "Sequential", "config": {"layers": [{"class_name": "Dense", "config": {"units": 2, "kernel_initializer": {"class_name": "Zeros", "config": {"__proto__": {"polluted": true}}}}}]}}',
    '{"class_name": "Sequential", "config": {"layers": [{"class_name": "Dense", "config": {"units": 2, "constructor": {"prototype": {"polluted": true}}}}]}}',
    '{"class_name": "Model", "config": {"layers": [], "input_layers": [], "output_layers": [], "prototype": {"polluted": true}}}',
  ];
  for (const [i, text] of attempts.entries()) {
    it(`refuses forbidden keys (${i})`, () => {
      expectFormatError(
        () => modelFromKerasConfig(text),
        /forbidden key '(__proto__|constructor|prototype)'/,
      );
      expectFormatError(() => modelFromKerasConfig(JSON.parse(text)), /forbidden key/);
      expect(({} as Any).polluted).toBeUndefined();
      expect((Object.prototype as Any).polluted).toBeUndefined();
    });
  }
});

describe('fuzzing', () => {
  const leaf = fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -3, max: 40 }),
    fc.double({ min: -2, max: 2, noNaN: true }),
    fc.constantFrom(
      '',
      'x',
      'relu',
      'same',
      'channels_first',
      'Dense',
      '__keras_tensor__',
      'h',
      'x',
    ),
  );
  const value = fc.oneof(
    leaf,
    fc.array(leaf, { maxLength: 4 }),
    fc.dictionary(fc.constantFrom('class_name', 'config', 'name', 'units', 'shape'), leaf, {
      maxKeys: 3,
    }),
  );

  function paths(v: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []) {
    out.push(prefix);
    if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v))
        paths(x, [...prefix, Array.isArray(v) ? Number(k) : k], out);
    }
    return out;
  }

  function mutate(base: Any, path: (string | number)[], v: unknown, remove: boolean): Any {
    const copy = structuredClone(base);
    if (path.length === 0) return v;
    let o = copy;
    for (const k of path.slice(0, -1)) o = o[k];
    const last = path.at(-1)!;
    if (remove) {
      if (Array.isArray(o)) o.splice(last as number, 1);
      else delete o[last];
    } else {
      o[last] = v;
    }
    return copy;
  }

  for (const [name, make] of [
    ['a Keras 3 Sequential', cnnConfig],
    ['a Keras 3 functional model', functionalConfig],
    ['a Keras 2 functional model', keras2FunctionalConfig],
  ] as const) {
    it(`mutations of ${name} load or fail with a TesseraError`, () => {
      const base = make();
      const all = paths(base);
      fc.assert(
        fc.property(fc.nat(all.length - 1), value, fc.boolean(), (i, v, remove) => {
          const cfg = mutate(base, all[i]!, v, remove);
          try {
            modelFromKerasConfig(cfg);
          } catch (e) {
            if (!(e instanceof TesseraError)) throw e;
          }
          expect(({} as Any).polluted).toBeUndefined();
        }),
        {
          numRuns: Number(process.env.FUZZ_RUNS ?? 400),
          seed: Number(process.env.FUZZ_SEED ?? 42),
        },
      );
    });
  }
});
