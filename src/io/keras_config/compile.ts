/**
 * Training setups, both ways: a compiled model's `compile_config` (Keras 3 `.keras`), and
 * `model.compile` arguments from a Keras 3 `compile_config`, a Keras 2 `training_config` or a
 * TF.js `trainingConfig`.
 */
import { type Loss, canonicalLossId, getLoss, lossFunctionId } from '../../losses.js';
import { Metric, canonicalMetricId } from '../../metrics.js';
import { ensureBuiltins } from '../../models/builtins.js';
import type { Model } from '../../models/model.js';
import type { CompileArgs } from '../../models/trainer.js';
import { type Optimizer, getOptimizer } from '../../optimizers/index.js';
import { LossScaleOptimizer } from '../../optimizers/loss_scale_optimizer.js';
import {
  type Config,
  type SerializedObject,
  deserialize,
  lookupSerializable,
  registeredNames,
  serialize,
} from '../../serialization.js';
import { FormatError } from '../errors.js';
import {
  type Json,
  type JsonObject,
  copyJson,
  describe,
  isObject,
  newObject,
  own,
  parseChecked,
  show,
} from './json.js';
import { MODULES, camelToSnake, keyFromKeras, keyToKeras, snakeToCamel } from './names.js';
import { plainConfigToKeras, readEnvelope, wrapError } from './objects.js';

// ---------------------------------------------------------------------------------------------
// Writing

/** Keras 3's spelling of loss ids whose snake_case form it does not know. */
const LOSS_ID_TO_KERAS: Readonly<Record<string, string>> = {
  kullbackLeiblerDivergence: 'kl_divergence',
};

function lossIdToKeras(id: string): string {
  return Object.hasOwn(LOSS_ID_TO_KERAS, id) ? LOSS_ID_TO_KERAS[id]! : camelToSnake(id);
}

function envelope(kind: keyof typeof MODULES, s: SerializedObject): JsonObject {
  return {
    module: MODULES[kind],
    class_name: s.className,
    config: plainConfigToKeras(s.config),
    registered_name: null,
  };
}

function sameConfig(a: Config, b: Config): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A loss as Keras names it: its id when it has default options, else its envelope. */
function lossToKeras(loss: Loss): Json {
  const s = serialize(loss);
  const id = canonicalLossId(s.className);
  if (id) {
    const dflt = getLoss(id);
    if (sameConfig(dflt.getConfig(), s.config)) return lossIdToKeras(id);
  }
  if (s.className === 'LossFunctionWrapper' && typeof s.config.fn === 'string') {
    if (s.config.reduction === 'sum_over_batch_size') return lossIdToKeras(s.config.fn);
  }
  return envelope('loss', s);
}

/** A metric as Keras names it. */
function metricToKeras(m: unknown): Json {
  if (typeof m === 'string') {
    // Keras's own spellings ('accuracy', 'acc', 'mae', 'sparse_categorical_accuracy') stay.
    if (/^[a-z0-9_]+$/.test(m)) return m;
    const mid = canonicalMetricId(m);
    if (mid) return camelToSnake(mid);
    const lid = canonicalLossId(m);
    if (lid) return lossIdToKeras(lid);
    return m;
  }
  if (m instanceof Metric) return envelope('metric', serialize(m));
  if (typeof m === 'function') {
    const id = lossFunctionId(m);
    if (id) return lossIdToKeras(id);
  }
  throw new FormatError(
    `compile_config: metric ${typeof m === 'function' ? `function '${m.name || '<anonymous>'}'` : show(m)} cannot be saved; use a metric id or a registered Metric class`,
  );
}

/** Optimizer keys whose Keras spelling is not the generic snake_case (Adafactor's). */
const OPTIMIZER_KEYS_TO_KERAS: Readonly<Record<string, string>> = {
  epsilon1: 'epsilon_1',
  epsilon2: 'epsilon_2',
  beta2Decay: 'beta_2_decay',
};

/** Base optimizer options that an optimizer's config lists only when they are set. */
const OPTIONAL_OPTIMIZER_KEYS = new Set([
  'useEma',
  'emaMomentum',
  'emaOverwriteFrequency',
  'gradientAccumulationSteps',
]);

function optimizerToKeras(opt: Optimizer): JsonObject {
  if (opt instanceof LossScaleOptimizer) {
    // The inner optimizer is an envelope of its own, as Keras nests it.
    const config = newObject();
    config.name = opt.name;
    config.inner_optimizer = optimizerToKeras(opt.innerOptimizer);
    config.initial_scale = opt.initialScale;
    config.dynamic_growth_steps = opt.dynamicGrowthSteps;
    return {
      module: MODULES.optimizer,
      class_name: LossScaleOptimizer.className,
      config,
      registered_name: null,
    };
  }
  const s = serialize(opt);
  const config = newObject();
  for (const k of Object.keys(s.config)) {
    const v = s.config[k]!;
    const kk = Object.hasOwn(OPTIMIZER_KEYS_TO_KERAS, k)
      ? OPTIMIZER_KEYS_TO_KERAS[k]!
      : keyToKeras(k);
    if (k === 'learningRate' && isObject(v)) {
      config[kk] = envelope('schedule', v as unknown as SerializedObject);
    } else {
      config[kk] = copyJson(v as Json);
    }
  }
  return { module: MODULES.optimizer, class_name: s.className, config, registered_name: null };
}

/**
 * The Keras 3 `compile_config` of a compiled model: the optimizer's envelope, losses and
 * metrics by Keras id (or envelope), `loss_weights`, and Keras's other compile arguments at
 * their defaults. Multi-output models key losses, metrics and weights by output name.
 */
export function compileConfigToKeras(model: Model): JsonObject {
  const st = model.compileInfo;
  if (!st) throw new FormatError(`compile_config: '${model.name}' is not compiled`);
  const names = model.outputNames;
  const multi = model.isMultiOutput || st.losses.length > 1;
  const byOutput = <T>(xs: readonly T[], f: (x: T) => Json): Json => {
    if (!multi) return f(xs[0]!);
    const o = newObject();
    xs.forEach((x, i) => {
      o[names[i] ?? `output_${i}`] = f(x);
    });
    return o;
  };
  const loss = byOutput(st.losses, lossToKeras);
  const allEmpty = st.metricSpecs.every((m) => m.length === 0);
  const metrics = allEmpty ? null : byOutput(st.metricSpecs, (ms) => ms.map(metricToKeras));
  const unitWeights = st.lossWeights.every((w) => w === 1);
  const lossWeights = unitWeights
    ? null
    : multi
      ? byOutput(st.lossWeights, (w) => w)
      : [st.lossWeights[0]!];
  return {
    optimizer: optimizerToKeras(st.optimizer),
    loss,
    loss_weights: lossWeights,
    metrics,
    weighted_metrics: null,
    run_eagerly: false,
    steps_per_execution: 1,
    jit_compile: false,
  };
}

// ---------------------------------------------------------------------------------------------
// Reading

/** Keras optimizer options Tessera lacks, dropped when harmless. */
const IGNORABLE_OPTIMIZER_KEYS: Readonly<Record<string, (v: Json, c: JsonObject) => boolean>> = {
  use_ema: (v) => v === false || v === null,
  ema_momentum: (_v, c) => own(c, 'use_ema') !== true,
  ema_overwrite_frequency: (_v, c) => own(c, 'use_ema') !== true,
  loss_scale_factor: (v) => v === null || v === 1,
  gradient_accumulation_steps: (v) => v === null || v === 1,
  is_legacy_optimizer: (v) => v === false,
  jit_compile: () => true,
  // Keras 2's (and TF.js's) learning-rate decay.
  decay: (v) => v === 0 || v === null,
};

const optimizerKeyCache = new Map<string, Set<string>>();

function optimizerKeys(className: string): Set<string> {
  const hit = optimizerKeyCache.get(className);
  if (hit) return hit;
  const keys = new Set(Object.keys(getOptimizer({ className, config: {} }).getConfig()));
  optimizerKeyCache.set(className, keys);
  return keys;
}

function scheduleFromKeras(v: Json, where: string): SerializedObject {
  const env = readEnvelope(v, where);
  ensureBuiltins('schedule');
  if (!lookupSerializable('schedule', env.className)) {
    throw new FormatError(
      `${where}: unknown learning-rate schedule '${env.className}'. Known: ${registeredNames('schedule').join(', ')}`,
    );
  }
  const config: Config = {};
  for (const k of Object.keys(env.config)) config[snakeToCamel(k)] = copyJson(env.config[k]!);
  return { className: env.className, config };
}

function optimizerFromKeras(v: Json, where: string): string | SerializedObject {
  if (typeof v === 'string') {
    try {
      getOptimizer(v as never);
    } catch (e) {
      wrapError(where, e);
    }
    return v;
  }
  const env = readEnvelope(v, where);
  const className = registeredNames('optimizer').find(
    (n) => n.toLowerCase() === env.className.toLowerCase(),
  );
  if (!className) {
    throw new FormatError(
      `${where}: unknown optimizer '${env.className}'. Known: ${registeredNames('optimizer').join(', ')}`,
    );
  }
  if (className === LossScaleOptimizer.className) return lossScaleFromKeras(env.config, where);
  const known = optimizerKeys(className);
  const config: Config = {};
  for (const k of Object.keys(env.config)) {
    const val = env.config[k]!;
    let tk = keyFromKeras(env.className, k);
    if (tk === 'lr') tk = 'learningRate';
    if (!known.has(tk)) {
      const ok = Object.hasOwn(IGNORABLE_OPTIMIZER_KEYS, k) ? IGNORABLE_OPTIMIZER_KEYS[k]! : null;
      if (ok?.(val, env.config)) continue;
      if (!OPTIONAL_OPTIMIZER_KEYS.has(tk))
        throw new FormatError(
          `${where} (${env.className}): Keras option '${k}' = ${show(val)} is not supported by Tessera`,
        );
    }
    config[tk] =
      tk === 'learningRate' && isObject(val)
        ? (scheduleFromKeras(val, `${where}.config.${k}`) as unknown as Config)
        : copyJson(val);
  }
  const out: SerializedObject = { className, config };
  try {
    getOptimizer(out);
  } catch (e) {
    wrapError(where, e);
  }
  return out;
}

/** LossScaleOptimizer's config: its inner optimizer is an envelope read like any optimizer. */
function lossScaleFromKeras(c: JsonObject, where: string): SerializedObject {
  const config: Config = {};
  for (const k of Object.keys(c)) {
    if (k === 'inner_optimizer') {
      const inner = optimizerFromKeras(c[k]!, `${where}.config.inner_optimizer`);
      config.innerOptimizer = (typeof inner === 'string'
        ? serialize(getOptimizer(inner as never))
        : inner) as unknown as Config;
    } else {
      config[snakeToCamel(k)] = copyJson(c[k]!);
    }
  }
  const out: SerializedObject = { className: LossScaleOptimizer.className, config };
  try {
    getOptimizer(out);
  } catch (e) {
    wrapError(where, e);
  }
  return out;
}

type Kind = 'loss' | 'metric';

/** Keras loss and metric options Tessera lacks, dropped when harmless. */
const IGNORABLE_LOSS_KEYS: Readonly<Record<string, (v: Json) => boolean>> = {
  dtype: (v) => v === null || v === 'float32',
};

function objectFromKeras(kind: Kind, v: Json, where: string): string | SerializedObject {
  if (typeof v === 'string') {
    const ok =
      kind === 'loss'
        ? canonicalLossId(v) !== undefined
        : v.toLowerCase() === 'accuracy' ||
          v.toLowerCase() === 'acc' ||
          canonicalMetricId(v) !== undefined ||
          canonicalLossId(v) !== undefined;
    if (!ok) {
      throw new FormatError(`${where}: unknown ${kind} '${v}'`);
    }
    return v;
  }
  const env = readEnvelope(v, where);
  ensureBuiltins(kind);
  if (!lookupSerializable(kind, env.className)) {
    throw new FormatError(
      `${where}: unknown ${kind} class '${env.className}'. Known: ${registeredNames(kind).join(', ')}. A custom ${kind} needs 'static className' and registerSerializable('${kind}', Cls).`,
    );
  }
  let known: Set<string> | null = null;
  try {
    const probe = deserialize<{ getConfig(): Config }>(kind, {
      className: env.className,
      config: {},
    });
    known = new Set(Object.keys(probe.getConfig()));
  } catch {
    known = null;
  }
  const config: Config = {};
  for (const k of Object.keys(env.config)) {
    const val = env.config[k]!;
    const tk = snakeToCamel(k);
    if (known && !known.has(tk)) {
      const ok = Object.hasOwn(IGNORABLE_LOSS_KEYS, k) ? IGNORABLE_LOSS_KEYS[k]! : null;
      if (ok?.(val)) continue;
      throw new FormatError(
        `${where} (${env.className}): Keras option '${k}' = ${show(val)} is not supported by Tessera`,
      );
    }
    config[tk] = copyJson(val);
  }
  return { className: env.className, config };
}

type PerOutput<T> = T | T[] | Record<string, T>;

function perOutput<T>(v: Json, where: string, one: (x: Json, w: string) => T): PerOutput<T> {
  if (isObject(v) && own(v, 'class_name') === undefined) {
    const out: Record<string, T> = {};
    for (const k of Object.keys(v)) out[k] = one(v[k]!, `${where}.${k}`);
    return out;
  }
  if (Array.isArray(v)) return v.map((x, i) => one(x, `${where}[${i}]`));
  return one(v, where);
}

/** A built metric from a Keras metric envelope (compile takes metric objects, not configs). */
function metricSpec(v: Json, where: string): string | Metric {
  const m = objectFromKeras('metric', v, where);
  if (typeof m === 'string') return m;
  try {
    return deserialize<Metric>('metric', m);
  } catch (e) {
    return wrapError(where, e);
  }
}

/**
 * `model.compile` arguments from a Keras 3 `compile_config` (or a whole `config.json`), a Keras 2
 * `training_config` or a TF.js `trainingConfig` (`optimizer_config`). The optimizer and losses
 * come back serialized (`{className, config}` or an id), metrics as ids or Metric objects.
 * Returns null when the config holds no training setup (Keras writes `{}` for uncompiled
 * models). Options Tessera cannot honour are refused with a {@link FormatError}.
 *
 * @example
 * const args = compileArgsFromKeras(configJson);
 * if (args) model.compile(args);
 */
export function compileArgsFromKeras(json: unknown): CompileArgs | null {
  const where = 'compileArgsFromKeras';
  const root = parseChecked(json, where);
  if (root === null) return null;
  if (!isObject(root)) throw new FormatError(`${where}: expected an object, got ${describe(root)}`);
  let c: JsonObject = root;
  let path = where;
  for (const key of ['compile_config', 'training_config', 'trainingConfig']) {
    if (own(c, key) !== undefined) {
      const inner = own(c, key)!;
      if (inner === null) return null;
      if (!isObject(inner))
        throw new FormatError(`${where}.${key} must be an object, got ${describe(inner)}`);
      c = inner;
      path = `${where}.${key}`;
      break;
    }
  }
  const optV = own(c, 'optimizer') ?? own(c, 'optimizer_config');
  const lossV = own(c, 'loss');
  if (optV === undefined && lossV === undefined) return null;
  if (lossV === undefined || lossV === null) return null;
  const optimizer =
    optV === undefined || optV === null
      ? 'rmsprop'
      : optimizerFromKeras(
          optV,
          `${path}.${own(c, 'optimizer') !== undefined ? 'optimizer' : 'optimizer_config'}`,
        );
  const loss = perOutput(lossV, `${path}.loss`, (x, w) => objectFromKeras('loss', x, w));
  // Build the losses now, so that a bad one is reported as a format error.
  const check = (l: string | SerializedObject, w: string) => {
    try {
      getLoss(l as never);
    } catch (e) {
      wrapError(w, e);
    }
  };
  if (typeof loss === 'string' || 'className' in (loss as object)) {
    check(loss as string | SerializedObject, `${path}.loss`);
  } else {
    for (const [k, l] of Object.entries(loss as Record<string, string | SerializedObject>))
      check(l, `${path}.loss.${k}`);
  }
  const args: CompileArgs = {
    optimizer: optimizer as CompileArgs['optimizer'],
    loss: loss as CompileArgs['loss'],
  };
  const metricsV = own(c, 'metrics');
  if (metricsV !== undefined && metricsV !== null) {
    args.metrics = perOutput(metricsV, `${path}.metrics`, (x, w) =>
      Array.isArray(x) ? x.map((y, i) => metricSpec(y, `${w}[${i}]`)) : metricSpec(x, w),
    ) as CompileArgs['metrics'];
  }
  const lw = own(c, 'loss_weights');
  if (lw !== undefined && lw !== null) {
    if (typeof lw === 'number') {
      args.lossWeights = [lw];
    } else {
      const weights = perOutput(lw, `${path}.loss_weights`, (x, w) => {
        if (typeof x !== 'number')
          throw new FormatError(`${w} must be a number, got ${describe(x)}`);
        return x;
      });
      args.lossWeights = weights as CompileArgs['lossWeights'];
    }
  }
  const wm = own(c, 'weighted_metrics');
  if (wm !== undefined && wm !== null && !(Array.isArray(wm) && wm.length === 0)) {
    throw new FormatError(
      `${path}.weighted_metrics = ${show(wm)} is not supported (Tessera's metrics ignore sample weights)`,
    );
  }
  return args;
}
