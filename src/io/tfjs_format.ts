import type { Variable } from '../autograd/variable.js';
/**
 * TensorFlow.js `layers-model` format, in bytes only: `model.json` (topology, weights manifest,
 * training config) plus the binary weight shards. {@link encodeTfjsModel} writes what
 * `tf.loadLayersModel` reads; {@link decodeTfjsModel} reads what `LayersModel.save` and the
 * TF.js converter write. File-system and URL handling live elsewhere.
 *
 * Layout (`tfjs-core/src/io/types.ts` `ModelJSON`, `tfjs-layers/src/engine/training.ts`):
 *
 * ```json
 * { "modelTopology": {"class_name": "Sequential", "config": {...}, "keras_version": "...", "backend": "..."},
 *   "format": "layers-model", "generatedBy": "...", "convertedBy": null,
 *   "trainingConfig": {"loss": "...", "metrics": [...], "optimizer_config": {"class_name": "Adam", "config": {...}}},
 *   "weightsManifest": [{"paths": ["group1-shard1of1.bin"],
 *                        "weights": [{"name": "dense/kernel", "shape": [4, 2], "dtype": "float32"}, ...]}] }
 * ```
 *
 * Weight names are TF.js's (see {@link tfjsWeightNames}): `dense/kernel`, `lstm/recurrent_kernel`,
 * `bidirectional/forward_lstm/bias`, `time_distributed/kernel`. Weights are matched BY NAME
 * when loading, never by position.
 */
import { TesseraError, ValueError } from '../errors.js';
import { withAllocationBudget } from '../layers/allocation_budget.js';
import type { Loss } from '../losses/core.js';
import { Model } from '../models/model.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import { FormatError } from './errors.js';
import { modelFromKerasConfig, modelToKeras2Config } from './keras_config.js';
import { scanJson } from './keras_config/json.js';
import { manifestBudget } from './load_budget.js';
import {
  DEFAULT_SHARD_BYTES,
  type LoadWeightsReport,
  type NamedWeight,
  type WeightData,
  type WeightShard,
  type WeightsManifest,
  collectTfjsWeights,
  encodeManifestWeights,
  loadResolvedWeights,
  parseWeightsManifest,
  resolveWeightShards,
  tfjsWeightNames,
} from './weights_manifest.js';

/** Tessera's version, written to `generatedBy`. */
export const TESSERA_VERSION = '0.1.0';

/** The tfjs-layers version whose `modelTopology` schema {@link encodeTfjsModel} writes. */
export const TFJS_SCHEMA_VERSION = '4.22.0';

/** The `format` of Keras-style TF.js models. */
export const TFJS_LAYERS_FORMAT = 'layers-model';

/** A JSON object. */
export type JsonObject = { [key: string]: unknown };

/** TF.js's `TrainingConfig` as `LayersModel.save({includeOptimizer})` writes it. */
export interface TfjsTrainingConfig {
  /** A loss name in snake_case (`mean_squared_error`), one per output, or keyed by output. */
  loss: string | string[] | Record<string, string>;
  metrics?: string[] | Record<string, string>;
  optimizer_config: { class_name: string; config: Record<string, number | boolean> };
  [key: string]: unknown;
}

/** TF.js's `ModelJSON` (the content of `model.json`) for layers models. */
export interface ModelJson {
  /** Keras-2-schema topology: `{class_name, config, keras_version, backend}`. */
  modelTopology: JsonObject;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  trainingConfig?: TfjsTrainingConfig;
  weightsManifest: WeightsManifest;
  userDefinedMetadata?: JsonObject;
  signature?: JsonObject;
  modelInitializer?: JsonObject;
}

/** Options of {@link encodeTfjsModel}. */
export interface EncodeTfjsOptions {
  /**
   * Also save the optimizer's state (slot variables and iteration count, group `'optimizer'`),
   * as `LayersModel.save(..., {includeOptimizer: true})`. Requires a compiled model whose
   * optimizer, loss and metrics TF.js can express; default false.
   */
  includeOptimizer?: boolean;
  /** Largest shard in bytes (default 4 MiB); tensors may straddle shards. */
  shardBytes?: number;
  /** The path of shard `i` (0-based) of `n`; default `group1-shard{i+1}of{n}.bin`. */
  shardPath?: (i: number, n: number) => string;
}

/** What {@link encodeTfjsModel} returns. */
export interface EncodedTfjsModel {
  /** The content of `model.json`; `JSON.stringify` it. */
  modelJson: ModelJson;
  /** The weight files, named as `modelJson.weightsManifest[0].paths`. */
  shards: WeightShard[];
  /** Parts of the training setup TF.js cannot express and that were left out. */
  warnings: string[];
}

/** Options of {@link decodeTfjsModel}. */
export interface DecodeTfjsOptions {
  /**
   * Require that manifest entries and model weights match one to one (default true, as
   * `tf.loadLayersModel`). When false, unmatched entries and unset weights are allowed.
   */
  strict?: boolean;
  /** Receives what was assigned, unmatched or skipped (optimizer state). */
  onReport?: (report: LoadWeightsReport) => void;
}

export type { WeightData, WeightShard, WeightsManifest } from './weights_manifest.js';
export { tfjsWeightNames };

// ---------------------------------------------------------------------------------------------
// Validation

function describe(x: unknown): string {
  if (x === undefined) return 'undefined';
  try {
    const s = JSON.stringify(x);
    return s === undefined ? String(x) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(x);
  }
}

function isObject(x: unknown): x is JsonObject {
  return x !== null && typeof x === 'object' && !Array.isArray(x) && !ArrayBuffer.isView(x);
}

function own(o: JsonObject, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
}

/** Refuses `__proto__` keys anywhere (iteratively, so deep nesting cannot overflow the stack). */
function rejectProtoKeys(root: unknown, where: string): void {
  const stack: [unknown, string][] = [[root, '']];
  let visited = 0;
  while (stack.length > 0) {
    const [x, path] = stack.pop()!;
    if (x === null || typeof x !== 'object') continue;
    if (++visited > 10_000_000) throw new FormatError(`${where}: model.json is too large`);
    if (Array.isArray(x)) {
      for (let i = x.length - 1; i >= 0; i--) stack.push([x[i], `${path}[${i}]`]);
      continue;
    }
    for (const k of Object.keys(x)) {
      if (k === '__proto__')
        throw new FormatError(
          `${where}: model.json has a '__proto__' key at ${path || 'the top level'}; refusing it`,
        );
      stack.push([(x as JsonObject)[k], path ? `${path}.${k}` : k]);
    }
  }
}

/**
 * Validates a parsed `model.json` (or its text / UTF-8 bytes) and returns it typed, with the
 * manifest normalized. The converter's nesting `modelTopology: {model_config, training_config,
 * …}` is unwrapped, its `training_config` becoming `trainingConfig` when that is absent.
 * Throws a {@link FormatError} naming the field for a missing or mistyped field, a graph model
 * (`format: 'graph-model'`), an invalid manifest or a `__proto__` key.
 */
export function parseModelJson(x: unknown, where = 'model.json'): ModelJson {
  // Size, nesting depth and value count are checked before JSON.parse spends anything on them.
  if (x instanceof Uint8Array || typeof x === 'string') scanJson(x, where);
  if (x instanceof Uint8Array) {
    try {
      x = new TextDecoder('utf-8', { fatal: true }).decode(x);
    } catch {
      throw new FormatError(`${where}: not valid UTF-8 text`);
    }
  }
  if (typeof x === 'string') {
    try {
      x = JSON.parse(x);
    } catch (e) {
      throw new FormatError(`${where}: not valid JSON (${(e as Error).message})`);
    }
  }
  if (!isObject(x))
    throw new FormatError(
      `${where}: expected a JSON object with modelTopology and weightsManifest, got ${describe(x)}`,
    );
  rejectProtoKeys(x, where);
  const format = own(x, 'format');
  if (format !== undefined && format !== null) {
    if (format === 'graph-model')
      throw new FormatError(
        `${where}: is a TF.js graph model (format 'graph-model', converted from a SavedModel or frozen graph); only layers models ('layers-model') can be loaded as Tessera models`,
      );
    if (format !== TFJS_LAYERS_FORMAT)
      throw new FormatError(
        `${where}: unknown format ${describe(format)}; expected '${TFJS_LAYERS_FORMAT}'`,
      );
  }
  let topology = own(x, 'modelTopology');
  if (topology === undefined || topology === null)
    throw new FormatError(`${where}: has no modelTopology (the model's architecture)`);
  if (!isObject(topology))
    throw new FormatError(`${where}: modelTopology must be an object, got ${describe(topology)}`);
  let nestedTraining: unknown;
  let nested = own(topology, 'model_config');
  if (typeof nested === 'string') {
    // Keras 2 stores model_config as JSON text; accept that spelling too.
    scanJson(nested, `${where}: modelTopology.model_config`);
    try {
      nested = JSON.parse(nested);
    } catch (e) {
      throw new FormatError(
        `${where}: modelTopology.model_config is not valid JSON (${(e as Error).message})`,
      );
    }
    rejectProtoKeys(nested, where);
  }
  if (nested !== undefined && nested !== null) {
    if (!isObject(nested))
      throw new FormatError(
        `${where}: modelTopology.model_config must be an object, got ${describe(nested)}`,
      );
    nestedTraining = own(topology, 'training_config');
    if (typeof nestedTraining === 'string') {
      scanJson(nestedTraining, `${where}: modelTopology.training_config`);
      try {
        nestedTraining = JSON.parse(nestedTraining);
      } catch (e) {
        throw new FormatError(
          `${where}: modelTopology.training_config is not valid JSON (${(e as Error).message})`,
        );
      }
      rejectProtoKeys(nestedTraining, where);
    }
    const { model_config: _m, training_config: _t, ...rest } = topology;
    topology = {
      ...nested,
      ...Object.fromEntries(
        Object.entries(rest).filter(([k]) => !Object.hasOwn(nested as JsonObject, k)),
      ),
    };
  }
  const t = topology as JsonObject;
  if (own(t, 'node') !== undefined || own(t, 'versions') !== undefined)
    throw new FormatError(
      `${where}: modelTopology is a TensorFlow GraphDef (a graph model), not a Keras model`,
    );
  if (typeof own(t, 'class_name') !== 'string')
    throw new FormatError(
      `${where}: modelTopology has no class_name (e.g. 'Sequential'), got ${describe(own(t, 'class_name'))}`,
    );
  if (!isObject(own(t, 'config')))
    throw new FormatError(
      `${where}: modelTopology.config must be an object, got ${describe(own(t, 'config'))}`,
    );
  const manifest = own(x, 'weightsManifest');
  if (manifest === undefined || manifest === null)
    throw new FormatError(`${where}: has no weightsManifest (the list of weights and their files)`);
  const out: ModelJson = {
    modelTopology: t,
    weightsManifest: parseWeightsManifest(manifest, `${where}: weightsManifest`),
  };
  if (format !== undefined && format !== null) out.format = format as string;
  for (const key of ['generatedBy', 'convertedBy'] as const) {
    const v = own(x, key);
    if (v === undefined) continue;
    if (v !== null && typeof v !== 'string')
      throw new FormatError(`${where}: ${key} must be a string, got ${describe(v)}`);
    if (key === 'generatedBy') {
      if (v !== null) out.generatedBy = v as string;
    } else out.convertedBy = v as string | null;
  }
  let training = own(x, 'trainingConfig');
  if (training === undefined || training === null) training = nestedTraining;
  if (training !== undefined && training !== null) {
    if (!isObject(training))
      throw new FormatError(
        `${where}: trainingConfig must be an object, got ${describe(training)}`,
      );
    out.trainingConfig = training as TfjsTrainingConfig;
  }
  for (const key of ['userDefinedMetadata', 'signature', 'modelInitializer'] as const) {
    const v = own(x, key);
    if (v === undefined || v === null) continue;
    if (!isObject(v))
      throw new FormatError(`${where}: ${key} must be an object, got ${describe(v)}`);
    out[key] = v;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Decoding

/**
 * Rebuilds a model from a TF.js `model.json` and its weight bytes: validates the JSON
 * ({@link parseModelJson}), checks the bytes against the manifest's declared sizes before
 * reading anything, rebuilds the architecture with `modelFromKerasConfig`, then assigns every
 * weight BY NAME (shapes checked, the error naming the layer, the weight and both shapes;
 * unmatched entries and unset weights refused unless `strict: false`). Quantized weights
 * (uint8/uint16 with scale and min, float16) are dequantized as TF.js does. Optimizer state is
 * skipped (reported through `onReport`); the model is returned uncompiled.
 *
 * `weightData` is either all bytes concatenated (the single `weights.bin` of `file://` saves),
 * one Uint8Array per manifest path in order, or a function from path to bytes.
 *
 * @example
 * const model = decodeTfjsModel(JSON.parse(jsonText), weightsBin);
 */
export function decodeTfjsModel(
  modelJson: unknown,
  weightData: WeightData,
  opts: DecodeTfjsOptions = {},
): Model {
  const where = 'decodeTfjsModel';
  const json = parseModelJson(modelJson, `${where}: model.json`);
  const shards = resolveWeightShards(json.weightsManifest, weightData, where);
  let model: unknown;
  try {
    // Wrapped as in model.json, so the reader applies TF.js's defaults (e.g. GRU reset_after).
    // The manifest, checked against the shards above, bounds what the topology may declare.
    const budget = manifestBudget(json.weightsManifest, where, {
      allowUnstored: opts.strict === false,
    });
    model = withAllocationBudget(budget, () =>
      modelFromKerasConfig({ modelTopology: json.modelTopology }),
    );
  } catch (e) {
    if (e instanceof TesseraError) throw e;
    throw new FormatError(
      `${where}: cannot rebuild the model from modelTopology: ${(e as Error)?.message ?? String(e)}`,
    );
  }
  if (!(model instanceof Model))
    throw new FormatError(`${where}: modelTopology did not describe a model`);
  const report = loadResolvedWeights(model, json.weightsManifest, shards, {
    strict: opts.strict ?? true,
    where,
  });
  opts.onReport?.(report);
  return model;
}

// ---------------------------------------------------------------------------------------------
// Encoding: training config and optimizer state

const TFJS_LOSSES: Record<string, string> = {
  MeanSquaredError: 'mean_squared_error',
  MeanAbsoluteError: 'mean_absolute_error',
  MeanAbsolutePercentageError: 'mean_absolute_percentage_error',
  MeanSquaredLogarithmicError: 'mean_squared_logarithmic_error',
  Hinge: 'hinge',
  SquaredHinge: 'squared_hinge',
  CategoricalHinge: 'categorical_hinge',
  LogCosh: 'logcosh',
  BinaryCrossentropy: 'binary_crossentropy',
  CategoricalCrossentropy: 'categorical_crossentropy',
  SparseCategoricalCrossentropy: 'sparse_categorical_crossentropy',
  KLDivergence: 'kullback_leibler_divergence',
  Poisson: 'poisson',
};

/** Loss options TF.js's losses behave as: anything else cannot be expressed. */
const LOSS_DEFAULTS: Record<string, unknown> = {
  fromLogits: false,
  labelSmoothing: 0,
  axis: -1,
  ignoreClass: null,
};

/** Tessera metric ids → TF.js metric names (snake_case; TF.js camel-cases them on load). */
const TFJS_METRICS: Record<string, string> = {
  accuracy: 'accuracy',
  acc: 'accuracy',
  binary_accuracy: 'binary_accuracy',
  binaryaccuracy: 'binary_accuracy',
  categorical_accuracy: 'categorical_accuracy',
  categoricalaccuracy: 'categorical_accuracy',
  precision: 'precision',
  mse: 'mse',
  mean_squared_error: 'mse',
  meansquarederror: 'mse',
  mae: 'mae',
  mean_absolute_error: 'mae',
  meanabsoluteerror: 'mae',
  mape: 'mape',
  mean_absolute_percentage_error: 'mape',
  meanabsolutepercentageerror: 'mape',
};

function lossName(loss: Loss): string {
  const cls = (loss.constructor as { className?: string }).className ?? '?';
  const id = TFJS_LOSSES[cls];
  if (!id) throw new ValueError(`loss ${cls} has no TF.js equivalent`);
  const cfg = loss.getConfig();
  if (cfg.reduction !== 'sum_over_batch_size')
    throw new ValueError(
      `loss ${cls} uses reduction '${String(cfg.reduction)}'; TF.js only averages over the batch`,
    );
  for (const [k, v] of Object.entries(cfg)) {
    if (k === 'name' || k === 'reduction') continue;
    if (!(k in LOSS_DEFAULTS) || LOSS_DEFAULTS[k] !== v)
      throw new ValueError(
        `loss ${cls} has ${k}=${describe(v)}, which TF.js's '${id}' cannot express`,
      );
  }
  return id;
}

function metricName(spec: unknown): string | null {
  const raw =
    typeof spec === 'string'
      ? spec
      : spec && typeof spec === 'object' && typeof (spec as { name?: unknown }).name === 'string'
        ? (spec as { name: string }).name
        : null;
  if (raw === null) return null;
  return (
    TFJS_METRICS[raw.toLowerCase()] ?? TFJS_METRICS[raw.toLowerCase().replace(/_/g, '')] ?? null
  );
}

/** A Tessera optimizer's TF.js config, and how to turn its slots into TF.js's state. */
interface TfjsOptimizerPlan {
  config: { class_name: string; config: Record<string, number | boolean> };
  /** TF.js slot suffixes in TF.js's order, each with a Tessera slot reader; null: no state save. */
  slots: { suffix: string; read: (v: Variable) => Float32Array }[] | null;
}

function optimizerPlan(opt: Optimizer): TfjsOptimizerPlan {
  const cls = (opt.constructor as { className?: string }).className ?? '?';
  const cfg = opt.getConfig();
  for (const k of ['weightDecay', 'clipnorm', 'clipvalue', 'globalClipnorm'] as const) {
    if (cfg[k] !== null && cfg[k] !== undefined)
      throw new ValueError(`optimizer ${cls} sets ${k}, which TF.js optimizers do not support`);
  }
  const lr = opt.currentLearningRate;
  const slot =
    (name: string, scale = 1) =>
    (v: Variable) => {
      const data = opt.getSlot(v, name).dataSync();
      const out = Float32Array.from(data);
      if (scale !== 1) for (let i = 0; i < out.length; i++) out[i] = out[i]! * scale;
      return out;
    };
  const zeros = (v: Variable) => new Float32Array(v.size);
  const num = (k: string) => cfg[k] as number;
  switch (cls) {
    case 'Adam':
      if (cfg.amsgrad) throw new ValueError('optimizer Adam with amsgrad has no TF.js equivalent');
      return {
        config: {
          class_name: 'Adam',
          config: {
            learningRate: lr,
            beta1: num('beta1'),
            beta2: num('beta2'),
            epsilon: num('epsilon'),
          },
        },
        slots: [
          { suffix: 'm', read: slot('momentum') },
          { suffix: 'v', read: slot('velocity') },
        ],
      };
    case 'SGD':
      if (num('momentum') === 0)
        return { config: { class_name: 'SGD', config: { learningRate: lr } }, slots: [] };
      // Keras keeps m = μ·m − lr·g; TF.js keeps a = μ·a + g and steps −lr·a, so a = −m / lr.
      return {
        config: {
          class_name: 'Momentum',
          config: {
            learningRate: lr,
            momentum: num('momentum'),
            useNesterov: cfg.nesterov === true,
          },
        },
        slots: [{ suffix: 'momentum', read: slot('momentum', -1 / lr) }],
      };
    case 'RMSprop': {
      const centered = cfg.centered === true;
      const hasMomentum = num('momentum') > 0;
      const slots = [
        { suffix: 'rms', read: slot('velocity') },
        { suffix: 'momentum', read: hasMomentum ? slot('momentum') : zeros },
      ];
      if (centered) slots.push({ suffix: 'mg', read: slot('averageGradient') });
      return {
        config: {
          class_name: 'RMSProp',
          config: {
            learningRate: lr,
            decay: num('rho'),
            momentum: num('momentum'),
            epsilon: num('epsilon'),
            centered,
          },
        },
        slots,
      };
    }
    case 'Adagrad':
      return {
        config: {
          class_name: 'Adagrad',
          config: { learningRate: lr, initialAccumulatorValue: num('initialAccumulatorValue') },
        },
        slots: [{ suffix: 'accumulator', read: slot('accumulator') }],
      };
    case 'Adadelta':
      return {
        config: {
          class_name: 'Adadelta',
          config: { learningRate: lr, rho: num('rho'), epsilon: num('epsilon') },
        },
        slots: [
          { suffix: 'accum_grad', read: slot('accumulatedGrad') },
          { suffix: 'accum_var', read: slot('accumulatedDeltaVar') },
        ],
      };
    case 'Adamax':
      // TF.js's Adamax cannot save or restore its state (getWeights/setWeights throw).
      return {
        config: {
          class_name: 'Adamax',
          config: {
            learningRate: lr,
            beta1: num('beta1'),
            beta2: num('beta2'),
            epsilon: num('epsilon'),
            decay: 0,
          },
        },
        slots: null,
      };
    default:
      throw new ValueError(`optimizer ${cls} has no TF.js equivalent`);
  }
}

/**
 * The TF.js training config of a compiled model: loss(es), metrics TF.js knows, optimizer.
 * Throws a ValueError naming the part TF.js cannot express (custom or non-default losses, loss
 * weights, optimizers with clipping or weight decay, Nadam, AdamW…). Metrics TF.js lacks are
 * dropped and listed in `dropped`.
 */
export function tfjsTrainingConfig(model: Model): {
  config: TfjsTrainingConfig;
  plan: TfjsOptimizerPlan;
  dropped: string[];
} {
  const st = model.compileInfo;
  if (!st) throw new ValueError(`${model.name} is not compiled`);
  if (st.lossWeights.some((w) => w !== 1))
    throw new ValueError('loss weights other than 1 cannot be loaded by TF.js');
  const losses = st.losses.map(lossName);
  const plan = optimizerPlan(st.optimizer);
  const dropped: string[] = [];
  const perOutput = st.metricSpecs.map((specs) =>
    specs.flatMap((s) => {
      const m = metricName(s);
      if (m === null)
        dropped.push(typeof s === 'string' ? s : ((s as { name?: string }).name ?? String(s)));
      return m === null ? [] : [m];
    }),
  );
  const config: TfjsTrainingConfig = {
    loss: losses.length === 1 ? losses[0]! : losses,
    metrics: perOutput[0] ?? [],
    optimizer_config: plan.config,
  };
  if (perOutput.length > 1 && perOutput.some((m) => m.join() !== perOutput[0]!.join())) {
    // TF.js reads a per-output dict as one metric per output; only a shared list is portable.
    dropped.push(...perOutput.flat());
    config.metrics = [];
  }
  return { config, plan, dropped };
}

function optimizerWeights(model: Model, plan: TfjsOptimizerPlan): NamedWeight[] {
  const opt = model.optimizer!;
  const out: NamedWeight[] = [
    {
      name: 'iter',
      shape: [],
      dtype: 'int32',
      group: 'optimizer',
      values: Int32Array.of(opt.iterations),
    },
  ];
  if (!opt.built || !plan.slots) return out;
  const names = tfjsWeightNames(model);
  const vars = model.trainableWeights;
  for (const s of plan.slots) {
    for (const v of vars) {
      out.push({
        name: `${names.get(v) ?? v.name}/${s.suffix}`,
        shape: [...v.shape],
        dtype: 'float32',
        group: 'optimizer',
        values: s.read(v),
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Encoding

/**
 * Refuses layer options tfjs-layers cannot load, so the failure comes at save time, naming the
 * layer, rather than in `tf.loadLayersModel`: TF.js's GRU is the v1 cell (`reset_after` false).
 */
function checkTopologyForTfjs(topology: JsonObject): void {
  const stack: unknown[] = [topology];
  while (stack.length > 0) {
    const x = stack.pop();
    if (x === null || typeof x !== 'object') continue;
    if (Array.isArray(x)) {
      stack.push(...x);
      continue;
    }
    const o = x as JsonObject;
    const cls = own(o, 'class_name');
    const cfg = own(o, 'config');
    if ((cls === 'GRU' || cls === 'GRUCell') && isObject(cfg) && own(cfg, 'reset_after') === true) {
      throw new ValueError(
        `encodeTfjsModel: layer '${String(own(cfg, 'name'))}' is a GRU with resetAfter true, which TF.js cannot load (its GRU is the resetAfter false variant); build it with resetAfter: false`,
      );
    }
    stack.push(...Object.values(o));
  }
}

/**
 * Warns about Keras 3's `hardSigmoid` (relu6(x + 3) / 6): TF.js's `hard_sigmoid` is Keras 2's
 * clip(0.2x + 0.5, 0, 1), so TF.js computes another function. Tessera's `hardSigmoidKeras2` is
 * TF.js's own and needs no warning; hence the Tessera config is searched, not the topology,
 * where both are spelled `hard_sigmoid`.
 */
function warnKeras3HardSigmoid(model: Model, warnings: string[]): void {
  const stack: unknown[] = [model.getConfig()];
  const layers = new Set<string>();
  while (stack.length > 0) {
    const x = stack.pop();
    if (x === null || typeof x !== 'object') continue;
    if (Array.isArray(x)) {
      stack.push(...x);
      continue;
    }
    const o = x as Record<string, unknown>;
    if (o.activation === 'hardSigmoid' || o.recurrentActivation === 'hardSigmoid')
      layers.add(String(o.name));
    stack.push(...Object.values(o));
  }
  if (layers.size > 0)
    warnings.push(
      `layer(s) ${[...layers].map((n) => `'${n}'`).join(', ')} use Keras 3's hardSigmoid, relu6(x + 3) / 6, which TF.js cannot express: TF.js's hard_sigmoid is Keras 2's clip(0.2x + 0.5, 0, 1), so TF.js's outputs will differ (Tessera reads the file back as hardSigmoidKeras2)`,
    );
}

/**
 * Encodes a model as TF.js's `layers-model`: `modelJson` (topology in the Keras-2 schema
 * TF.js reads, `format`, `generatedBy`, the weights manifest, and `trainingConfig` when the
 * model is compiled with a loss and optimizer TF.js knows) and the weight shards (little-endian
 * float32/int32 values in manifest order, cut every `shardBytes`). Weight names are TF.js's
 * ({@link tfjsWeightNames}). With `includeOptimizer`, the optimizer's iteration count and slots
 * are added as group `'optimizer'` entries in TF.js's names and order (`iter`,
 * `dense/kernel/m`…), and a training setup TF.js cannot express is an error instead of a
 * warning.
 *
 * @example
 * const { modelJson, shards } = encodeTfjsModel(model);
 * // write JSON.stringify(modelJson) to model.json and each shard's data to its path
 */
export function encodeTfjsModel(model: Model, opts: EncodeTfjsOptions = {}): EncodedTfjsModel {
  if (!(model instanceof Model))
    throw new ValueError(`encodeTfjsModel: expected a Model, got ${describe(model)}`);
  if (!model.built)
    throw new ValueError(
      `encodeTfjsModel: model '${model.name}' is not built; give its first layer an input shape or call it once`,
    );
  const warnings: string[] = [];
  const weights = collectTfjsWeights(model);
  let trainingConfig: TfjsTrainingConfig | undefined;
  if (model.compileInfo) {
    try {
      const t = tfjsTrainingConfig(model);
      trainingConfig = t.config;
      if (t.dropped.length > 0)
        warnings.push(`metrics TF.js does not know were left out: ${t.dropped.join(', ')}`);
      if (opts.includeOptimizer) {
        if (!t.plan.slots)
          warnings.push(
            `TF.js cannot restore ${t.plan.config.class_name}'s state; only the iteration count is saved`,
          );
        weights.push(...optimizerWeights(model, t.plan));
      }
    } catch (e) {
      if (!(e instanceof ValueError)) throw e;
      if (opts.includeOptimizer)
        throw new ValueError(`encodeTfjsModel: cannot include the training setup: ${e.message}`);
      warnings.push(`trainingConfig left out: ${e.message}`);
    }
  } else if (opts.includeOptimizer) {
    throw new ValueError(
      `encodeTfjsModel: includeOptimizer needs a compiled model; '${model.name}' is not compiled`,
    );
  }
  // The schema tfjs-layers 4.22 writes and executes; `generatedBy` names Tessera as the writer.
  const topology: JsonObject = {
    ...(modelToKeras2Config(model) as JsonObject),
    keras_version: `tfjs-layers ${TFJS_SCHEMA_VERSION}`,
    backend: 'tensor_flow.js',
  };
  checkTopologyForTfjs(topology);
  warnKeras3HardSigmoid(model, warnings);
  const { group, shards } = encodeManifestWeights(weights, {
    shardBytes: opts.shardBytes ?? DEFAULT_SHARD_BYTES,
    ...(opts.shardPath ? { shardPath: opts.shardPath } : {}),
  });
  const modelJson: ModelJson = {
    modelTopology: topology,
    format: TFJS_LAYERS_FORMAT,
    generatedBy: `Tessera ${TESSERA_VERSION}`,
    convertedBy: null,
    weightsManifest: [group],
  };
  if (trainingConfig) {
    // TF.js's key order: topology, format, generatedBy, convertedBy, trainingConfig, manifest.
    const { weightsManifest, ...head } = modelJson;
    return { modelJson: { ...head, trainingConfig, weightsManifest }, shards, warnings };
  }
  return { modelJson, shards, warnings };
}
