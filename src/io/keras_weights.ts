/**
 * Keras weight files: the Keras 3 variable store (`model.weights.h5`, alone or inside a
 * `.keras` archive) and the legacy Keras HDF5 format (`.h5`).
 *
 * Keras 3 layout (`keras/src/saving/saving_lib.py`): every saveable object gets a group at its
 * attribute path, and its own variables go into `<path>/vars` as datasets `0, 1, …`
 * (trainable first), the `vars` group carrying the object's name as attribute `name`. The
 * model's own variables are `/vars`. A Sequential or functional model lists its layers under
 * `layers/`, each keyed by its snake_case class name made unique in list order (`dense`,
 * `dense_1`, …), not by its user name. Sublayers nest by attribute (`cell`, `forward_layer`,
 * `backward_layer`, `layer`: {@link Layer.savedChildren}). Shared layers are saved once, at
 * their first path. The optimizer's variables are `optimizer/vars/<i>`.
 *
 * Optimizer variables. Keras stores `iterations` (int64), then `learning_rate` (float32, only
 * when it is a number, not a schedule), then the slot variables in creation order; Nadam adds
 * its momentum-schedule product `u_product` last. Keras creates slots through
 * `add_optimizer_variables(vars, [kinds…])`, which interleaves kinds created together per
 * variable (Adam: m₀ v₀ m₁ v₁ …, then all v̂ with AMSGrad), while Tessera's
 * `Optimizer.getWeights()` is the step count and then slots kind by kind (m₀ m₁ … v₀ v₁ …).
 * {@link kerasSlotOrder} maps one to the other.
 *
 * Legacy `.h5` (`keras/src/legacy/saving/legacy_h5_format.py`): root attributes
 * `model_config`, `training_config` (JSON), `keras_version`, `backend`; group `/model_weights`
 * (or the root, for weights-only files) with attribute `layer_names`; each layer group has
 * attribute `weight_names`, and each weight is the dataset `<layer>/<weight name>`.
 */
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import type { AllocationBudget } from '../layers/allocation_budget.js';
import type { Layer, LayerVariable } from '../layers/layer.js';
import { toSnakeCase } from '../layers/layer.js';
import { Model } from '../models/model.js';
import { scalar, tensor } from '../ops/creation.js';
import { LossScaleOptimizer } from '../optimizers/loss_scale_optimizer.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import type { Tensor } from '../tensor/tensor.js';
import { FormatError } from './errors.js';
import { type H5Array, type H5ReadOptions, type H5Reader, createH5, isHdf5, openH5 } from './h5.js';
import { scanJson } from './keras_config/json.js';
import { h5Budget } from './load_budget.js';
import { readZip } from './zip.js';

// ---------------------------------------------------------------------------------------------
// Public types

/** Options of {@link writeKerasWeights}. */
export interface WriteKerasWeightsOptions {
  /** Also store the optimizer's variables under `optimizer/vars` (default false). */
  includeOptimizer?: boolean;
}

/** Options of {@link readKerasWeights}. */
export interface ReadKerasWeightsOptions {
  /**
   * Load the optimizer's state when the file has it and the model is compiled (default true,
   * as Keras does); `false` ignores it. The report says whether it was loaded.
   */
  includeOptimizer?: boolean;
  /**
   * Skip layers whose variables do not match (count or shapes) or are missing, and report
   * them, instead of throwing (Keras's `skip_mismatch`). Default false.
   */
  skipMismatch?: boolean;
  /**
   * Match the model's top-level layers to the file's groups by layer name (the `name`
   * attribute Keras writes on each `vars` group) instead of by position. Layers the file does
   * not have are left unchanged and reported. Default false.
   */
  byName?: boolean;
  /** Limits and isolation of the HDF5 parse. */
  h5?: H5ReadOptions;
}

/** What {@link readKerasWeights} / {@link loadLegacyWeights} did. */
export interface LoadReport {
  /** Variables assigned. */
  loaded: number;
  /** Layers (and sublayers) whose variables were assigned. */
  layersLoaded: number;
  /** Layers not loaded because their variables did not match, with the reason. */
  skipped: { layer: string; path: string; reason: string }[];
  /** Model layers with weights that the file has no entry for (by-name loading). */
  unmatchedLayers: string[];
  /** File entries (groups or layer names) that no layer of the model used. */
  unusedEntries: string[];
  /** Whether optimizer state was loaded. */
  optimizer: 'loaded' | 'absent' | 'ignored';
}

/** One layer of a legacy `.h5` file. */
export interface LegacyLayerWeights {
  layerName: string;
  weightNames: string[];
  values: Tensor[];
}

/** The contents of a legacy Keras `.h5` file. */
export interface LegacyH5 {
  /** `model_config` parsed from JSON, or null when the file holds weights only. */
  modelConfig: unknown | null;
  /** `training_config` parsed from JSON, or null. */
  trainingConfig: unknown | null;
  kerasVersion?: string;
  backend?: string;
  /** Layers in `layer_names` order, with their weights in `weight_names` order. */
  weights: LegacyLayerWeights[];
}

/** Options of {@link loadLegacyWeights}. */
export interface LoadLegacyOptions {
  /** Match layers by name instead of by order (Keras `by_name=True`). Default false. */
  byName?: boolean;
  /** Skip layers whose weights do not match and report them instead of throwing. */
  skipMismatch?: boolean;
}

/** Options of {@link writeLegacyH5}. */
export interface WriteLegacyOptions {
  /** Stored as JSON in the root attribute `model_config` (a Keras config, when available). */
  modelConfig?: unknown;
  /** Stored as JSON in the root attribute `training_config`. */
  trainingConfig?: unknown;
  /** The `keras_version` attribute (default `'tessera'`). */
  kerasVersion?: string;
  /** The `backend` attribute (default `'tessera'`). */
  backend?: string;
}

// ---------------------------------------------------------------------------------------------
// The saveable structure of a model, as Keras walks it

/** One saveable object: a layer (or the model) and its Keras path (`''` for the model). */
export interface KerasSaveable {
  layer: Layer;
  path: string;
}

/**
 * The layers of a model in the order Keras saves them, each with its path in the weight file:
 * the model itself (`''`), then its layers under `layers/<snake_case class name, made
 * unique>`, each followed by its sublayers (`cell`, `forward_layer`…). A layer reached twice
 * (shared) keeps its first path.
 * @example kerasSaveables(model).map((s) => s.path) // ['', 'layers/dense', 'layers/dense_1']
 */
export function kerasSaveables(model: Layer): KerasSaveable[] {
  const out: KerasSaveable[] = [];
  const seen = new Set<Layer>();
  const visit = (layer: Layer, path: string) => {
    if (seen.has(layer)) return;
    seen.add(layer);
    out.push({ layer, path });
    const join = (k: string) => (path ? `${path}/${k}` : k);
    const children = layer.savedChildren();
    if (layer instanceof Model && Object.keys(children).length === 0) {
      for (const [key, l] of containerKeys(layer.layers)) visit(l, join(`layers/${key}`));
    }
    // Keras visits attributes sorted by name, private ones (leading `_`) last.
    const order = (k: string) => (k.startsWith('_') ? `~${k}` : k);
    const keys = Object.keys(children).sort((a, b) => (order(a) < order(b) ? -1 : 1));
    for (const k of keys) visit(children[k]!, join(k));
  };
  visit(model, '');
  return out;
}

/** Keras's keys for a list of layers: snake_case class names, `_1`, `_2`… on repeats. */
function containerKeys(layers: readonly Layer[]): [string, Layer][] {
  const used = new Map<string, number>();
  return layers.map((l) => {
    // A class whose Keras (Python) class name differs from its registered one says so.
    let key =
      (l.constructor as { kerasSnakeName?: string }).kerasSnakeName ?? toSnakeCase(l.className);
    const n = used.get(key);
    if (n === undefined) used.set(key, 0);
    else {
      used.set(key, n + 1);
      key = `${key}_${n + 1}`;
    }
    return [key, l];
  });
}

/**
 * A layer's own variables in Keras's saved order: declared-trainable first, then the others,
 * each in creation order (a frozen layer keeps the same order, as in Keras).
 */
function savedVariables(layer: Layer): LayerVariable[] {
  const own = layer.ownVariables;
  return [...own.filter((w) => w.declaredTrainable), ...own.filter((w) => !w.declaredTrainable)];
}

const varsPath = (path: string) => (path ? `${path}/vars` : 'vars');

/**
 * The name Keras gives a layer: Tessera prefixes sublayers with their parent's name
 * (`lstm/lstm_cell`), Keras does not (`lstm_cell`).
 */
function kerasName(layer: Layer): string {
  return layer.name.slice(layer.name.lastIndexOf('/') + 1);
}

function describeLayer(layer: Layer): string {
  return `layer '${layer.name}' (${layer.className})`;
}

// ---------------------------------------------------------------------------------------------
// Optimizer variables ↔ Keras

/**
 * Slot kinds that Keras creates together in one `add_optimizer_variables` call, interleaved
 * per variable (keras/src/optimizers/*.py `build`). Kinds not listed form groups of their own,
 * in Tessera's order.
 */
const KERAS_SLOT_GROUPS: Record<string, string[][]> = {
  Adam: [['momentum', 'velocity']],
  AdamW: [['momentum', 'velocity']],
  Adamax: [['momentum', 'norm']],
  Adadelta: [['accumulatedGrad', 'accumulatedDeltaVar']],
  Nadam: [['momentum', 'velocity']],
  Ftrl: [['accumulator', 'linear']],
  Lamb: [['momentum', 'velocity']],
  Adafactor: [['r', 'c', 'velocity']],
};

/**
 * For each position of Keras's slot variables, the index of the same slot in Tessera's
 * `getWeights()` (which starts with the step count, so slot indices start at 1).
 * @example // Adam on [w, b]: Keras m_w v_w m_b v_b ↔ Tessera [steps, m_w, m_b, v_w, v_b]
 * kerasSlotOrder(adam) // [1, 3, 2, 4]
 */
export function kerasSlotOrder(opt: Optimizer): number[] {
  const names = opt.getWeightNames().slice(1);
  const kinds: string[] = [];
  const byKind = new Map<string, number[]>();
  names.forEach((n, i) => {
    const kind = n.slice(n.lastIndexOf('/') + 1);
    if (!byKind.has(kind)) {
      byKind.set(kind, []);
      kinds.push(kind);
    }
    byKind.get(kind)!.push(i + 1);
  });
  const cls = (opt.constructor as { className?: string }).className ?? '';
  const groups: string[][] = [];
  const grouped = new Set<string>();
  for (const kind of kinds) {
    if (grouped.has(kind)) continue;
    const g = (KERAS_SLOT_GROUPS[cls] ?? []).find((grp) => grp.includes(kind));
    const members = g ? g.filter((k) => byKind.has(k)) : [kind];
    for (const k of members) grouped.add(k);
    groups.push(members);
  }
  const order: number[] = [];
  for (const g of groups) {
    const n = byKind.get(g[0]!)!.length;
    for (const k of g) {
      if (byKind.get(k)!.length !== n) {
        throw new ValueError(`${cls}: slot kinds ${g.join(', ')} cover different variables`);
      }
    }
    for (let j = 0; j < n; j++) for (const k of g) order.push(byKind.get(k)![j]!);
  }
  return order;
}

/** Nadam's running product of its momentum schedule after `t` steps, as Keras stores it. */
function nadamProduct(opt: Optimizer, t: number): number {
  const beta1 = (opt as unknown as { beta1: number }).beta1;
  let p = 1;
  for (let s = 1; s <= t; s++) p *= beta1 * (1 - 0.5 * 0.96 ** s);
  return p;
}

const hasExtraProduct = (opt: Optimizer) =>
  (opt.constructor as { className?: string }).className === 'Nadam' && opt.built;

/** The optimizer's variables in Keras's order, as (name, value) pairs. */
function kerasOptimizerVariables(opt: Optimizer): { name: string; value: H5Value }[] {
  if (opt instanceof LossScaleOptimizer) {
    // Keras: the wrapper's own iteration (never counted) and learning_rate (0), step_counter
    // and dynamic_scale once built, then the inner optimizer's variables.
    const own: { name: string; value: H5Value }[] = [
      { name: 'iteration', value: { shape: [], data: new BigInt64Array([0n]) } },
      { name: 'learning_rate', value: { shape: [], data: new Float32Array([0]) } },
    ];
    if (opt.built) {
      const counter = BigInt(opt.stepCounter.item());
      own.push({ name: 'step_counter', value: { shape: [], data: new BigInt64Array([counter]) } });
      own.push({ name: 'dynamic_scale', value: opt.dynamicScale.value() });
    }
    return [...own, ...kerasOptimizerVariables(opt.innerOptimizer)];
  }
  const weights = opt.getWeights();
  const names = opt.getWeightNames();
  // Keras's `iterations` counts calls, accumulating ones included.
  const steps = opt.stepCalls;
  const out: { name: string; value: H5Value }[] = [
    { name: 'iterations', value: { shape: [], data: new BigInt64Array([BigInt(steps)]) } },
  ];
  if (typeof opt.learningRate === 'number') {
    out.push({
      name: 'learning_rate',
      value: { shape: [], data: new Float32Array([opt.learningRate]) },
    });
  }
  for (const i of kerasSlotOrder(opt)) {
    out.push({ name: names[i]!, value: weights[i]! });
  }
  if (hasExtraProduct(opt)) {
    out.push({
      name: 'u_product',
      value: { shape: [], data: new Float32Array([nadamProduct(opt, steps)]) },
    });
  }
  return out;
}

type H5Value = Tensor | { shape: number[]; data: Float32Array | BigInt64Array };

// ---------------------------------------------------------------------------------------------
// Writing

/**
 * Writes a model's weights in Keras 3's `.weights.h5` layout (the `model.weights.h5` member
 * of a `.keras` archive), readable by Keras's `model.load_weights`.
 *
 * @throws ValueError when the model is not built, or the optimizer is asked for and the model
 *   is not compiled.
 * @example
 * const bytes = await writeKerasWeights(model, { includeOptimizer: true });
 */
export async function writeKerasWeights(
  model: Model,
  opts: WriteKerasWeightsOptions = {},
): Promise<Uint8Array> {
  checkBuilt(model, 'writeKerasWeights');
  const w = createH5();
  for (const { layer, path } of kerasSaveables(model)) {
    const g = varsPath(path);
    w.group(g).attr(g, 'name', kerasName(layer));
    savedVariables(layer).forEach((v, i) => {
      w.dataset(`${g}/${i}`, v.value());
    });
  }
  if (opts.includeOptimizer) {
    const opt = model.optimizer;
    if (!opt) {
      throw new ValueError(
        `writeKerasWeights: includeOptimizer needs a compiled model; '${model.name}' has no optimizer`,
      );
    }
    w.group('optimizer/vars').attr('optimizer/vars', 'name', opt.name);
    kerasOptimizerVariables(opt).forEach(({ value }, i) => {
      w.dataset(`optimizer/vars/${i}`, value);
    });
    if (opt instanceof LossScaleOptimizer) {
      // Keras also saves the inner optimizer as an object of its own (and needs it to load).
      const inner = 'optimizer/inner_optimizer/vars';
      w.group(inner).attr(inner, 'name', opt.innerOptimizer.name);
      kerasOptimizerVariables(opt.innerOptimizer).forEach(({ value }, i) => {
        w.dataset(`${inner}/${i}`, value);
      });
    }
  }
  return w.bytes();
}

/**
 * Checks that the model is built and that the Keras walk reaches every weight (a layer that
 * tracks sublayers must name them in `savedChildren()`, or their weights would be lost).
 */
function checkBuilt(model: Model, what: string): void {
  if (!(model instanceof Model)) throw new ValueError(`${what}: expected a Model`);
  const saveables = kerasSaveables(model);
  const unbuilt = saveables.filter(({ layer }) => !layer.built);
  if (!model.built || unbuilt.length > 0) {
    throw new ValueError(
      `${what}: model '${model.name}' is not built${unbuilt.length ? ` (unbuilt: ${unbuilt.map((s) => s.layer.name).join(', ')})` : ''}; give it an input shape or call it on data first`,
    );
  }
  const reached = new Set(saveables.flatMap(({ layer }) => layer.ownVariables));
  const lost = model.weights.filter((w) => !reached.has(w));
  if (lost.length > 0) {
    throw new ValueError(
      `${what}: weights ${lost.map((w) => `'${w.name}'`).join(', ')} belong to sublayers that their layer does not list in savedChildren(), so Keras's layout has no place for them`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

/** The HDF5 weights in `bytes`: a `.weights.h5` file, or the `model.weights.h5` of a `.keras`. */
function weightsBytes(bytes: Uint8Array, what: string): Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new FormatError(`${what}: expected a Uint8Array`);
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b) {
    const files = readZip(bytes);
    const h5 = files.get('model.weights.h5');
    if (!h5) {
      const alt = files.has('model.weights.npz')
        ? ' (it has model.weights.npz, not supported)'
        : '';
      throw new FormatError(`${what}: the .keras archive has no model.weights.h5${alt}`);
    }
    return h5;
  }
  if (!isHdf5(bytes)) {
    throw new FormatError(`${what}: neither an HDF5 weights file nor a .keras archive`);
  }
  return bytes;
}

/** Dataset names of a `vars` group, checked to be `0 … n-1`. */
function varKeys(r: H5Reader, g: string, what: string): string[] {
  const keys = r.keys(g);
  const bad = keys.filter((k) => !/^(0|[1-9]\d*)$/.test(k) || Number(k) >= keys.length);
  if (bad.length > 0) {
    throw new FormatError(
      `${what}: group '${g}' should hold datasets 0…${keys.length - 1}, found ${keys.map((k) => `'${k}'`).join(', ')}`,
    );
  }
  return keys.map((_, i) => String(i));
}

interface Assignment {
  variable: { assign(v: Tensor): unknown; dtype: string };
  value: H5Array;
}

function toTensor(a: H5Array, dtype: string): Tensor {
  const t = tensor(a.data, a.shape, a.dtype);
  return a.dtype === dtype ? t : t.cast(dtype as 'float32');
}

/** Every `vars` group in the file (bounded walk). */
function allVarsGroups(r: H5Reader): string[] {
  const out: string[] = [];
  const walk = (p: string, depth: number) => {
    if (depth > 32 || !r.isGroup(p)) return;
    for (const k of r.keys(p)) {
      const c = p ? `${p}/${k}` : k;
      if (k === 'vars') out.push(c);
      else walk(c, depth + 1);
    }
  };
  walk('', 0);
  return out;
}

/**
 * Loads Keras 3 weights (a `.weights.h5` file or a `.keras` archive) into a built model of the
 * same architecture. Every layer's variable count and every shape is checked before anything
 * is assigned; a mismatch names the layer, the weight and both shapes.
 *
 * @throws FormatError for a damaged or unreadable file; ShapeError for a shape mismatch and
 *   ValueError for missing or extra variables (unless `skipMismatch`).
 * @example
 * const report = await readKerasWeights(model, bytes);
 * console.log(`${report.loaded} variables loaded`);
 */
export async function readKerasWeights(
  model: Model,
  bytes: Uint8Array,
  opts: ReadKerasWeightsOptions = {},
): Promise<LoadReport> {
  const what = 'readKerasWeights';
  checkBuilt(model, what);
  const h5 = weightsBytes(bytes, what);
  const r = await openH5(h5, opts.h5);
  try {
    return loadFromReader(model, r, opts);
  } finally {
    r.close();
  }
}

/** Keras 3 weights opened before their model exists: see {@link openKerasWeights}. */
export interface OpenedKerasWeights {
  /** What the weights bound a model built for them to (pass to `withAllocationBudget`). */
  budget: AllocationBudget;
  /** Loads the weights into the built model, as {@link readKerasWeights} does. */
  load(model: Model, opts?: ReadKerasWeightsOptions): LoadReport;
  /** Releases the file (idempotent). */
  close(): void;
}

/**
 * Opens Keras 3 weights (a `.weights.h5` file or a `.keras` archive) once, for a model still
 * to be built from its config: `budget` bounds what the config may declare by the values the
 * file holds, then `load` checks and assigns them. Close it when done.
 * @example
 * const w = await openKerasWeights(h5Bytes, 'loadModelFromBytes');
 * try {
 *   const model = withAllocationBudget(w.budget, () => modelFromKerasConfig(json));
 *   w.load(model);
 * } finally {
 *   w.close();
 * }
 */
export async function openKerasWeights(
  bytes: Uint8Array,
  where: string,
  opts: { h5?: H5ReadOptions } = {},
): Promise<OpenedKerasWeights> {
  const h5 = weightsBytes(bytes, where);
  const r = await openH5(h5, opts.h5);
  let budget: AllocationBudget;
  try {
    budget = h5Budget(r, h5.length, 'model.weights.h5', where);
  } catch (e) {
    r.close();
    throw e;
  }
  return {
    budget,
    load: (model, o = {}) => {
      checkBuilt(model, 'readKerasWeights');
      return loadFromReader(model, r, o);
    },
    close: () => r.close(),
  };
}

function loadFromReader(model: Model, r: H5Reader, opts: ReadKerasWeightsOptions): LoadReport {
  const what = 'readKerasWeights';
  const report: LoadReport = {
    loaded: 0,
    layersLoaded: 0,
    skipped: [],
    unmatchedLayers: [],
    unusedEntries: [],
    optimizer: 'absent',
  };
  const legacy = r.isGroup('model_weights') || 'layer_names' in r.attrs('/');
  if (legacy && !r.isGroup('layers') && !r.isGroup('vars')) {
    throw new FormatError(
      `${what}: this is a legacy Keras HDF5 file (layer_names, weight_names); read it with readLegacyH5 and loadLegacyWeights`,
    );
  }
  const assignments: Assignment[] = [];
  const used = new Set<string>();
  const saveables = kerasSaveables(model);
  // By name: re-root each top-level layer (and its sublayers) at the file group whose `vars`
  // carries the layer's name.
  let rebase: (path: string) => string | null = (p) => p;
  if (opts.byName) {
    const byName = new Map<string, string>();
    const dup = new Set<string>();
    if (r.isGroup('layers')) {
      for (const key of r.keys('layers')) {
        const g = `layers/${key}/vars`;
        const name = r.isGroup(g) ? r.attrs(g).name : undefined;
        if (typeof name !== 'string') continue;
        if (byName.has(name)) dup.add(name);
        byName.set(name, `layers/${key}`);
      }
    }
    const tops = new Map<string, string | null>();
    for (const { layer, path } of saveables) {
      if (/^layers\/[^/]+$/.test(path)) {
        if (dup.has(layer.name)) {
          throw new FormatError(`${what}: the file has several layers named '${layer.name}'`);
        }
        tops.set(path, byName.get(layer.name) ?? null);
      }
    }
    rebase = (p) => {
      const m = /^(layers\/[^/]+)(\/.*)?$/.exec(p);
      if (!m) return p;
      const base = tops.get(m[1]!);
      return base === undefined ? p : base === null ? null : base + (m[2] ?? '');
    };
  }

  for (const { layer, path } of saveables) {
    const vars = savedVariables(layer);
    const filePath = rebase(path);
    if (filePath === null) {
      // By name, and the file has no such layer.
      if (layer.weights.length > 0 && /^layers\/[^/]+$/.test(path)) {
        report.unmatchedLayers.push(layer.name);
      }
      continue;
    }
    const g = varsPath(filePath);
    const mismatch = (reason: string, err: Error) => {
      if (!opts.skipMismatch) throw err;
      report.skipped.push({ layer: layer.name, path: g, reason });
    };
    const present = r.isGroup(g);
    if (present) used.add(g);
    const keys = present ? varKeys(r, g, what) : [];
    if (!present && vars.length === 0) continue;
    if (!present) {
      const why = `the file has no group '${g}' for its ${vars.length} variable(s) (${listVars(vars)})`;
      mismatch(why, new ValueError(`${what}: ${describeLayer(layer)}: ${why}`));
      continue;
    }
    if (keys.length !== vars.length) {
      const why = `expects ${vars.length} variable(s) (${listVars(vars)}) but the file has ${keys.length} in '${g}'`;
      mismatch(why, new ValueError(`${what}: ${describeLayer(layer)}: ${why}`));
      continue;
    }
    const pending: Assignment[] = [];
    let failed = false;
    for (const [i, v] of vars.entries()) {
      const info = r.datasetInfo(`${g}/${i}`);
      if (info.shape.join() !== v.shape.join()) {
        const why = `weight '${v.weightName}' has shape ${fmtShape(v.shape)} but '${g}/${i}' in the file has shape ${fmtShape(info.shape)}`;
        mismatch(why, new ShapeError(`${what}: ${describeLayer(layer)}: ${why}`));
        failed = true;
        break;
      }
      pending.push({ variable: v, value: r.readDataset(`${g}/${i}`) });
    }
    if (failed) continue;
    assignments.push(...pending);
    if (vars.length > 0) report.layersLoaded++;
  }

  // Optimizer.
  const opt = model.optimizer;
  const inFile = r.isGroup('optimizer/vars');
  if (inFile) used.add('optimizer/vars');
  let optimizerLoad: (() => void) | null = null;
  if (inFile && opt && opts.includeOptimizer !== false) {
    optimizerLoad = prepareOptimizerLoad(model, opt, r);
  } else if (inFile) report.optimizer = 'ignored';

  for (const a of assignments) {
    a.variable.assign(toTensor(a.value, a.variable.dtype));
  }
  report.loaded = assignments.length;
  if (optimizerLoad) {
    optimizerLoad();
    report.optimizer = 'loaded';
  }
  for (const g of allVarsGroups(r)) {
    // A LossScaleOptimizer's inner optimizer: Keras saves its variables twice.
    const optimizerGroup =
      g === 'optimizer/vars' ||
      (g === 'optimizer/inner_optimizer/vars' && opt instanceof LossScaleOptimizer);
    if (used.has(g) || (optimizerGroup && report.optimizer !== 'absent')) continue;
    if (r.keys(g).length > 0) report.unusedEntries.push(g);
  }
  return report;
}

function listVars(vars: readonly LayerVariable[]): string {
  return vars.map((v) => `${v.weightName} ${fmtShape(v.shape)}`).join(', ') || 'none';
}

/**
 * LossScaleOptimizer: Keras stores the wrapper's iteration and learning_rate (both unused),
 * then step_counter and dynamic_scale once built, then the inner optimizer's variables (an
 * unbuilt wrapper has at most 4 variables in all, a built one at least 5).
 */
function prepareLossScaleLoad(model: Model, opt: LossScaleOptimizer, r: H5Reader): () => void {
  const what = 'readKerasWeights';
  const g = 'optimizer/vars';
  const keys = varKeys(r, g, what);
  if (keys.length < 3)
    throw new FormatError(
      `${what}: LossScaleOptimizer needs at least 3 variables under '${g}', the file has ${keys.length}`,
    );
  const built = keys.length >= 5;
  if (built && !opt.built) opt.build(model.trainableWeights);
  const innerLoad = prepareOptimizerLoad(model, opt.innerOptimizer, r, built ? 4 : 2);
  if (!built) return innerLoad;
  const one = (i: number): number => {
    const a = r.readDataset(`${g}/${i}`);
    return a.data.length === 1 ? Number(a.data[0]) : Number.NaN;
  };
  const counter = one(2);
  const scale = one(3);
  if (!(Number.isInteger(counter) && counter >= 0) || !(scale > 0))
    throw new FormatError(
      `${what}: '${g}/2' and '${g}/3' should be LossScaleOptimizer's step_counter (an integer ≥ 0) and dynamic_scale (> 0)`,
    );
  return () => {
    innerLoad();
    const w = opt.innerOptimizer.getWeights();
    opt.setWeights([w[0]!, scalar(counter, 'float32'), scalar(scale, 'float32'), ...w.slice(1)]);
  };
}

/**
 * Checks the file's optimizer variables against the optimizer; returns the assignment. The
 * optimizer's variables start at `optimizer/vars/<offset>` (a wrapper's come first).
 */
function prepareOptimizerLoad(model: Model, opt: Optimizer, r: H5Reader, offset0 = 0): () => void {
  if (opt instanceof LossScaleOptimizer) return prepareLossScaleLoad(model, opt, r);
  const what = 'readKerasWeights';
  const cls = (opt.constructor as { className?: string }).className ?? 'Optimizer';
  const g = 'optimizer/vars';
  const keys = varKeys(r, g, what).slice(offset0);
  if (keys.length === 0) throw new FormatError(`${what}: '${g}' is empty`);
  const it = r.readDataset(`${g}/${offset0}`);
  const steps = it.data.length === 1 ? Number(it.data[0]) : Number.NaN;
  if (!(Number.isInteger(steps) && steps >= 0)) {
    throw new FormatError(
      `${what}: '${g}/${offset0}' should be the iteration count, a non-negative integer`,
    );
  }
  const readLr = (): number => {
    const a = r.readDataset(`${g}/${offset0 + 1}`);
    if (a.data.length !== 1 || !(Number(a.data[0]) > 0)) {
      throw new FormatError(
        `${what}: '${g}/${offset0 + 1}' should be the learning rate, a positive scalar`,
      );
    }
    return Number(a.data[0]);
  };
  // Keras keeps the learning rate in a float32 variable; keep ours when it rounds to it.
  const applyLr = (lr: number | null) => {
    const cur = opt.learningRate;
    if (lr !== null && typeof cur === 'number' && Math.fround(cur) !== lr) opt.learningRate = lr;
  };
  // An optimizer that never ran has only iterations and learning_rate (Keras creates the
  // slots on the first step); leave ours unbuilt too.
  if (steps === 0 && keys.length <= 2 && !opt.built) {
    const lr = keys.length === 2 ? readLr() : null;
    return () => applyLr(lr);
  }
  // Keras builds the optimizer for the model's trainable variables before loading its state.
  if (!opt.built) opt.build(model.trainableWeights);
  const names = opt.getWeightNames();
  const current = opt.getWeights();
  const slots = names.length - 1;
  const extra = hasExtraProduct(opt) ? 1 : 0;
  let hasLr: boolean;
  if (keys.length === 2 + slots + extra) hasLr = true;
  else if (keys.length === 1 + slots + extra) hasLr = false;
  else {
    throw new ValueError(
      `${what}: optimizer ${cls} has ${1 + slots + extra} variables (iterations${typeof opt.learningRate === 'number' ? ', learning_rate' : ''}, ${slots} slots${extra ? ', u_product' : ''}) but the file has ${keys.length} under '${g}'`,
    );
  }
  const lr = hasLr ? readLr() : null;
  const offset = offset0 + (hasLr ? 2 : 1);
  const values: Tensor[] = [scalar(steps, 'float32'), ...current.slice(1)];
  kerasSlotOrder(opt).forEach((tIndex, k) => {
    const path = `${g}/${offset + k}`;
    const info = r.datasetInfo(path);
    const want = current[tIndex]!;
    if (info.shape.join() !== want.shape.join()) {
      throw new ShapeError(
        `${what}: optimizer slot '${names[tIndex]}' has shape ${fmtShape(want.shape)} but '${path}' in the file has shape ${fmtShape(info.shape)}`,
      );
    }
    values[tIndex] = toTensor(r.readDataset(path), want.dtype);
  });
  return () => {
    opt.setWeights(values);
    applyLr(lr);
  };
}

// ---------------------------------------------------------------------------------------------
// Legacy .h5

function parseJsonAttr(v: unknown, name: string): unknown | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new FormatError(`readLegacyH5: attribute '${name}' is not text`);
  // Size and nesting depth first: V8 spends seconds and gigabytes on 50 MB of nested brackets.
  scanJson(v, `readLegacyH5: attribute '${name}'`);
  try {
    return JSON.parse(v);
  } catch {
    throw new FormatError(`readLegacyH5: attribute '${name}' is not valid JSON`);
  }
}

function stringList(v: unknown, what: string): string[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  // h5py writes an empty list as an empty float array.
  if (Array.isArray(v) && v.length === 0) return [];
  throw new FormatError(`readLegacyH5: ${what} should be a list of strings`);
}

/**
 * Reads a legacy Keras HDF5 file (`model.save('x.h5')` or `save_weights('x.h5')`, Keras 2 or
 * 3): the model and training configs (parsed JSON) and every layer's weights by name.
 *
 * @throws FormatError for a file that is not a legacy Keras HDF5 file or is damaged.
 * @example
 * const legacy = await readLegacyH5(bytes);
 * loadLegacyWeights(model, legacy);
 */
export async function readLegacyH5(
  bytes: Uint8Array,
  opts: { h5?: H5ReadOptions } = {},
): Promise<LegacyH5> {
  return readLegacyFrom(await openH5(bytes, opts.h5));
}

function readLegacyFrom(r: H5Reader): LegacyH5 {
  try {
    const root = r.attrs('/');
    const base = r.isGroup('model_weights') ? 'model_weights' : '';
    const wattrs = r.attrs(base || '/');
    if (!('layer_names' in wattrs)) {
      throw new FormatError(
        `readLegacyH5: no 'layer_names' attribute on ${base ? "'/model_weights'" : 'the root'}; not a legacy Keras HDF5 file${r.isGroup('layers') ? ' (this looks like a Keras 3 .weights.h5 file: use readKerasWeights)' : ''}`,
      );
    }
    const layerNames = stringList(wattrs.layer_names, "'layer_names'");
    const weights = layerNames.map((layerName) => {
      const g = base ? `${base}/${layerName}` : layerName;
      if (!r.isGroup(g)) {
        throw new FormatError(`readLegacyH5: layer '${layerName}' is listed but has no group`);
      }
      const weightNames = stringList(r.attr(g, 'weight_names'), `'weight_names' of '${g}'`);
      const values = weightNames.map((wn) => {
        const p = `${g}/${wn}`;
        if (!r.isDataset(p)) {
          throw new FormatError(`readLegacyH5: weight '${wn}' of layer '${layerName}' is missing`);
        }
        const a = r.readDataset(p);
        return tensor(a.data, a.shape, a.dtype);
      });
      return { layerName, weightNames, values };
    });
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const out: LegacyH5 = {
      modelConfig: parseJsonAttr(root.model_config, 'model_config'),
      trainingConfig: parseJsonAttr(root.training_config, 'training_config'),
      weights,
    };
    const kerasVersion = str(root.keras_version) ?? str(wattrs.keras_version);
    const backend = str(root.backend) ?? str(wattrs.backend);
    if (kerasVersion !== undefined) out.kerasVersion = kerasVersion;
    if (backend !== undefined) out.backend = backend;
    return out;
  } finally {
    r.close();
  }
}

/**
 * Loads weights read by {@link readLegacyH5} into a model: by order (layers with weights, in
 * `model.layers` order, against the file's layers with weights) or, with `byName`, by layer
 * name (layers missing on either side are reported, not errors). Weights of a layer are
 * matched in `layer.weights` order (trainable, then non-trainable). All shapes are checked
 * before anything is assigned.
 *
 * @throws ValueError for a layer-count or weight-count mismatch, ShapeError for a shape
 *   mismatch (unless `skipMismatch`).
 * @example
 * const report = loadLegacyWeights(model, await readLegacyH5(bytes), { byName: true });
 */
export function loadLegacyWeights(
  model: Model,
  legacy: LegacyH5,
  opts: LoadLegacyOptions = {},
): LoadReport {
  const what = 'loadLegacyWeights';
  checkBuilt(model, what);
  const report: LoadReport = {
    loaded: 0,
    layersLoaded: 0,
    skipped: [],
    unmatchedLayers: [],
    unusedEntries: [],
    optimizer: 'absent',
  };
  const pairs: [Layer, LegacyLayerWeights][] = [];
  const modelLayers = model.layers.filter((l) => l.weights.length > 0);
  const fileLayers = legacy.weights.filter((w) => w.values.length > 0);
  if (opts.byName) {
    const byName = new Map<string, LegacyLayerWeights>();
    for (const w of legacy.weights) byName.set(w.layerName, w);
    const matched = new Set<string>();
    for (const l of modelLayers) {
      const w = byName.get(l.name);
      if (!w) report.unmatchedLayers.push(l.name);
      else {
        pairs.push([l, w]);
        matched.add(w.layerName);
      }
    }
    for (const w of fileLayers)
      if (!matched.has(w.layerName)) report.unusedEntries.push(w.layerName);
  } else {
    if (modelLayers.length !== fileLayers.length) {
      throw new ValueError(
        `${what}: the file has ${fileLayers.length} layers with weights (${fileLayers.map((w) => w.layerName).join(', ')}) but model '${model.name}' has ${modelLayers.length} (${modelLayers.map((l) => l.name).join(', ')})`,
      );
    }
    modelLayers.forEach((l, i) => {
      pairs.push([l, fileLayers[i]!]);
    });
  }
  const assignments: [LayerVariable, Tensor][] = [];
  for (const [layer, w] of pairs) {
    const vars = layer.weights;
    const mismatch = (err: Error, reason: string) => {
      if (!opts.skipMismatch) throw err;
      report.skipped.push({ layer: layer.name, path: w.layerName, reason });
    };
    if (vars.length !== w.values.length) {
      const why = `expects ${vars.length} weight(s) (${listVars(vars)}) but the file's layer '${w.layerName}' has ${w.values.length} (${w.weightNames.join(', ')})`;
      mismatch(new ValueError(`${what}: ${describeLayer(layer)}: ${why}`), why);
      continue;
    }
    const bad = vars.findIndex((v, i) => v.shape.join() !== w.values[i]!.shape.join());
    if (bad >= 0) {
      const v = vars[bad]!;
      const why = `weight '${v.weightName}' has shape ${fmtShape(v.shape)} but the file's '${w.layerName}/${w.weightNames[bad]}' has shape ${fmtShape(w.values[bad]!.shape)}`;
      mismatch(new ShapeError(`${what}: ${describeLayer(layer)}: ${why}`), why);
      continue;
    }
    vars.forEach((v, i) => {
      assignments.push([v, w.values[i]!]);
    });
    report.layersLoaded++;
  }
  for (const [v, t] of assignments) v.assign(t.dtype === v.dtype ? t : t.cast(v.dtype));
  report.loaded = assignments.length;
  return report;
}

/**
 * Writes a model in the legacy Keras HDF5 layout (as Keras 3's `legacy_h5_format` does):
 * `/model_weights` with `layer_names`, one group per layer (`model.layers`) with
 * `weight_names` `<model>/<layer>/…/<weight>` and one dataset per weight, plus
 * `top_level_model_weights`. Configs are included only when given; optimizer state is not
 * written.
 * @example
 * const bytes = await writeLegacyH5(model);
 */
export async function writeLegacyH5(
  model: Model,
  opts: WriteLegacyOptions = {},
): Promise<Uint8Array> {
  checkBuilt(model, 'writeLegacyH5');
  const w = createH5();
  const version = opts.kerasVersion ?? 'tessera';
  const backend = opts.backend ?? 'tessera';
  w.attr('/', 'backend', backend).attr('/', 'keras_version', version);
  if (opts.modelConfig !== undefined) {
    w.attr('/', 'model_config', JSON.stringify(opts.modelConfig));
  }
  if (opts.trainingConfig !== undefined) {
    w.attr('/', 'training_config', JSON.stringify(opts.trainingConfig));
  }
  const layers = model.layers;
  const names = layers.map((l) => l.name);
  const dupes = names.filter((n, i) => names.indexOf(n) !== i);
  if (dupes.length > 0) {
    throw new ValueError(
      `writeLegacyH5: layer names must be unique, repeated: ${dupes.join(', ')}`,
    );
  }
  w.group('model_weights')
    .attr('model_weights', 'layer_names', names)
    .attr('model_weights', 'backend', backend)
    .attr('model_weights', 'keras_version', version);
  const paths = weightPaths(model);
  for (const layer of layers) {
    const g = `model_weights/${layer.name}`;
    const vars = layer.weights;
    const weightNames = vars.map((v) => paths.get(v) ?? `${layer.name}/${v.weightName}`);
    w.group(g).attr(g, 'weight_names', weightNames);
    vars.forEach((v, i) => {
      w.dataset(`${g}/${weightNames[i]}`, v.value());
    });
  }
  const top = 'model_weights/top_level_model_weights';
  const own = savedVariables(model);
  const ownNames = own.map((v) => `${model.name}/${v.weightName}`);
  w.group(top).attr(top, 'weight_names', ownNames);
  own.forEach((v, i) => {
    w.dataset(`${top}/${ownNames[i]}`, v.value());
  });
  return w.bytes();
}

/** Each variable's Keras 3 path: `<model>/<layer>/<sublayer>…/<weight>`. */
function weightPaths(model: Model): Map<LayerVariable, string> {
  const out = new Map<LayerVariable, string>();
  const visit = (layer: Layer, prefix: string) => {
    for (const v of layer.ownVariables) if (!out.has(v)) out.set(v, `${prefix}/${v.weightName}`);
    for (const child of Object.values(layer.savedChildren())) {
      visit(child, `${prefix}/${kerasName(child)}`);
    }
  };
  for (const l of model.layers) visit(l, `${model.name}/${l.name}`);
  return out;
}
