/**
 * Serialized objects inside layer configs, both ways: Keras envelopes
 * (`{module, class_name, config, registered_name}`, or Keras 2's `{class_name, config}`) of
 * initializers, regularizers and constraints, activation names and dtype policies.
 */
import { getActivation } from '../../activations.js';
import { type Constraint, getConstraint } from '../../constraints.js';
import { TesseraError, ValueError } from '../../errors.js';
import { type Initializer, getInitializer } from '../../initializers.js';
import { ensureBuiltins } from '../../models/builtins.js';
import { type Regularizer, getRegularizer } from '../../regularizers.js';
import {
  type Config,
  type SerializedObject,
  deserialize,
  lookupSerializable,
  registeredNames,
} from '../../serialization.js';
import { type DType, isDType } from '../../tensor/dtype.js';
import { FormatError } from '../errors.js';
import {
  type Json,
  type JsonObject,
  copyJson,
  describe,
  isObject,
  newObject,
  own,
  show,
} from './json.js';
import {
  INITIALIZER_CLASS_FROM_KERAS,
  MODULES,
  activationFromKeras,
  activationToKeras,
  keyFromKeras,
  keyToKeras,
  valueFromKeras,
  valueToKeras,
} from './names.js';

/** The parts of a Keras envelope `{module, class_name, config, registered_name, …}`. */
export interface Envelope {
  className: string;
  config: JsonObject;
  module: string | null;
  registeredName: string | null;
  buildConfig: JsonObject | null;
  raw: JsonObject;
}

/** Class names of Keras objects that carry Python code. */
const CODE_CLASSES = new Set(['__lambda__', 'TFOpLambda', 'SlicingOpLambda']);

/**
 * Whether a Lambda layer's config carries Python code: a `__lambda__` function (marshalled
 * bytecode), output shape or mask. A Lambda naming a registered function carries none; it
 * loads when a JavaScript function is registered under that name (`registerLambda`).
 */
function lambdaHoldsCode(config: Json | undefined): boolean {
  if (!isObject(config)) return true;
  // Only a named function: {class_name: 'function', config: 'name'} (Keras 2's bytecode lists
  // and Keras 3's '__lambda__' envelopes are code).
  const fn = own(config, 'function');
  // (A bare string is the registered name Tessera writes.)
  const named =
    typeof fn === 'string' ||
    (isObject(fn) && own(fn, 'class_name') === 'function' && typeof own(fn, 'config') === 'string');
  if (!named) return true;
  return ['output_shape', 'mask'].some((k) => {
    const v = own(config, k);
    return isObject(v) && own(v, 'class_name') === '__lambda__';
  });
}

/** The refusal for objects that hold Python code. */
export function lambdaError(where: string, className: string): FormatError {
  return new FormatError(
    `${where}: '${className}' holds Python code (a Lambda's marshalled bytecode or source), which Tessera never executes, so it cannot be loaded. Replace it with a built-in layer, a custom layer class registered with registerSerializable('layer', Cls), or a Lambda of a named function (registerLambda(name, fn) in Tessera).`,
  );
}

/** Reads an envelope: `class_name` (required), `config` (an object, default `{}`). */
export function readEnvelope(v: Json | undefined, where: string): Envelope {
  if (!isObject(v)) throw new FormatError(`${where} must be an object, got ${describe(v)}`);
  const cn = own(v, 'class_name') ?? own(v, 'className');
  if (typeof cn !== 'string' || cn.length === 0) {
    throw new FormatError(`${where}.class_name must be a non-empty string, got ${describe(cn)}`);
  }
  if (CODE_CLASSES.has(cn) || (cn === 'Lambda' && lambdaHoldsCode(own(v, 'config'))))
    throw lambdaError(where, cn);
  let config = own(v, 'config');
  // Keras 1 and early Keras 2 wrote a Sequential's config as its bare list of layers.
  if (cn === 'Sequential' && Array.isArray(config)) config = { layers: config };
  if (config !== undefined && config !== null && !isObject(config)) {
    throw new FormatError(`${where}.config must be an object, got ${describe(config)}`);
  }
  const module = own(v, 'module');
  if (module !== undefined && module !== null && typeof module !== 'string') {
    throw new FormatError(`${where}.module must be a string, got ${describe(module)}`);
  }
  const reg = own(v, 'registered_name');
  if (reg !== undefined && reg !== null && typeof reg !== 'string') {
    throw new FormatError(`${where}.registered_name must be a string, got ${describe(reg)}`);
  }
  const build = own(v, 'build_config');
  if (build !== undefined && build !== null && !isObject(build)) {
    throw new FormatError(`${where}.build_config must be an object, got ${describe(build)}`);
  }
  return {
    className: cn,
    config: (config as JsonObject | undefined | null) ?? newObject(),
    module: (module as string | undefined | null) ?? null,
    registeredName: (reg as string | undefined | null) ?? null,
    buildConfig: (build as JsonObject | undefined | null) ?? null,
    raw: v,
  };
}

/** Wraps a non-format Tessera error raised while building from a config. */
export function wrapError(where: string, e: unknown): never {
  if (e instanceof FormatError) throw e;
  if (e instanceof TesseraError) throw new FormatError(`${where}: ${e.message}`);
  throw new FormatError(`${where}: ${e instanceof Error ? e.message : String(e)}`);
}

// ---------------------------------------------------------------------------------------------
// Dtypes

/** Dtype policies that Tessera runs as one dtype. */
const POLICY_CLASSES = new Set(['DTypePolicy', 'FloatDTypePolicy', 'Policy']);

/**
 * A layer's dtype from Keras's `dtype`: a string, a `DTypePolicy` envelope (Keras 3) or a
 * Keras 2 `Policy`. Mixed-precision and quantized policies are refused.
 */
export function dtypeFromKeras(v: Json, where: string): DType {
  let name: Json | undefined = v;
  if (isObject(v)) {
    const env = readEnvelope(v, where);
    if (!POLICY_CLASSES.has(env.className)) {
      throw new FormatError(
        `${where}: dtype policy '${env.className}' is not supported (Tessera runs float32, float64 or int32 layers; quantized and mixed-precision policies are not available)`,
      );
    }
    name = own(env.config, 'name');
  }
  if (name === null || name === undefined) return 'float32';
  if (typeof name !== 'string')
    throw new FormatError(`${where} must be a dtype name, got ${describe(name)}`);
  if (isDType(name)) return name;
  throw new FormatError(
    `${where}: dtype '${name}' is not supported (Tessera has float32, float64, int32 and bool; mixed precision is not available)`,
  );
}

/** The dtype of an input layer: Keras's integer types become int32; text stays `'string'`. */
export function inputDtypeFromKeras(v: Json, where: string): DType | 'string' {
  if (typeof v === 'string' && /^u?int(8|16|64)$/.test(v)) return 'int32';
  if (v === 'string') return 'string';
  return dtypeFromKeras(v, where);
}

/** Keras 3's `DTypePolicy` envelope for a dtype. */
export function dtypePolicy(dtype: string): JsonObject {
  return {
    module: 'keras',
    class_name: 'DTypePolicy',
    config: { name: dtype },
    registered_name: null,
  };
}

// ---------------------------------------------------------------------------------------------
// Activations

/**
 * A Tessera activation id from Keras's `activation` (a name or a Keras 3 function envelope).
 * `keras2`: the config was written by TF.js or Keras 1/2, whose `hard_sigmoid` is
 * `hardSigmoidKeras2`.
 */
export function activationFromKerasValue(v: Json, where: string, keras2 = false): string {
  if (v === null) return 'linear';
  let name: Json | undefined = v;
  if (isObject(v)) {
    const cn = own(v, 'class_name');
    if (cn === '__lambda__') throw lambdaError(where, '__lambda__');
    if (cn !== 'function' || typeof own(v, 'config') !== 'string') {
      throw new FormatError(
        `${where}: expected an activation name, got ${show(v)} (custom activation objects cannot be loaded; register a function with registerActivation and name it)`,
      );
    }
    name = own(v, 'config');
  }
  if (typeof name !== 'string') {
    throw new FormatError(`${where} must be an activation name, got ${describe(name)}`);
  }
  const id = activationFromKeras(name, keras2);
  try {
    getActivation(id);
  } catch (e) {
    wrapError(where, e);
  }
  return id;
}

// ---------------------------------------------------------------------------------------------
// Initializers, regularizers, constraints

export type ObjectKind = 'initializer' | 'regularizer' | 'constraint';

/** Keras keys Tessera does not have that are harmless with these values. */
const IGNORABLE_OBJECT_KEYS: Readonly<Record<ObjectKind, Record<string, (v: Json) => boolean>>> = {
  // Keras 3.15's VarianceScaling family: axes for einsum kernels (null: the usual fans).
  initializer: {
    input_axes: (v) => v === null,
    output_axes: (v) => v === null,
    dtype: () => true,
  },
  regularizer: {},
  constraint: {},
};

const knownKeyCache = new Map<string, Set<string>>();

/** Config keys of a Tessera class, read from a default instance's config. */
function knownObjectKeys(kind: ObjectKind, className: string): Set<string> | null {
  const cacheKey = `${kind}:${className}`;
  const hit = knownKeyCache.get(cacheKey);
  if (hit) return hit;
  let keys: Set<string> | null = null;
  try {
    const obj = deserialize<{ getConfig(): Config }>(kind, { className, config: {} });
    keys = new Set(Object.keys(obj.getConfig()));
  } catch {
    keys = null;
  }
  if (keys) knownKeyCache.set(cacheKey, keys);
  return keys;
}

/** Whether `tk` is a parameter the class fixes, and `v` its value (Glorot's `mode`, …). */
function fixedParameter(kind: ObjectKind, className: string, tk: string, v: Json): boolean {
  try {
    const dflt = deserialize<Record<string, unknown>>(kind, { className, config: {} });
    if (!Object.hasOwn(dflt, tk)) return false;
    const want = dflt[tk];
    return typeof v === 'string' ? valueFromKeras(tk, v) === want : v === want;
  } catch {
    return false;
  }
}

function buildObject(kind: ObjectKind, id: string | SerializedObject): unknown {
  if (kind === 'initializer') return getInitializer(id as never);
  if (kind === 'regularizer') return getRegularizer(id as never);
  return getConstraint(id as never);
}

/**
 * A Tessera identifier (`{className, config}` or a string id) from a Keras initializer,
 * regularizer or constraint (an envelope or a name). The result is checked by building it.
 */
export function objectFromKeras(
  kind: ObjectKind,
  v: Json,
  where: string,
): string | SerializedObject | null {
  if (v === null) {
    if (kind === 'initializer') {
      throw new FormatError(`${where}: a null initializer cannot be loaded`);
    }
    return null;
  }
  let out: string | SerializedObject;
  if (typeof v === 'string') {
    out = v;
  } else {
    const env = readEnvelope(v, where);
    let className = env.className;
    if (kind === 'initializer' && Object.hasOwn(INITIALIZER_CLASS_FROM_KERAS, className)) {
      className = INITIALIZER_CLASS_FROM_KERAS[className]!;
    }
    ensureBuiltins(kind);
    if (!lookupSerializable(kind, className)) {
      throw new FormatError(
        `${where}: unknown ${kind} class '${className}'. Known: ${registeredNames(kind).join(', ')}. A custom ${kind} needs 'static className' and registerSerializable('${kind}', Cls).`,
      );
    }
    const known = knownObjectKeys(kind, className);
    const config: Config = {};
    for (const k of Object.keys(env.config)) {
      const tk = keyFromKeras(className, k);
      const val = env.config[k]!;
      if (known && !known.has(tk)) {
        const ok = IGNORABLE_OBJECT_KEYS[kind][k];
        if (ok?.(val)) continue;
        // Keras 2 and TF.js repeat the fixed parameters of GlorotUniform & co.: equal is fine.
        if (fixedParameter(kind, className, tk, val)) continue;
        throw new FormatError(
          `${where} (${className}): Keras option '${k}' = ${show(val)} is not supported by Tessera`,
        );
      }
      config[tk] = typeof val === 'string' ? valueFromKeras(tk, val) : copyJson(val);
    }
    out = { className, config };
  }
  try {
    buildObject(kind, out);
  } catch (e) {
    wrapError(where, e);
  }
  return out;
}

/** Tessera's serialized form of an initializer, regularizer or constraint instance. */
export function serializeObject(o: Initializer | Regularizer | Constraint): SerializedObject {
  return { className: o.className, config: o.getConfig() };
}

/** A Keras config object (snake_case keys, Keras identifier spellings) from a Tessera one. */
export function plainConfigToKeras(config: Config): JsonObject {
  const out = newObject();
  for (const k of Object.keys(config)) {
    const v = config[k]!;
    out[keyToKeras(k)] = typeof v === 'string' ? valueToKeras(k, v) : copyJson(v as Json);
  }
  return out;
}

/**
 * The Keras envelope of a Tessera `{className, config}` of an initializer, regularizer or
 * constraint; Keras 2 (TF.js) form without `module`/`registered_name`. TF.js spells the LeCun
 * initializers differently, so Keras 2 output writes them as the equivalent VarianceScaling.
 */
export function objectToKeras(kind: ObjectKind, s: SerializedObject, keras2: boolean): JsonObject {
  let className = s.className;
  let config = s.config;
  if (keras2 && kind === 'initializer' && /^Lecun(Normal|Uniform)$/.test(className)) {
    config = {
      scale: 1,
      mode: 'fanIn',
      distribution: className === 'LecunNormal' ? 'truncatedNormal' : 'uniform',
      seed: config.seed ?? null,
    };
    className = 'VarianceScaling';
  }
  const cfg = plainConfigToKeras(config);
  if (keras2) return { class_name: className, config: cfg };
  return { module: MODULES[kind], class_name: className, config: cfg, registered_name: null };
}

/**
 * The Keras activation name of a Tessera activation id. Refuses `hardSigmoidKeras2` in a
 * Keras 3 config: Keras 3 has no such function (its `hard_sigmoid` is relu6(x + 3) / 6), and
 * writing another one would silently change the model's outputs.
 */
export function activationValueToKeras(v: Json, keras2: boolean, where = 'activation'): Json {
  if (typeof v !== 'string') return v;
  const name = activationToKeras(v, keras2);
  if (name === null) {
    throw new ValueError(
      `${where}: '${v}' (Keras 2 / TF.js's hard sigmoid, clip(0.2x + 0.5, 0, 1)) has no Keras 3 equivalent (Keras 3's hard_sigmoid is relu6(x + 3) / 6), so a Keras 3 config cannot hold this model without changing its outputs; save it in the TF.js format (saveModel to a model.json path or directory, or modelToTfjs), or rebuild the layer with 'hardSigmoid' or 'sigmoid' and retrain`,
    );
  }
  return name;
}
