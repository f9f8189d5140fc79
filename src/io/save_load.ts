import { ValueError } from '../errors.js';
import { withAllocationBudget } from '../layers/allocation_budget.js';
import type { Model } from '../models/model.js';
import { setModelFileOps } from '../models/model_files.js';
import { tensor } from '../ops/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { browserTarget, loadFromBrowser, saveToBrowser } from './browser_storage.js';
/**
 * Saving and loading whole models and weights. The byte-level functions work everywhere
 * (browsers included): `.keras` zips, legacy Keras `.h5`, TF.js `model.json` + weight shards,
 * Keras `.weights.h5` and Tessera's own checked weights file. The path-level functions are
 * thin Node-only wrappers that pick the format from the path and write atomically.
 */
import {
  CHECKPOINT_MAGIC,
  type CheckpointTensor,
  decodeCheckpoint,
  encodeCheckpoint,
  orderByName,
} from './checkpoint_format.js';
import { FileError, FormatError } from './errors.js';
import {
  type PeekBytes,
  atomicWriteFile,
  isDirectory,
  readFileBytes,
  realPath,
  regularFileSize,
} from './files.js';
import { isHdf5 } from './h5.js';
import { compileArgsFromKeras, modelFromKerasConfig, modelToKerasConfig } from './keras_config.js';
import { MAX_JSON_BYTES, kerasJsonText, parseJsonBounded } from './keras_config/json.js';
import { isKeras2Version } from './keras_config/names.js';
import {
  kerasSaveables,
  loadLegacyWeights,
  openKerasWeights,
  readKerasWeights,
  readLegacyH5,
  writeKerasWeights,
} from './keras_weights.js';
import { tensorsBudget } from './load_budget.js';
import { isHttpUrl, loadModelFromBlobs, loadModelFromUrl } from './remote_io.js';
import {
  type EncodedTfjsModel,
  decodeTfjsModel,
  encodeTfjsModel,
  parseModelJson,
} from './tfjs_format.js';
import {
  SHARD_SLACK_BYTES,
  type WeightsManifest,
  groupByteLengths,
  shardPathEscapes,
} from './weights_manifest.js';
import { readZip, writeZip } from './zip.js';

/** The Keras version whose `.keras` layout Tessera writes. */
export const KERAS_FORMAT_VERSION = '3.15.1';

const utf8 = new TextEncoder();

/** Size, depth and value count are checked before `JSON.parse` spends anything on them. */
function parseJson(bytes: Uint8Array, what: string): unknown {
  return parseJsonBounded(bytes, what);
}

/** `'a', 'b', 'c', 'd', 'e' and 7 more`: lists in error messages stay short. */
function listShort(items: readonly string[], max = 5): string {
  const shown = items
    .slice(0, max)
    .map((s) => `'${s.length > 80 ? `${s.slice(0, 80)}…` : s}'`)
    .join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

function asBytes(data: Uint8Array | ArrayBuffer): Uint8Array {
  return data instanceof Uint8Array ? data : new Uint8Array(data);
}

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

function isZip(bytes: Uint8Array): boolean {
  return ZIP_MAGIC.every((b, i) => bytes[i] === b);
}

/** Options of the save functions. */
export interface SaveOptions {
  /** Include the optimizer's state so training resumes exactly (default true when compiled). */
  includeOptimizer?: boolean;
}

/**
 * A model as Keras 3 `.keras` bytes: a zip of `metadata.json`, `config.json` (architecture and
 * compile settings) and `model.weights.h5` (weights, and the optimizer state when compiled).
 * @example const bytes = await modelToKerasBytes(model);
 */
export async function modelToKerasBytes(model: Model, opts: SaveOptions = {}): Promise<Uint8Array> {
  const includeOptimizer = (opts.includeOptimizer ?? true) && model.compileInfo !== null;
  const config = modelToKerasConfig(model, { compileConfig: model.compileInfo !== null });
  const weights = await writeKerasWeights(model, { includeOptimizer });
  const metadata = {
    keras_version: KERAS_FORMAT_VERSION,
    date_saved: kerasDate(new Date()),
    generated_by: 'Tessera',
  };
  return writeZip({
    'metadata.json': utf8.encode(JSON.stringify(metadata)),
    'config.json': utf8.encode(kerasJsonText(config)),
    'model.weights.h5': weights,
    ...kerasAssets(model),
  });
}

/**
 * The archive's `assets/` files: each layer's {@link Layer.saveAssets} under the layer's Keras
 * path (`assets/layers/string_lookup/vocabulary.txt`), as Keras lays them out.
 */
function kerasAssets(model: Model): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const { layer, path } of kerasSaveables(model)) {
    const files = layer.saveAssets();
    if (!files) continue;
    for (const [name, bytes] of Object.entries(files)) out[assetDir(path) + name] = bytes;
  }
  return out;
}

const assetDir = (path: string) => (path ? `assets/${path}/` : 'assets/');

/**
 * Hands each layer the archive's files under its `assets/<path>/` folder (only the folder's
 * own files; deeper folders belong to its sublayers). A layer that refuses them names the
 * file in a {@link FormatError}.
 */
function loadKerasAssets(model: Model, entries: ReadonlyMap<string, Uint8Array>): void {
  for (const { layer, path } of kerasSaveables(model)) {
    const dir = assetDir(path);
    const files = new Map<string, Uint8Array>();
    for (const [name, bytes] of entries) {
      if (!name.startsWith(dir)) continue;
      const rest = name.slice(dir.length);
      if (rest && !rest.includes('/')) files.set(rest, bytes);
    }
    try {
      layer.loadAssets(files, dir.slice(0, -1));
    } catch (e) {
      if (e instanceof FormatError) throw e;
      throw new FormatError(`.keras ${(e as Error).message}`, { cause: e });
    }
  }
}

function kerasDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}@${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Options of the load functions. */
export interface LoadOptions {
  /** Compile the model with the saved training configuration, when there is one (default true). */
  compile?: boolean;
  /**
   * Path loaders only: refuse a model file larger than this many bytes before reading it
   * (default 4 GiB, `DEFAULT_MAX_FILE_BYTES`).
   */
  maxFileBytes?: number;
}

/**
 * Loads a model from `.keras` (zip) or legacy Keras `.h5` bytes, recognised by their magic
 * numbers. Nothing in the file is executed: classes are looked up in Tessera's registry.
 * @example const model = await loadModelFromBytes(new Uint8Array(await file.arrayBuffer()));
 */
export async function loadModelFromBytes(
  data: Uint8Array | ArrayBuffer,
  opts: LoadOptions = {},
): Promise<Model> {
  const bytes = asBytes(data);
  if (isZip(bytes)) return loadKerasZip(bytes, opts);
  if (isHdf5(bytes)) return loadLegacyH5Model(bytes, opts);
  if (bytes[0] === 0x7b) {
    throw new FormatError(
      'loadModelFromBytes: this looks like a TF.js model.json; use loadTfjsModelFromBytes(modelJson, weights)',
    );
  }
  throw new FormatError('loadModelFromBytes: not a .keras (zip) or Keras .h5 (HDF5) file');
}

/**
 * Most bytes the weights member of a `.keras` zip may inflate to: weights compress little
 * (Keras and Tessera store them uncompressed), so a member declaring far more than the archive
 * holds is a zip bomb. The slack keeps small, legitimately deflated archives loadable.
 */
export const KERAS_WEIGHTS_INFLATE_RATIO = 2;
const KERAS_WEIGHTS_INFLATE_SLACK = 16 * 1024 * 1024;

/**
 * The most bytes member `name` of a `.keras` archive of `archiveBytes` bytes may inflate to
 * (JSON members also at most {@link MAX_JSON_BYTES}): with the archive read whole, loading
 * stays within a few times the file's size.
 */
function kerasMemberLimit(name: string, archiveBytes: number): number {
  const relative = KERAS_WEIGHTS_INFLATE_SLACK + KERAS_WEIGHTS_INFLATE_RATIO * archiveBytes;
  return name.endsWith('.json') ? Math.min(MAX_JSON_BYTES, relative) : relative;
}

async function loadKerasZip(bytes: Uint8Array, opts: LoadOptions): Promise<Model> {
  const entries = readZip(bytes, { maxEntryBytes: (name) => kerasMemberLimit(name, bytes.length) });
  const config = entries.get('config.json');
  if (!config)
    throw new FormatError(
      `.keras file has no config.json (entries: ${listShort([...entries.keys()])})`,
    );
  const json = parseJson(config, '.keras config.json');
  const weights = entries.get('model.weights.h5');
  if (!weights) {
    if (entries.has('model.weights.npz'))
      throw new FormatError(
        '.keras file stores weights as npz; only model.weights.h5 is supported',
      );
    throw new FormatError('.keras file has no model.weights.h5');
  }
  // The weights are opened first: the values they hold bound what the config may declare,
  // so a config that lies about its sizes is refused before its weights are allocated.
  const opened = await openKerasWeights(weights, 'loadModelFromBytes');
  try {
    // A .keras written by Keras 2.13–2.15 says so in metadata.json; its `hard_sigmoid` is Keras
    // 2's piecewise one, so the version travels with the config (as legacy .h5 loading does).
    const version = kerasVersionOf(entries.get('metadata.json'));
    const config = isKeras2Version(version) ? { model_config: json, keras_version: version } : json;
    const model = withAllocationBudget(opened.budget, () => modelFromKerasConfig(config));
    const compileArgs = opts.compile === false ? null : compileArgsFromKeras(json);
    if (compileArgs) model.compile(compileArgs);
    opened.load(model, { includeOptimizer: compileArgs !== null });
    loadKerasAssets(model, entries);
    return model;
  } finally {
    opened.close();
  }
}

/** The `keras_version` of a `.keras` archive's metadata.json, when it has a readable one. */
function kerasVersionOf(metadata: Uint8Array | undefined): string | undefined {
  if (!metadata) return undefined;
  try {
    const m = parseJson(metadata, '.keras metadata.json');
    const v = (m as { keras_version?: unknown } | null)?.keras_version;
    return typeof v === 'string' ? v : undefined;
  } catch {
    // metadata.json is informative only: Keras itself loads archives whatever it says.
    return undefined;
  }
}

async function loadLegacyH5Model(bytes: Uint8Array, opts: LoadOptions): Promise<Model> {
  const legacy = await readLegacyH5(bytes);
  if (legacy.modelConfig === null || legacy.modelConfig === undefined) {
    throw new FormatError(
      'Keras .h5 file has no model_config attribute (a weights-only file? use loadWeights)',
    );
  }
  // The writer's version decides what `hard_sigmoid` means (Keras 2's differs from Keras 3's).
  const config =
    legacy.kerasVersion === undefined
      ? legacy.modelConfig
      : { model_config: legacy.modelConfig, keras_version: legacy.kerasVersion };
  // The weights read from the file bound what its model_config may declare.
  const budget = tensorsBudget(
    legacy.weights.flatMap((l) => l.values),
    'the .h5 model_weights',
    'loadModelFromBytes',
  );
  const model = withAllocationBudget(budget, () => modelFromKerasConfig(config));
  const compileArgs =
    opts.compile === false || !legacy.trainingConfig
      ? null
      : compileArgsFromKeras(legacy.trainingConfig);
  if (compileArgs) model.compile(compileArgs);
  loadLegacyWeights(model, legacy, { byName: false });
  return model;
}

/**
 * A model in the TF.js layers format: `model.json` content and weight shards.
 * @example const { modelJson, shards } = modelToTfjs(model);
 */
export function modelToTfjs(
  model: Model,
  opts: SaveOptions & { shardBytes?: number } = {},
): EncodedTfjsModel {
  // model.json has no assets folder: a learnt vocabulary would be lost without a word.
  for (const { layer } of kerasSaveables(model))
    if (layer.saveAssets())
      throw new ValueError(
        `modelToTfjs: layer '${layer.name}' (${layer.className}) keeps files (its learnt vocabulary) that a TF.js model.json cannot hold; save the model as .keras`,
      );
  return encodeTfjsModel(model, {
    includeOptimizer: opts.includeOptimizer ?? false,
    shardBytes: opts.shardBytes,
  });
}

/**
 * Loads a TF.js layers model from its `model.json` (object, text or bytes) and weight data:
 * one buffer, the shards in manifest order, the `{path, data}` shards that {@link modelToTfjs}
 * returns (so its output loads unchanged), or a lookup by shard path.
 * @example
 * const { modelJson, shards } = modelToTfjs(model);
 * const copy = loadTfjsModelFromBytes(modelJson, shards);
 */
export function loadTfjsModelFromBytes(
  modelJson: unknown,
  weights: Parameters<typeof decodeTfjsModel>[1],
): Model {
  return decodeTfjsModel(parseModelJson(modelJson), weights);
}

/**
 * Weights in Tessera's own file: a checked JSON header (names, shapes, dtypes, offsets) and
 * raw little-endian data. Names are the weights' paths (`dense/kernel`).
 */
export function weightsToBytes(model: Model): Uint8Array {
  const tensors: CheckpointTensor[] = model.weights.map((w) => ({
    name: w.name,
    group: 'weights',
    shape: [...w.shape],
    dtype: w.dtype,
    values: w.dataSync().slice(),
  }));
  return encodeCheckpoint(tensors, { format: 'tessera-weights' });
}

/** Options of weight loading. */
export interface LoadWeightsOptions {
  /** Match weights by layer/weight name instead of by order (default false). */
  byName?: boolean;
  /** Skip weights whose shape differs instead of failing (default false). */
  skipMismatch?: boolean;
  /**
   * {@link loadWeights} only: refuse a file larger than this many bytes before reading it
   * (default 4 GiB, `DEFAULT_MAX_FILE_BYTES`).
   */
  maxFileBytes?: number;
}

/** What a weight load matched. */
export interface WeightsReport {
  loaded: number;
  skipped: string[];
  unused: string[];
}

/** Loads weights from Tessera weight-file bytes (see {@link weightsToBytes}). */
export function weightsFromBytes(
  model: Model,
  bytes: Uint8Array,
  opts: LoadWeightsOptions = {},
): WeightsReport {
  const ckpt = decodeCheckpoint(bytes, 'weights file');
  const stored = ckpt.tensors.filter((t) => t.group === 'weights');
  const ws = model.weights;
  const report: WeightsReport = { loaded: 0, skipped: [], unused: [] };
  const pairs: [(typeof ws)[number], CheckpointTensor][] = [];
  if (opts.byName) {
    const byName = new Map(stored.map((t) => [t.name, t]));
    for (const w of ws) {
      const t = byName.get(w.name);
      if (!t) report.skipped.push(`${w.name} (not in file)`);
      else {
        pairs.push([w, t]);
        byName.delete(w.name);
      }
    }
    report.unused.push(...byName.keys());
    if (!opts.skipMismatch && report.skipped.length) {
      throw new FormatError(
        `loadWeights: no stored weight for ${listShort(report.skipped)}; file has ${listShort(stored.map((t) => t.name))}`,
      );
    }
  } else {
    if (stored.length !== ws.length) {
      throw new FormatError(
        `loadWeights: the file has ${stored.length} weights, the model ${ws.length} (${listShort(ws.map((w) => w.name))})`,
      );
    }
    const ordered =
      orderByName(
        stored,
        ws.map((w) => w.name),
      ) ?? stored;
    ws.forEach((w, i) => pairs.push([w, ordered[i]!]));
  }
  const assign: [(typeof ws)[number], Tensor][] = [];
  for (const [w, t] of pairs) {
    if (t.shape.join() !== w.shape.join()) {
      const msg = `${w.name}: model weight has shape [${w.shape.join(', ')}], the file's '${t.name}' has [${t.shape.join(', ')}]`;
      if (opts.skipMismatch) {
        report.skipped.push(msg);
        continue;
      }
      throw new FormatError(`loadWeights: ${msg}`);
    }
    assign.push([w, tensor(t.values, t.shape, t.dtype)]);
  }
  // Assign only after every check passed, so a failed load leaves the model as it was.
  for (const [w, v] of assign) w.assign(v);
  report.loaded = assign.length;
  return report;
}

// ---------------------------------------------------------------- Node paths

type PathFormat = 'keras' | 'h5' | 'tfjs';

function formatOfPath(path: string, isDir: boolean): PathFormat {
  const base = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
  // A path with no extension names a directory: the TF.js layout (model.json + shards).
  if (isDir || path.endsWith('/') || path.endsWith('.json') || !base.includes('.')) return 'tfjs';
  if (path.endsWith('.keras')) return 'keras';
  if (path.endsWith('.h5') || path.endsWith('.hdf5')) return 'h5';
  throw new ValueError(
    `save/load: cannot tell the format of '${path}': use a .keras or .h5 file, or a directory / model.json for TF.js`,
  );
}

function joinPath(dir: string, name: string): string {
  return dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
}

/**
 * Saves a model to a path (Node.js): `*.keras` (Keras 3), a directory or a `model.json` path
 * (TF.js layers format: model.json + weight shards). Files are written atomically. In a
 * browser: `indexeddb://name`, `localstorage://name` or `downloads://name` (as `.keras` bytes).
 * @example await saveModel(model, 'out/digits.keras');
 */
export async function saveModel(model: Model, path: string, opts: SaveOptions = {}): Promise<void> {
  const target = browserTarget(path);
  if (target)
    return saveToBrowser(await modelToKerasBytes(model, opts), target.scheme, target.name, 'save');
  const fmt = formatOfPath(path, await isDirectory(path, 'save'));
  if (fmt === 'keras') {
    await atomicWriteFile(path, await modelToKerasBytes(model, opts));
  } else if (fmt === 'h5') {
    throw new ValueError(
      `save: writing legacy Keras .h5 models is not supported ('${path}'); save as .keras instead`,
    );
  } else {
    const dir = path.endsWith('.json')
      ? path.slice(0, Math.max(0, path.lastIndexOf('/'))) || '.'
      : path;
    const { modelJson, shards } = modelToTfjs(model, opts);
    for (const s of shards) await atomicWriteFile(joinPath(dir, s.path), s.data);
    // model.json last: a reader never sees a model.json whose shards are not all written.
    await atomicWriteFile(
      path.endsWith('.json') ? path : joinPath(dir, 'model.json'),
      utf8.encode(JSON.stringify(modelJson)),
    );
  }
}

/** Refuses a file whose magic bytes are neither a zip nor HDF5, having read only those bytes. */
async function checkModelMagic(peek: PeekBytes, size: number, path: string): Promise<void> {
  const head = await peek(0, 8);
  if (isZip(head) || isHdf5(head)) return;
  // HDF5 allows a user block before the superblock: its signature may sit at 512, 1024, 2048, …
  for (let off = 512; off + 8 <= size; off *= 2) if (isHdf5(await peek(off, 8))) return;
  if (head[0] === 0x7b)
    throw new FormatError(
      `loadModel: '${path}' looks like a TF.js model.json; pass its directory or a path ending in .json`,
    );
  const hex = Array.from(head, (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new FormatError(
    `loadModel: '${path}' is not a .keras (zip) or Keras .h5 (HDF5) file (it starts with ${hex || 'nothing'}, ${size} bytes); refused before reading it`,
  );
}

/**
 * Reads the weight shards a TF.js manifest lists, bounded by the manifest: each distinct path
 * once; only regular files inside the model's directory (symbolic links resolved, so a link to
 * `/dev/zero` or outside is refused); every group's files, sized by `stat` first, may hold at
 * most the bytes its entries need, so nothing larger is read.
 */
async function readTfjsShards(
  manifest: WeightsManifest,
  base: string,
  where: string,
): Promise<Map<string, Uint8Array>> {
  const op = 'loadModel';
  const baseReal = await realPath(base, op);
  // Either separator: realpath gives backslashes on Windows.
  const inside = (f: string) =>
    f.startsWith(baseReal.endsWith('/') || baseReal.endsWith('\\') ? baseReal : `${baseReal}/`) ||
    f.startsWith(`${baseReal}\\`);
  const found = new Map<string, { file: string; size: number }>();
  for (const g of manifest) {
    for (const p of g.paths) {
      if (found.has(p)) continue;
      const shown = JSON.stringify(p.length > 80 ? `${p.slice(0, 80)}…` : p);
      const rel = p.replace(/^(\.\/)+/, '');
      if (rel === '' || rel.endsWith('/'))
        throw new FileError(
          `${where}: weight path ${shown} names a directory, not a shard file`,
          joinPath(base, rel),
        );
      if (shardPathEscapes(p))
        throw new FileError(`${where}: weight path ${shown} leaves the model's directory`, p);
      const file = await realPath(joinPath(base, rel), op);
      if (!inside(file))
        throw new FileError(
          `${where}: weight path ${shown} resolves to '${file}', outside the model's directory '${baseReal}'`,
          file,
        );
      found.set(p, { file, size: await regularFileSize(file, op) });
    }
  }
  const need = groupByteLengths(manifest);
  manifest.forEach((g, gi) => {
    // Counted as listed (repeats included): that is what the decoder would concatenate.
    let have = 0;
    for (const p of g.paths) have += found.get(p)!.size;
    if (have > need[gi]! + SHARD_SLACK_BYTES) {
      throw new FormatError(
        `${where}: weight group ${gi} needs ${need[gi]} bytes for its ${g.weights.length} entries, but its ${g.paths.length} shard paths (${listShort(g.paths)}) hold ${have}: the shards do not belong to this manifest; refused before reading them`,
      );
    }
  });
  const files = new Map<string, Uint8Array>();
  for (const [p, { file, size }] of found) {
    // maxBytes: the size checked above, in case the file grew since.
    files.set(p, await readFileBytes(file, op, { maxBytes: size, what: 'weight shard' }));
  }
  return files;
}

/**
 * Loads a model from a path (Node.js): `*.keras`, legacy Keras `*.h5`, or a TF.js directory /
 * `model.json` (its weight shards are read from beside it); from an `http(s)://` URL of the
 * same (TF.js shards fetched beside `model.json`); or from browser `File`/`Blob` objects (one
 * `.keras`/`.h5`, or a `model.json` with its shard files). Reads are bounded by the files:
 * only regular files, the magic bytes looked at before the rest is read, JSON size and depth
 * checked before parsing, shards only inside the model's directory and no larger than the
 * manifest needs. A missing path, a directory or a device is a {@link FileError}.
 * @example const model = await loadModel('../shared/models/keras/mlp/mlp.keras');
 */
export async function loadModel(
  source: string | Blob | readonly Blob[],
  opts: LoadOptions = {},
): Promise<Model> {
  if (typeof source !== 'string')
    return loadModelFromBlobs(
      Array.isArray(source) ? source : [source as Blob],
      opts,
      loadModelFromBytes,
    );
  if (isHttpUrl(source)) return loadModelFromUrl(source, opts, loadModelFromBytes);
  const target = browserTarget(source);
  if (target)
    return loadModelFromBytes(await loadFromBrowser(target.scheme, target.name, 'loadModel'), opts);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(source);
  if (scheme)
    throw new FileError(
      `loadModel: '${scheme[1]}://' sources are not supported; load an http(s) URL, indexeddb:// or localstorage:// (browsers), a file path (Node) or File/Blob objects`,
      source,
    );
  const path = source;
  const dir = await isDirectory(path, 'loadModel');
  const fmt = formatOfPath(path, dir);
  if (fmt !== 'tfjs') {
    const bytes = await readFileBytes(path, 'loadModel', {
      maxBytes: opts.maxFileBytes,
      what: 'model file',
      check: (peek, size) => checkModelMagic(peek, size, path),
    });
    return loadModelFromBytes(bytes, opts);
  }
  const jsonPath = dir ? joinPath(path, 'model.json') : path;
  const base = jsonPath.slice(0, Math.max(0, jsonPath.lastIndexOf('/'))) || '.';
  const jsonBytes = await readFileBytes(jsonPath, 'loadModel', {
    maxBytes: MAX_JSON_BYTES,
    what: 'model.json',
  });
  const modelJson = parseModelJson(parseJson(jsonBytes, jsonPath), jsonPath);
  const files = await readTfjsShards(modelJson.weightsManifest, base, jsonPath);
  return decodeTfjsModel(modelJson, (p) => {
    const b = files.get(p);
    if (!b) throw new FormatError(`${jsonPath}: weight file '${p}' not found`);
    return b;
  });
}

/**
 * Saves the weights (Node.js): `*.weights.h5` in Keras's layout, anything else in Tessera's
 * checked binary format. Written atomically.
 * @example await saveWeights(model, 'ckpt/best.weights.h5');
 */
export async function saveWeights(model: Model, path: string): Promise<void> {
  const bytes = path.endsWith('.h5')
    ? await writeKerasWeights(model, { includeOptimizer: false })
    : weightsToBytes(model);
  await atomicWriteFile(path, bytes);
}

/**
 * Loads weights saved by {@link saveWeights}, by Keras (`.weights.h5`) or a legacy Keras `.h5`
 * (Node.js). By order unless `byName`; a mismatch names the layer, the weight and both shapes.
 * @example await loadWeights(model, 'ckpt/best.weights.h5');
 */
export async function loadWeights(
  model: Model,
  path: string,
  opts: LoadWeightsOptions = {},
): Promise<unknown> {
  const bytes = await readFileBytes(path, 'loadWeights', {
    maxBytes: opts.maxFileBytes,
    what: 'weights file',
    check: async (peek, size) => {
      const head = await peek(0, 8);
      if (isHdf5(head) || CHECKPOINT_MAGIC.split('').every((c, i) => head[i] === c.charCodeAt(0)))
        return;
      for (let off = 512; off + 8 <= size; off *= 2) if (isHdf5(await peek(off, 8))) return;
      throw new FormatError(
        `loadWeights: '${path}' is neither a Keras .weights.h5 / .h5 (HDF5) file nor a Tessera weights file (bad magic bytes, ${size} bytes); refused before reading it`,
      );
    },
  });
  if (isHdf5(bytes)) {
    // A legacy file has /model_weights (or layer groups with weight_names); Keras 3 has /layers.
    try {
      return await readKerasWeights(model, bytes, { skipMismatch: opts.skipMismatch });
    } catch (e) {
      const legacy = await readLegacyH5(bytes).catch(() => null);
      if (!legacy || legacy.weights.length === 0) throw e;
      return loadLegacyWeights(model, legacy, { byName: opts.byName ?? false });
    }
  }
  return weightsFromBytes(model, bytes, opts);
}

// Model.save, saveWeights and loadWeights call these (models does not import io).
setModelFileOps({ saveModel, saveWeights, loadWeights });
