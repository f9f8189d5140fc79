/**
 * Spelling rules between Tessera configs (camelCase keys, camelCase identifier values) and
 * Keras configs (snake_case keys and values). Keys follow the generic rule
 * (`useBias` ↔ `use_bias`) except for the few listed in the exception tables; values are
 * converted only for the keys that hold identifiers (activations, data formats, initializer
 * modes), never wholesale as TF.js does.
 */

/** `useBias` → `use_bias`. */
export function camelToSnake(k: string): string {
  return k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** `use_bias` → `useBias`, `beta_1` → `beta1`. */
export function snakeToCamel(k: string): string {
  return k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Tessera keys whose Keras spelling is not the generic snake_case (both directions). */
export const KEY_EXCEPTIONS: Readonly<Record<string, string>> = {
  beta1: 'beta_1',
  beta2: 'beta_2',
};
const KEY_EXCEPTIONS_BACK: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(KEY_EXCEPTIONS).map(([t, k]) => [k, t]),
);

/**
 * Keras keys renamed on reading for one class only: Keras 2's and TF.js's `alpha` of
 * LeakyReLU is Keras 3's `negative_slope`; Keras 2's `batch_input_shape` of InputLayer is
 * Keras 3's `batch_shape`; TF.js's RMSProp calls its `rho` `decay`.
 */
export const CLASS_KEY_RENAMES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  LeakyReLU: { alpha: 'negativeSlope' },
  InputLayer: { batch_input_shape: 'batchShape', input_shape: 'shape' },
  RMSProp: { decay: 'rho' },
};

/** The Keras key for a Tessera key. */
export function keyToKeras(k: string): string {
  return Object.hasOwn(KEY_EXCEPTIONS, k) ? KEY_EXCEPTIONS[k]! : camelToSnake(k);
}

/** The Tessera key for a Keras key of an object of class `className`. */
export function keyFromKeras(className: string, k: string): string {
  const cls = Object.hasOwn(CLASS_KEY_RENAMES, className) ? CLASS_KEY_RENAMES[className]! : null;
  if (cls && Object.hasOwn(cls, k)) return cls[k]!;
  if (Object.hasOwn(KEY_EXCEPTIONS_BACK, k)) return KEY_EXCEPTIONS_BACK[k]!;
  return snakeToCamel(k);
}

/** Tessera activation ids whose Keras name differs (Keras 3). */
const ACTIVATION_TO_KERAS: Readonly<Record<string, string>> = {
  leakyRelu: 'leaky_relu',
  hardSigmoid: 'hard_sigmoid',
};
/** Keras (and TF.js) activation names whose Tessera id differs. */
const ACTIVATION_FROM_KERAS: Readonly<Record<string, string>> = {
  leaky_relu: 'leakyRelu',
  hard_sigmoid: 'hardSigmoid',
  hardSigmoid: 'hardSigmoid',
  swish: 'silu',
  None: 'linear',
};

/**
 * The Keras spelling of a Tessera activation id; `keras2` writes `swish` for silu and
 * `hard_sigmoid` for `hardSigmoidKeras2` (the function Keras 2 and TF.js mean by that name).
 * Keras 3 has no name for `hardSigmoidKeras2`: null then (the caller refuses the layer).
 */
export function activationToKeras(id: string, keras2: boolean): string | null {
  if (keras2 && id === 'silu') return 'swish';
  if (id === 'hardSigmoidKeras2') return keras2 ? 'hard_sigmoid' : null;
  return Object.hasOwn(ACTIVATION_TO_KERAS, id) ? ACTIVATION_TO_KERAS[id]! : id;
}

/**
 * The Tessera id of a Keras activation name. With `keras2` (a TF.js or Keras 1/2 config),
 * `hard_sigmoid` is Keras 2's clip(0.2x + 0.5, 0, 1), not Keras 3's relu6(x + 3) / 6.
 */
export function activationFromKeras(name: string, keras2 = false): string {
  if (keras2 && (name === 'hard_sigmoid' || name === 'hardSigmoid')) return 'hardSigmoidKeras2';
  return Object.hasOwn(ACTIVATION_FROM_KERAS, name) ? ACTIVATION_FROM_KERAS[name]! : name;
}

/**
 * Whether a `keras_version` string names Keras 1 or 2 (`'2.13.1'`, `'2.4.0-tf'`), whose
 * `hard_sigmoid` is clip(0.2x + 0.5, 0, 1). TF.js's `'tfjs-layers …'` is handled separately.
 */
export function isKeras2Version(v: unknown): boolean {
  return typeof v === 'string' && /^[12]\./.test(v);
}

/** Identifier values by Tessera key: Tessera spelling → Keras spelling. */
const VALUES_TO_KERAS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  dataFormat: { channelsLast: 'channels_last', channelsFirst: 'channels_first' },
  mode: { fanIn: 'fan_in', fanOut: 'fan_out', fanAvg: 'fan_avg' },
  distribution: {
    truncatedNormal: 'truncated_normal',
    untruncatedNormal: 'untruncated_normal',
    uniform: 'uniform',
  },
};
/** Identifier values by Tessera key: Keras (or TF.js) spelling → Tessera spelling. */
const VALUES_FROM_KERAS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  dataFormat: {
    channels_last: 'channelsLast',
    channels_first: 'channelsFirst',
    channelsLast: 'channelsLast',
    channelsFirst: 'channelsFirst',
  },
  mode: {
    fan_in: 'fanIn',
    fan_out: 'fanOut',
    fan_avg: 'fanAvg',
    fanIn: 'fanIn',
    fanOut: 'fanOut',
    fanAvg: 'fanAvg',
  },
  distribution: {
    truncated_normal: 'truncatedNormal',
    untruncated_normal: 'untruncatedNormal',
    // Keras 2's (and TF.js's) 'normal' is the truncated normal.
    normal: 'truncatedNormal',
    uniform: 'uniform',
    truncatedNormal: 'truncatedNormal',
    untruncatedNormal: 'untruncatedNormal',
  },
};

/** The Keras spelling of an identifier value held under the Tessera key `key`. */
export function valueToKeras(key: string, v: string): string {
  const t = Object.hasOwn(VALUES_TO_KERAS, key) ? VALUES_TO_KERAS[key]! : null;
  return t && Object.hasOwn(t, v) ? t[v]! : v;
}

/** The Tessera spelling of an identifier value read under the Tessera key `key`. */
export function valueFromKeras(key: string, v: string): string {
  const t = Object.hasOwn(VALUES_FROM_KERAS, key) ? VALUES_FROM_KERAS[key]! : null;
  return t && Object.hasOwn(t, v) ? t[v]! : v;
}

/** Keras initializer class names that Tessera spells differently (TF.js's LeCun*). */
export const INITIALIZER_CLASS_FROM_KERAS: Readonly<Record<string, string>> = {
  LeCunNormal: 'LecunNormal',
  LeCunUniform: 'LecunUniform',
};

/** Keras 3 module of each kind of serialized object. */
export const MODULES = {
  layer: 'keras.layers',
  initializer: 'keras.initializers',
  regularizer: 'keras.regularizers',
  constraint: 'keras.constraints',
  optimizer: 'keras.optimizers',
  schedule: 'keras.optimizers.schedules',
  loss: 'keras.losses',
  metric: 'keras.metrics',
} as const;
