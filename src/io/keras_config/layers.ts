/**
 * Layer configs, both ways: a Keras layer envelope → a Tessera layer (keys mapped, values
 * converted, options Tessera lacks dropped when harmless and refused otherwise), and a Tessera
 * layer → its Keras 3 envelope or its Keras 2 (TF.js) `{class_name, config}`.
 */
import { InputLayer } from '../../layers/input_layer.js';
import type { Layer } from '../../layers/layer.js';
import { RNN } from '../../layers/rnn/rnn.js';
import { StackedRNNCells } from '../../layers/rnn/stacked_cells.js';
import { Bidirectional, TimeDistributed } from '../../layers/rnn/wrappers.js';
import type { SymbolicShape } from '../../layers/symbolic.js';
import { ensureBuiltins } from '../../models/builtins.js';
import type { Model } from '../../models/model.js';
import {
  type Config,
  type ConfigValue,
  type SerializedObject,
  deserialize,
  lookupSerializable,
  registeredNames,
} from '../../serialization.js';
import { FormatError } from '../errors.js';
import {
  type Json,
  type JsonObject,
  asShape,
  copyJson,
  isObject,
  newObject,
  own,
  show,
} from './json.js';
import { MODULES, keyFromKeras, keyToKeras, valueFromKeras, valueToKeras } from './names.js';
import {
  type Envelope,
  type ObjectKind,
  activationFromKerasValue,
  activationValueToKeras,
  dtypeFromKeras,
  dtypePolicy,
  inputDtypeFromKeras,
  objectFromKeras,
  objectToKeras,
  readEnvelope,
  wrapError,
} from './objects.js';

/**
 * Tessera's built-in layer classes, all of which Keras 3 has under the same name: every class
 * the layer families registered, read once when this module loads (after they all have, and
 * before user code can register its own). Lambda is not among them: it is read only when its
 * function is registered by name.
 */
// The layer families register their classes when they load; ensureBuiltins keeps them all in
// a tree-shaken bundle.
ensureBuiltins('layer');

export const BUILTIN_LAYERS: ReadonlySet<string> = new Set(
  registeredNames('layer').filter((n) => {
    const cls = lookupSerializable<Layer>('layer', n) as unknown as { prototype: object };
    // Models register as layers too (a nested model is a layer); their configs are read apart.
    return n !== 'Lambda' && !('graphNodes' in cls.prototype);
  }),
);

/** The classes registered under the built-in names when this module loaded. */
const BUILTIN_CLASSES: ReadonlyMap<string, unknown> = new Map(
  [...BUILTIN_LAYERS].map((n) => [n, lookupSerializable('layer', n)]),
);

/**
 * Layers Keras calls as `call(query, value, key)` and builds from `build(query_shape,
 * value_shape, key_shape)`: their nodes hold separate positional tensors and their
 * build_config a shapes_dict.
 */
export const QUERY_VALUE_LAYERS: ReadonlySet<string> = new Set([
  'MultiHeadAttention',
  'GroupQueryAttention',
]);

/** Class names of models inside configs. */
export const MODEL_CLASSES: ReadonlySet<string> = new Set(['Sequential', 'Functional', 'Model']);

/** Other Keras spellings of built-in classes (aliases Keras accepts when loading). */
const CLASS_ALIASES: Readonly<Record<string, string>> = {
  Convolution1D: 'Conv1D',
  Convolution2D: 'Conv2D',
  Convolution2DTranspose: 'Conv2DTranspose',
  Deconvolution2D: 'Conv2DTranspose',
  SeparableConvolution2D: 'SeparableConv2D',
  MaxPool1D: 'MaxPooling1D',
  MaxPool2D: 'MaxPooling2D',
  AvgPool1D: 'AveragePooling1D',
  AvgPool2D: 'AveragePooling2D',
  GlobalMaxPool1D: 'GlobalMaxPooling1D',
  GlobalMaxPool2D: 'GlobalMaxPooling2D',
  GlobalAvgPool1D: 'GlobalAveragePooling1D',
  GlobalAvgPool2D: 'GlobalAveragePooling2D',
  Convolution1DTranspose: 'Conv1DTranspose',
  Convolution3D: 'Conv3D',
  Convolution3DTranspose: 'Conv3DTranspose',
  SeparableConvolution1D: 'SeparableConv1D',
  MaxPool3D: 'MaxPooling3D',
  AvgPool3D: 'AveragePooling3D',
  GlobalMaxPool3D: 'GlobalMaxPooling3D',
  GlobalAvgPool3D: 'GlobalAveragePooling3D',
};

/** Options every Tessera layer takes (`LayerArgs`). */
const BASE_KEYS: ReadonlySet<string> = new Set([
  'name',
  'trainable',
  'dtype',
  'batchInputShape',
  'inputShape',
  'batchSize',
]);

/** Options a class takes that its config does not repeat. */
const EXTRA_KEYS: Readonly<Record<string, readonly string[]>> = {
  InputLayer: ['shape', 'batchSize', 'batchInputShape'],
};

type Ignorable = (v: Json, config: JsonObject) => boolean;

/**
 * Keras options that Tessera does not have, dropped when their value changes nothing (the
 * predicate); any other value is refused. Keyed by the Keras (snake_case) name.
 */
export const IGNORABLE_KEYS: Readonly<Record<string, Ignorable>> = {
  // Keras 3 quantization and LoRA (Dense, Embedding, …): off.
  quantization_config: (v) => v === null,
  lora_rank: (v) => v === null || v === 0,
  lora_alpha: (v, c) => v === null || !own(c, 'lora_rank'),
  // Input layers: dense, non-ragged, required tensors.
  sparse: (v) => v === false,
  ragged: (v) => v === false,
  optional: (v) => v === false,
  // Mixed precision only.
  autocast: (v) => typeof v === 'boolean',
  // Layers without these options behave as with their Keras default.
  activity_regularizer: (v) => v === null,
  noise_shape: (v) => v === null,
  groups: (v) => v === 1,
  weights: (v) => v === null,
  // Keras 1/2's input declaration on a layer past the first of a Sequential (or in a graph).
  input_dim: () => true,
  // Embedding: Keras 3 ignores it (the input shape carries the length; a Sequential's first
  // Embedding without one gets its input from it).
  input_length: () => true,
  // Recurrent layers: how the loop is computed, not what it computes.
  implementation: (v) => v === null || v === 0 || v === 1 || v === 2,
  use_cudnn: (v) => v === 'auto' || typeof v === 'boolean',
  time_major: (v) => v === false,
  // TF.js Bidirectional.
  num_constants: (v) => v === null || v === 0,
  // BatchNormalization: batch renormalization off; fused kernels and adjustments unused.
  renorm: (v) => v === false,
  renorm_clipping: (v, c) => v === null || own(c, 'renorm') !== true,
  renorm_momentum: (_v, c) => own(c, 'renorm') !== true,
  fused: (v) => v === null || typeof v === 'boolean',
  virtual_batch_size: (v) => v === null,
  adjustment: (v) => v === null,
};

const layerKeyCache = new Map<string, Set<string> | null>();

/**
 * The constructor options a class needs for a minimal instance: its static `probeConfig`
 * (layers with required options declare one beside their className), else none.
 */
function probeConfigOf(className: string): Config {
  const cls = lookupSerializable('layer', className) as { probeConfig?: Config } | undefined;
  return cls?.probeConfig ?? {};
}

/**
 * The config keys of a built-in class (from a probe instance's `getConfig`), or null for
 * custom classes, whose configs pass through with keys converted.
 */
export function knownLayerKeys(className: string): Set<string> | null {
  if (layerKeyCache.has(className)) return layerKeyCache.get(className)!;
  let keys: Set<string> | null = null;
  if (BUILTIN_LAYERS.has(className)) {
    try {
      const probe = deserialize<Layer>('layer', {
        className,
        config: { ...probeConfigOf(className), name: `__probe_${className}` },
      });
      keys = new Set([...Object.keys(probe.getConfig()), ...BASE_KEYS]);
      for (const k of EXTRA_KEYS[className] ?? []) keys.add(k);
    } catch {
      keys = null;
    }
  }
  layerKeyCache.set(className, keys);
  return keys;
}

/** What reading needs from its caller. */
export interface ReadContext {
  /** The config was written by TF.js (GRUs without `reset_after` are then the v1 GRU). */
  tfjs: boolean;
  /**
   * The config was written by TF.js or Keras 1/2, whose `hard_sigmoid` is clip(0.2x + 0.5, 0, 1)
   * (`hardSigmoidKeras2`); absent means Keras 3's, except under `tfjs`.
   */
  keras2Activations?: boolean;
  /** Rebuilds a nested model (injected to keep the modules acyclic). */
  readModel(env: Envelope, where: string, nameOverride: string | null): Model;
}

/** The Tessera class name for a Keras layer envelope; refuses ops and unknown classes. */
export function resolveLayerClass(env: Envelope, where: string): string {
  const mod = env.module ?? '';
  if (/^keras(\.src)?\.ops(\.|$)/.test(mod)) {
    throw new FormatError(
      `${where}: '${env.className}' is a Keras operation (${mod}), not a layer; Tessera can only load models made of layers`,
    );
  }
  if (MODEL_CLASSES.has(env.className)) return env.className;
  const candidates: string[] = [];
  const reg = env.registeredName;
  if (reg && reg !== env.className) {
    candidates.push(reg);
    if (reg.includes('>')) candidates.push(reg.slice(reg.lastIndexOf('>') + 1));
  }
  candidates.push(env.className);
  if (Object.hasOwn(CLASS_ALIASES, env.className)) candidates.push(CLASS_ALIASES[env.className]!);
  // A user's class (outside Keras's modules, or registered under a package) that happens to
  // share a built-in's name is not that built-in: it needs a class registered for it.
  const custom =
    (env.module !== null && !/^keras(\.|$)/.test(env.module)) ||
    (reg !== null && reg !== env.className);
  for (const c of candidates) {
    const cls = lookupSerializable('layer', c);
    if (!cls) continue;
    if (custom && BUILTIN_CLASSES.get(c) === cls) continue;
    return c;
  }
  throw new FormatError(
    `${where}: unknown layer class '${env.className}'${reg && reg !== env.className ? ` (registered name '${reg}')` : ''}. ` +
      `Tessera has no layer registered under that name. A custom layer class must define 'static className = ${JSON.stringify(env.className)}' ` +
      `and be registered with registerSerializable('layer', Cls) before the model is loaded. Known layers: ${registeredNames('layer').join(', ')}.`,
  );
}

/** Options for {@link layerFromKeras}. */
export interface LayerReadOptions {
  /** The name from a functional model's layer entry (it wins over `config.name`). */
  name?: string | null;
  /** Keras options to drop (a Sequential's input layer was made from them). */
  strip?: readonly string[];
}

/** Builds a Tessera layer (or a nested model) from a Keras layer envelope. */
export function layerFromKeras(
  v: Json | undefined,
  where: string,
  ctx: ReadContext,
  opts: LayerReadOptions = {},
): Layer {
  const env = readEnvelope(v, where);
  const className = resolveLayerClass(env, where);
  if (MODEL_CLASSES.has(className)) return ctx.readModel(env, where, opts.name ?? null);
  const nameV = opts.name ?? own(env.config, 'name');
  const label = `${where} (layer ${typeof nameV === 'string' ? `'${nameV}'` : 'without a name'}, ${className})`;
  const config = layerConfigFromKeras(className, env.config, label, ctx, opts);
  try {
    return deserialize<Layer>('layer', { className, config });
  } catch (e) {
    return wrapError(label, e);
  }
}

/** The Tessera config (camelCase) of a Keras layer config of a resolved class. */
export function layerConfigFromKeras(
  className: string,
  kcfg: JsonObject,
  label: string,
  ctx: ReadContext,
  opts: LayerReadOptions = {},
): Config {
  const known = knownLayerKeys(className);
  const out: Config = {};
  for (const k of Object.keys(kcfg)) {
    const v = kcfg[k]!;
    if (opts.strip?.includes(k)) continue;
    const tk = keyFromKeras(className, k);
    if (tk === 'dtype') {
      out.dtype =
        className === 'InputLayer'
          ? inputDtypeFromKeras(v, `${label}.dtype`)
          : dtypeFromKeras(v, `${label}.dtype`);
      continue;
    }
    if (known && !known.has(tk)) {
      const ok = Object.hasOwn(IGNORABLE_KEYS, k) ? IGNORABLE_KEYS[k]! : null;
      if (ok?.(v, kcfg)) continue;
      throw new FormatError(
        `${label}: Keras option '${k}' = ${show(v)} is not supported by Tessera${ok ? ' (only its default value is)' : ''}`,
      );
    }
    const value = known
      ? valueFromKerasForKey(className, tk, v, `${label}.${k}`, ctx)
      : genericFromKeras(v);
    if (value !== undefined) out[tk] = value as ConfigValue;
  }
  if (opts.name) out.name = opts.name;
  // Per-class forms.
  if (className === 'BatchNormalization' && Array.isArray(out.axis)) {
    if (out.axis.length !== 1) {
      throw new FormatError(
        `${label}: axis ${show(out.axis)} is not supported (Tessera's BatchNormalization normalizes one axis)`,
      );
    }
    out.axis = out.axis[0]!;
  }
  if ((className === 'GRU' || className === 'GRUCell') && !('resetAfter' in out)) {
    // TF.js and Keras before TF 2 default to the v1 GRU; Keras 2 under TF 2 and Keras 3 to v3.
    out.resetAfter = !ctx.tfjs;
  }
  if (className === 'InputLayer') {
    for (const s of ['batchShape', 'shape'] as const) {
      if (s in out)
        out[s] = asShape(out[s], `${label}.${s === 'batchShape' ? 'batch_shape' : 'shape'}`);
    }
  }
  return out;
}

/** Converts one option value of a built-in class. */
function valueFromKerasForKey(
  className: string,
  tk: string,
  v: Json,
  where: string,
  ctx: ReadContext,
): unknown {
  const kind: ObjectKind | null = tk.endsWith('Initializer')
    ? 'initializer'
    : tk.endsWith('Regularizer')
      ? 'regularizer'
      : tk.endsWith('Constraint')
        ? 'constraint'
        : null;
  if (kind) return objectFromKeras(kind, v, where);
  if (tk === 'activation' || tk === 'recurrentActivation')
    return activationFromKerasValue(v, where, ctx.tfjs || ctx.keras2Activations === true);
  const nested =
    ((className === 'Bidirectional' || className === 'TimeDistributed') &&
      (tk === 'layer' || tk === 'backwardLayer')) ||
    (className === 'RNN' && tk === 'cell') ||
    (className === 'StackedRNNCells' && tk === 'cells') ||
    (className === 'SpectralNormalization' && tk === 'layer');
  if (nested) {
    if (v === null && tk === 'backwardLayer') return null;
    if (Array.isArray(v)) {
      // A list of cells: RNN wraps it in a StackedRNNCells, as Keras does.
      if (tk === 'cell' || tk === 'cells') {
        return v.map((c, i) => layerFromKeras(c, `${where}[${i}]`, ctx));
      }
      throw new FormatError(`${where}: expected one layer, got a list`);
    }
    if (tk === 'cells') throw new FormatError(`${where}: expected a list of cells, got ${show(v)}`);
    return layerFromKeras(v, where, ctx);
  }
  if (typeof v === 'string') return valueFromKeras(tk, v);
  if (tk === 'batchInputShape' || tk === 'inputShape') return asShape(v, where);
  if (isObject(v)) {
    throw new FormatError(`${where}: unexpected object ${show(v)}`);
  }
  return copyJson(v);
}

/** A custom class's config value: keys camelCased, envelopes turned into `{className, config}`. */
export function genericFromKeras(v: Json): Json {
  if (Array.isArray(v)) return v.map(genericFromKeras);
  if (!isObject(v)) return v;
  const cn = own(v, 'class_name');
  // A named Python function (a Lambda's): its name, for the Lambda registry.
  if (cn === 'function' && typeof own(v, 'config') === 'string') {
    const reg = own(v, 'registered_name');
    return {
      className: 'function',
      config: own(v, 'config')!,
      registeredName: typeof reg === 'string' ? reg : null,
    };
  }
  if (typeof cn === 'string') {
    const env = readEnvelope(v, 'config');
    const cfg = genericFromKeras(env.config) as JsonObject;
    return { className: cn, config: cfg };
  }
  const out = newObject();
  for (const k of Object.keys(v)) out[keyFromKeras('', k)] = genericFromKeras(v[k]!);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Writing

/** What writing needs from its caller. */
export interface WriteContext {
  /** Keras 2 / TF.js schema instead of Keras 3. */
  keras2: boolean;
  /** Writes a nested model (injected to keep the modules acyclic). */
  writeModel(m: Model): JsonObject;
  /** Whether `l` is a model that `writeModel` handles. */
  isModel(l: Layer): boolean;
}

function isSerialized(v: unknown): v is SerializedObject {
  return (
    isObject(v) &&
    typeof own(v, 'className') === 'string' &&
    isObject(own(v, 'config')) &&
    Object.keys(v).length === 2
  );
}

/** A custom class's config value in Keras form (generic key conversion). */
function genericToKeras(v: unknown, keras2: boolean): Json {
  if (Array.isArray(v)) return v.map((x) => genericToKeras(x, keras2));
  if (v === null || typeof v !== 'object') return v as Json;
  if (isSerialized(v)) {
    const kind = (['initializer', 'regularizer', 'constraint'] as const).find((c) =>
      lookupSerializable(c, v.className),
    );
    if (kind) return objectToKeras(kind, v, keras2);
    const cfg = genericToKeras(v.config, keras2) as JsonObject;
    return keras2
      ? { class_name: v.className, config: cfg }
      : { module: 'tessera', class_name: v.className, config: cfg, registered_name: v.className };
  }
  const out = newObject();
  for (const k of Object.keys(v)) out[keyToKeras(k)] = genericToKeras((v as Config)[k], keras2);
  return out;
}

/** The sublayer instances behind a layer's nested configs. */
function nestedInstance(layer: Layer, key: string): Layer | null {
  if (layer instanceof Bidirectional) {
    if (key === 'layer') return layer.forwardLayer;
    if (key === 'backwardLayer') return layer.backwardLayer;
  }
  if (layer instanceof TimeDistributed && key === 'layer') return layer.layer;
  if (layer instanceof RNN && key === 'cell' && layer.className === 'RNN') return layer.cell;
  if (layer.className === 'SpectralNormalization' && key === 'layer')
    return (layer as unknown as { layer: Layer }).layer;
  return null;
}

/** Whether Bidirectional's backward layer is the one it derives from the forward layer. */
function derivedBackward(layer: Bidirectional): boolean {
  const f = layer.forwardLayer.getConfig();
  const b = layer.backwardLayer.getConfig();
  const expected = {
    ...f,
    goBackwards: !f.goBackwards,
    name: `backward_${String(f.name).replace(/^forward_/, '')}`,
  };
  return layer.backwardLayer.className === layer.forwardLayer.className && sameJson(expected, b);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
  return out;
}

/** Keras 2 / TF.js have no such option; dropped when it holds its default. */
const KERAS2_DROP: Readonly<Record<string, (v: unknown) => boolean>> = {
  synchronized: (v) => v === false,
};

/** The Keras config (snake_case) of a Tessera layer. */
export function layerConfigToKeras(layer: Layer, ctx: WriteContext): JsonObject {
  const className = layer.className;
  const cfg = layer.getConfig();
  const out = newObject();
  if (layer instanceof InputLayer) {
    out[ctx.keras2 ? 'batch_input_shape' : 'batch_shape'] = copyJson(layer.batchInputShape as Json);
    out.dtype = layer.inputDType;
    out.sparse = false;
    out.name = layer.name;
    return out;
  }
  const builtin = BUILTIN_LAYERS.has(className);
  for (const k of Object.keys(cfg)) {
    const v = cfg[k]!;
    if (k === 'batchInputShape') {
      if (ctx.keras2) out.batch_input_shape = copyJson(v as Json);
      continue;
    }
    if (k === 'dtype') {
      out.dtype = ctx.keras2 ? (v as Json) : dtypePolicy(String(v));
      continue;
    }
    if (ctx.keras2 && Object.hasOwn(KERAS2_DROP, k) && KERAS2_DROP[k]!(v)) continue;
    const kk = keyToKeras(k);
    if (!builtin) {
      out[kk] = genericToKeras(v, ctx.keras2);
      continue;
    }
    if (layer instanceof StackedRNNCells && k === 'cells') {
      out[kk] = layer.cells.map((c) => layerEnvelope(c, ctx));
      continue;
    }
    const sub = nestedInstance(layer, k);
    if (sub) {
      if (
        ctx.keras2 &&
        k === 'backwardLayer' &&
        layer instanceof Bidirectional &&
        derivedBackward(layer)
      ) {
        continue;
      }
      const env = layerEnvelope(sub, ctx);
      if (ctx.keras2 && k === 'layer' && layer instanceof Bidirectional) {
        // TF.js prefixes the wrapped layer's name itself (forward_…, backward_…).
        const c = env.config as JsonObject;
        c.name = String(c.name).replace(/^forward_/, '');
      }
      out[kk] = env;
      continue;
    }
    if (v === null) {
      out[kk] = null;
    } else if (k.endsWith('Initializer') && isSerialized(v)) {
      out[kk] = objectToKeras('initializer', v, ctx.keras2);
    } else if (k.endsWith('Regularizer') && isSerialized(v)) {
      out[kk] = objectToKeras('regularizer', v, ctx.keras2);
    } else if (k.endsWith('Constraint') && isSerialized(v)) {
      out[kk] = objectToKeras('constraint', v, ctx.keras2);
    } else if (k === 'activation' || k === 'recurrentActivation') {
      out[kk] = activationValueToKeras(v as Json, ctx.keras2, `layer '${layer.name}' ${k}`);
    } else if (typeof v === 'string') {
      out[kk] = valueToKeras(k, v);
    } else {
      out[kk] = genericToKeras(v, ctx.keras2);
    }
  }
  return out;
}

/** The Keras envelope of a layer (or, through the context, of a nested model). */
export function layerEnvelope(layer: Layer, ctx: WriteContext): JsonObject {
  if (ctx.isModel(layer)) return ctx.writeModel(layer as Model);
  const className = layer.className;
  const config = layerConfigToKeras(layer, ctx);
  if (ctx.keras2) return { class_name: className, config };
  const builtin = BUILTIN_LAYERS.has(className);
  const env: JsonObject = {
    module: builtin ? MODULES.layer : 'tessera',
    class_name: className,
    config,
    registered_name: builtin ? null : className,
  };
  if (!(layer instanceof InputLayer) && layer.builtInputShape) {
    const shapes = layer.builtInputShape;
    if (QUERY_VALUE_LAYERS.has(className) && Array.isArray(shapes[0])) {
      // Keras builds these from build(query_shape, value_shape, key_shape).
      const [q, v, k] = shapes as SymbolicShape[];
      env.build_config = {
        shapes_dict: {
          query_shape: copyJson(q as Json),
          value_shape: copyJson(v as Json),
          ...(k ? { key_shape: copyJson(k as Json) } : {}),
        },
      };
    } else env.build_config = { input_shape: copyJson(shapes as Json) };
  }
  return env;
}
