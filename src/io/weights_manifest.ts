/**
 * TensorFlow.js weights manifests and their binary data, in bytes only (no file system).
 *
 * A manifest is a list of groups; each group lists weight entries `{name, shape, dtype, group?,
 * quantization?}` and the paths of the shard files that hold them. A group's binary data is its
 * entries' raw little-endian values concatenated in manifest order, then cut into the shards in
 * `paths` order (a tensor may straddle two shards). Quantized entries store `uint8`/`uint16`
 * codes (`value = code · scale + min`) or `float16` halves instead of the declared dtype (rules
 * of `tfjs-core/src/io/io_utils.ts` `decodeWeight`).
 *
 * Every size is checked against the actual byte count before anything is read or allocated, so
 * a truncated file, a shard list whose sizes do not add up, or a manifest declaring an absurd
 * shape is a {@link FormatError}, never a crash or a huge allocation.
 */
import { ValueError, fmtShape } from '../errors.js';
import type { Layer, LayerVariable } from '../layers/layer.js';
import { Model } from '../models/model.js';
import { tensor } from '../ops/creation.js';
import type { TypedArray } from '../tensor/dtype.js';
import { FormatError } from './errors.js';

/** Dtypes a manifest entry may declare (TF.js's list). */
export type ManifestDType = 'float32' | 'int32' | 'bool' | 'string' | 'complex64';

/** Dtypes whose values this module decodes. */
export type DecodableDType = 'float32' | 'int32' | 'bool';

/** How a weight's values are stored when quantized. */
export interface WeightQuantization {
  dtype: 'uint8' | 'uint16' | 'float16';
  /** Required for uint8/uint16: `value = code * scale + min`. */
  scale?: number;
  min?: number;
}

/** One weight in a manifest (TF.js's `WeightsManifestEntry`). */
export interface WeightsManifestEntry {
  /** `<layer name>/<weight name>`, e.g. `dense/kernel`; optimizer slots `dense/kernel/m`. */
  name: string;
  shape: number[];
  dtype: ManifestDType;
  /** `'optimizer'` for optimizer state; absent or `'model'` for model weights. */
  group?: 'model' | 'optimizer';
  quantization?: WeightQuantization;
}

/** One group of a manifest: weights stored together in `paths`, in order. */
export interface WeightsManifestGroup {
  paths: string[];
  weights: WeightsManifestEntry[];
}

/** TF.js's `WeightsManifestConfig`. */
export type WeightsManifest = WeightsManifestGroup[];

/** A weight's values: what {@link decodeManifestWeights} returns and {@link encodeManifestWeights} takes. */
export interface NamedWeight {
  name: string;
  shape: number[];
  dtype: DecodableDType;
  /** `'optimizer'` for optimizer state; `'model'` otherwise. */
  group: 'model' | 'optimizer';
  /** Row-major values: Float32Array, Int32Array or (bool) Uint8Array. */
  values: TypedArray;
}

/** A shard file's path and bytes. */
export interface WeightShard {
  path: string;
  data: Uint8Array;
}

/**
 * Weight bytes as a caller has them: all groups' data concatenated (e.g. the single
 * `weights.bin` that `file://` saves write), one array per path in manifest order (groups'
 * paths flattened), the `{path, data}` shards that `encodeTfjsModel` / `modelToTfjs` return
 * (matched by path, in any order), or a function returning a path's bytes.
 */
export type WeightData =
  | Uint8Array
  | readonly Uint8Array[]
  | readonly WeightShard[]
  | ((path: string) => Uint8Array);

const ELEMENT_BYTES: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Longest list of names an error message spells out. */
const MAX_LISTED = 10;

/** `a, b, c and 7 more`: a bounded list for error messages. */
export function listNames(names: readonly string[]): string {
  const shown = names.slice(0, MAX_LISTED).map((n) => `'${n}'`);
  return names.length > MAX_LISTED
    ? `${shown.join(', ')} and ${names.length - MAX_LISTED} more`
    : shown.join(', ');
}

function describe(x: unknown): string {
  if (x === undefined) return 'undefined';
  try {
    const s = JSON.stringify(x);
    return s === undefined ? String(x) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(x);
  }
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

function own(o: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
}

/** Number of elements of a validated shape (every dim a safe non-negative integer). */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Bytes an entry occupies in the binary data. */
export function entryByteLength(e: WeightsManifestEntry): number {
  const per = ELEMENT_BYTES[e.quantization ? e.quantization.dtype : e.dtype];
  if (per === undefined)
    throw new FormatError(`weightsManifest: weight '${e.name}' has unsupported dtype ${e.dtype}`);
  return shapeSize(e.shape) * per;
}

function parseEntry(x: unknown, where: string): WeightsManifestEntry {
  const fail = (why: string): never => {
    throw new FormatError(`${where} ${why}`);
  };
  if (!isRecord(x)) return fail(`must be an object {name, shape, dtype}, got ${describe(x)}`);
  const name = own(x, 'name');
  if (typeof name !== 'string' || name.length === 0)
    fail(`has no name (expected a non-empty string, got ${describe(name)})`);
  const w = `${where} ('${name as string}')`;
  const failW = (why: string): never => {
    throw new FormatError(`${w} ${why}`);
  };
  const shape = own(x, 'shape');
  if (!Array.isArray(shape))
    failW(`has no shape (expected an array of sizes, got ${describe(shape)})`);
  const dims = shape as unknown[];
  if (dims.length > 32) failW(`has a shape of rank ${dims.length}; at most 32 is supported`);
  let size = 1;
  for (const d of dims) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0)
      failW(`has an invalid shape ${describe(shape)}: sizes must be non-negative integers`);
    size *= d as number;
    if (!Number.isSafeInteger(size)) failW(`declares an impossibly large shape ${describe(shape)}`);
  }
  const dtype = own(x, 'dtype');
  if (dtype === 'string' || dtype === 'complex64')
    failW(`has dtype '${dtype}', which Tessera cannot load (supported: float32, int32, bool)`);
  if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool')
    failW(`has unknown dtype ${describe(dtype)} (expected float32, int32 or bool)`);
  const group = own(x, 'group');
  if (group !== undefined && group !== null && group !== 'model' && group !== 'optimizer')
    failW(`has unknown group ${describe(group)} (expected 'model' or 'optimizer')`);
  const entry: WeightsManifestEntry = {
    name: name as string,
    shape: [...(dims as number[])],
    dtype: dtype as ManifestDType,
  };
  if (group === 'model' || group === 'optimizer') entry.group = group;
  const q = own(x, 'quantization');
  if (q !== undefined && q !== null) {
    if (!isRecord(q)) failW(`has an invalid quantization ${describe(q)}`);
    const qr = q as Record<string, unknown>;
    const qd = own(qr, 'dtype');
    if (qd !== 'uint8' && qd !== 'uint16' && qd !== 'float16')
      failW(`has unknown quantization dtype ${describe(qd)} (expected uint8, uint16 or float16)`);
    const quant: WeightQuantization = { dtype: qd as WeightQuantization['dtype'] };
    if (qd === 'float16') {
      if (dtype !== 'float32')
        failW(`is quantized as float16, which only applies to float32 weights, not ${dtype}`);
    } else {
      if (dtype === 'bool') failW(`is a bool weight and cannot be quantized as ${qd}`);
      const scale = own(qr, 'scale');
      const min = own(qr, 'min');
      if (typeof scale !== 'number' || !Number.isFinite(scale))
        failW(
          `is quantized as ${qd} but has no finite quantization.scale (got ${describe(scale)})`,
        );
      if (typeof min !== 'number' || !Number.isFinite(min))
        failW(`is quantized as ${qd} but has no finite quantization.min (got ${describe(min)})`);
      quant.scale = scale as number;
      quant.min = min as number;
    }
    entry.quantization = quant;
  }
  return entry;
}

/**
 * Validates a `weightsManifest` and returns a normalized copy (only known keys). Throws a
 * {@link FormatError} naming the group and entry when anything is malformed, a dtype is not
 * loadable (`string`, `complex64`), a shape is not a list of non-negative integers or the
 * declared sizes exceed what a byte count can represent.
 */
export function parseWeightsManifest(x: unknown, where = 'weightsManifest'): WeightsManifest {
  if (!Array.isArray(x))
    throw new FormatError(
      `${where} must be an array of {paths, weights} groups, got ${describe(x)}`,
    );
  let total = 0;
  return x.map((g, gi) => {
    const gw = `${where}[${gi}]`;
    if (!isRecord(g))
      throw new FormatError(`${gw} must be an object {paths, weights}, got ${describe(g)}`);
    const paths = own(g, 'paths');
    if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string'))
      throw new FormatError(`${gw}.paths must be an array of strings, got ${describe(paths)}`);
    const weights = own(g, 'weights');
    if (!Array.isArray(weights))
      throw new FormatError(`${gw}.weights must be an array of entries, got ${describe(weights)}`);
    const entries = weights.map((e, i) => parseEntry(e, `${gw}.weights[${i}]`));
    for (const e of entries) {
      total += entryByteLength(e);
      if (!Number.isSafeInteger(total))
        throw new FormatError(`${where} declares more weight bytes than can be addressed`);
    }
    return { paths: [...(paths as string[])], weights: entries };
  });
}

/** Bytes a TF.js weight group's files may hold beyond what its entries need. */
export const SHARD_SLACK_BYTES = 4096;

/**
 * Whether a manifest's weight path leaves the model's folder (absolute, a drive or URL
 * scheme, a backslash, a NUL, or a `..` step): the one rule of the file and URL loaders.
 */
export function shardPathEscapes(p: string): boolean {
  return (
    p.startsWith('/') ||
    p.includes('\\') ||
    p.includes('\u0000') ||
    /^[A-Za-z][A-Za-z0-9+.-]*:/.test(p) ||
    p.split('/').includes('..')
  );
}

/** Total bytes of each group's entries. */
export function groupByteLengths(manifest: WeightsManifest): number[] {
  return manifest.map((g) => g.weights.reduce((n, e) => n + entryByteLength(e), 0));
}

function fmtBytes(n: number): string {
  return `${n} byte${n === 1 ? '' : 's'}`;
}

/** A `{path, …}` object in a shard list (as opposed to bare Uint8Array shards). */
function looksLikeShard(x: unknown): boolean {
  return isRecord(x) && !(x instanceof Uint8Array) && 'path' in x;
}

/**
 * The bytes of every manifest path, in manifest order, from `{path, data}` shards (what the
 * encoder returns). A leading `./` is ignored on both sides; a shard given twice, a shard the
 * manifest does not list and a listed path with no shard are errors naming the path.
 */
function shardsByPath(data: readonly unknown[], paths: readonly string[], where: string) {
  const norm = (p: string) => p.replace(/^(\.\/)+/, '');
  const given = new Map<string, Uint8Array>();
  data.forEach((s, i) => {
    const path = isRecord(s) ? own(s, 'path') : undefined;
    const bytes = isRecord(s) ? own(s, 'data') : undefined;
    if (typeof path !== 'string' || !(bytes instanceof Uint8Array))
      throw new FormatError(
        `${where}: shard ${i} must be {path: string, data: Uint8Array} like the others, got ${describe(s)}`,
      );
    if (given.has(norm(path))) throw new FormatError(`${where}: shard '${path}' is given twice`);
    given.set(norm(path), bytes);
  });
  const listed = new Set(paths.map(norm));
  const extra = [...given.keys()].filter((p) => !listed.has(p));
  if (extra.length > 0)
    throw new FormatError(
      `${where}: shard(s) ${listNames(extra)} are not in the manifest, which lists ${listNames(paths)}`,
    );
  return paths.map((p) => {
    const b = given.get(norm(p));
    if (b === undefined)
      throw new FormatError(
        `${where}: the manifest lists shard '${p}' but no shard with that path was given (given: ${listNames([...given.keys()])})`,
      );
    return b;
  });
}

/** Each group's shards, checked against the group's declared size. */
function groupShards(manifest: WeightsManifest, data: WeightData, where: string): Uint8Array[][] {
  const sizes = groupByteLengths(manifest);
  const total = sizes.reduce((a, b) => a + b, 0);
  const entryCount = manifest.reduce((n, g) => n + g.weights.length, 0);
  if (data instanceof Uint8Array) {
    if (data.length < total)
      throw new FormatError(
        `${where}: the manifest declares ${fmtBytes(total)} of weights (${entryCount} entries) but the weight data has only ${fmtBytes(data.length)}: the data is truncated or belongs to another model`,
      );
    if (data.length > total)
      throw new FormatError(
        `${where}: the manifest declares ${fmtBytes(total)} of weights (${entryCount} entries) but the weight data has ${fmtBytes(data.length)} (${fmtBytes(data.length - total)} too many): the data belongs to another model or the manifest is incomplete`,
      );
    let off = 0;
    return sizes.map((s) => {
      const part = data.subarray(off, off + s);
      off += s;
      return [part];
    });
  }
  const paths = manifest.flatMap((g) => g.paths);
  let shards: Uint8Array[];
  if (typeof data === 'function') {
    shards = paths.map((p) => {
      let b: unknown;
      try {
        b = data(p);
      } catch (e) {
        throw new FormatError(`${where}: cannot read weight shard '${p}': ${(e as Error).message}`);
      }
      if (!(b instanceof Uint8Array))
        throw new FormatError(
          `${where}: the weight reader returned ${describe(b)} for shard '${p}'; expected a Uint8Array`,
        );
      return b;
    });
  } else if (Array.isArray(data) && data.some(looksLikeShard)) {
    shards = shardsByPath(data, paths, where);
  } else if (Array.isArray(data)) {
    if (data.length !== paths.length)
      throw new FormatError(
        `${where}: the manifest lists ${paths.length} shard paths (${listNames(paths)}) but ${data.length} shard arrays were given`,
      );
    data.forEach((b, i) => {
      if (!(b instanceof Uint8Array))
        throw new FormatError(
          `${where}: shard ${i} ('${paths[i]}') is ${describe(b)}; expected a Uint8Array`,
        );
    });
    shards = [...data];
  } else {
    throw new FormatError(
      `${where}: weight data must be a Uint8Array, an array of Uint8Array shards, an array of {path, data} shards or a function path → Uint8Array, got ${describe(data)}`,
    );
  }
  let k = 0;
  return manifest.map((g, gi) => {
    const mine = shards.slice(k, k + g.paths.length);
    const names = paths.slice(k, k + g.paths.length);
    k += g.paths.length;
    const have = mine.reduce((n, b) => n + b.length, 0);
    const want = sizes[gi]!;
    if (have !== want) {
      // At most 5 shards named, so a manifest listing 20,000 paths still gives a short message.
      const detail =
        mine
          .slice(0, 5)
          .map((b, i) => `'${names[i]}' ${b.length}`)
          .join(', ') + (mine.length > 5 ? ` and ${mine.length - 5} more` : '');
      throw new FormatError(
        `${where}: weight group ${gi} declares ${fmtBytes(want)} (${g.weights.length} entries) but its shards hold ${fmtBytes(have)} (${detail || 'no shards'}): ${have < want ? 'a shard is truncated or missing' : 'the shards do not belong to this manifest'}`,
      );
    }
    return mine;
  });
}

/** Copies bytes [start, start+len) of the concatenation of `shards` into a fresh buffer. */
function copyRange(shards: readonly Uint8Array[], start: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  let pos = 0;
  let base = 0;
  for (const s of shards) {
    if (pos >= len) break;
    const end = base + s.length;
    if (end > start + pos) {
      const from = start + pos - base;
      const take = Math.min(s.length - from, len - pos);
      out.set(s.subarray(from, from + take), pos);
      pos += take;
    }
    base = end;
  }
  return out;
}

function swapBytes(b: Uint8Array, size: number): void {
  for (let i = 0; i + size <= b.length; i += size) b.subarray(i, i + size).reverse();
}

/** float16 bits → number. */
export function float16ToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function decodeEntry(e: WeightsManifestEntry, bytes: Uint8Array): TypedArray {
  const n = shapeSize(e.shape);
  const q = e.quantization;
  if (q) {
    const per = ELEMENT_BYTES[q.dtype]!;
    if (!HOST_LITTLE_ENDIAN && per > 1) swapBytes(bytes, per);
    const codes = per === 1 ? bytes : new Uint16Array(bytes.buffer, bytes.byteOffset, n);
    if (q.dtype === 'float16') {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = float16ToNumber(codes[i]!);
      return out;
    }
    const scale = q.scale!;
    const min = q.min!;
    if (e.dtype === 'int32') {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = Math.round(codes[i]! * scale + min);
      return out;
    }
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = codes[i]! * scale + min;
    return out;
  }
  if (e.dtype === 'bool') return bytes;
  if (!HOST_LITTLE_ENDIAN) swapBytes(bytes, 4);
  return e.dtype === 'int32'
    ? new Int32Array(bytes.buffer, bytes.byteOffset, n)
    : new Float32Array(bytes.buffer, bytes.byteOffset, n);
}

/**
 * Checks `data` against the manifest's declared sizes without reading any value: returns each
 * group's shards. Throws a {@link FormatError} when the data is truncated, has trailing bytes,
 * the number of shards differs from the number of paths, or a group's shard sizes do not add
 * up to the bytes its entries declare.
 */
export function resolveWeightShards(
  manifest: WeightsManifest,
  data: WeightData,
  where = 'weights',
): Uint8Array[][] {
  return groupShards(manifest, data, where);
}

/**
 * Decodes the entries of a manifest from shards checked by {@link resolveWeightShards},
 * dequantizing as TF.js does. `filter` skips entries it rejects (their bytes are still
 * accounted for).
 */
export function readManifestWeights(
  manifest: WeightsManifest,
  shards: readonly (readonly Uint8Array[])[],
  filter?: (e: WeightsManifestEntry) => boolean,
): NamedWeight[] {
  const out: NamedWeight[] = [];
  manifest.forEach((g, gi) => {
    let off = 0;
    for (const e of g.weights) {
      const len = entryByteLength(e);
      if (!filter || filter(e)) {
        out.push({
          name: e.name,
          shape: [...e.shape],
          dtype: e.dtype as DecodableDType,
          group: e.group === 'optimizer' ? 'optimizer' : 'model',
          values: decodeEntry(e, copyRange(shards[gi]!, off, len)),
        });
      }
      off += len;
    }
  });
  return out;
}

/** {@link resolveWeightShards} then {@link readManifestWeights}. */
export function decodeManifestWeights(
  manifest: WeightsManifest,
  data: WeightData,
  where = 'weights',
  filter?: (e: WeightsManifestEntry) => boolean,
): NamedWeight[] {
  return readManifestWeights(manifest, resolveWeightShards(manifest, data, where), filter);
}

/** Options of {@link encodeManifestWeights}. */
export interface EncodeWeightsOptions {
  /** Largest shard in bytes (default 4 MiB, as the TF.js converter); tensors may straddle shards. */
  shardBytes?: number;
  /** The path of shard `i` (0-based) of `n`; default `group1-shard{i+1}of{n}.bin`. */
  shardPath?: (i: number, n: number) => string;
}

/** 4 MiB, the TF.js converter's default shard size. */
export const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;

/**
 * Encodes weights as one manifest group: values concatenated little-endian in the given order
 * and cut into shards of at most `shardBytes`. No shard is written when there are no bytes.
 */
export function encodeManifestWeights(
  weights: readonly NamedWeight[],
  opts: EncodeWeightsOptions = {},
): { group: WeightsManifestGroup; shards: WeightShard[] } {
  const shardBytes = opts.shardBytes ?? DEFAULT_SHARD_BYTES;
  if (
    !(
      shardBytes === Number.POSITIVE_INFINITY ||
      (Number.isSafeInteger(shardBytes) && shardBytes > 0)
    )
  )
    throw new FormatError(
      `encodeManifestWeights: shardBytes must be a positive integer, got ${describe(shardBytes)}`,
    );
  const pathOf = opts.shardPath ?? ((i: number, n: number) => `group1-shard${i + 1}of${n}.bin`);
  const entries: WeightsManifestEntry[] = [];
  let total = 0;
  for (const w of weights) {
    const per = ELEMENT_BYTES[w.dtype]!;
    const n = shapeSize(w.shape);
    if (w.values.length !== n)
      throw new FormatError(
        `encodeManifestWeights: weight '${w.name}' has ${w.values.length} values for shape [${w.shape.join(', ')}] (${n} elements)`,
      );
    const e: WeightsManifestEntry = { name: w.name, shape: [...w.shape], dtype: w.dtype };
    if (w.group === 'optimizer') e.group = 'optimizer';
    entries.push(e);
    total += n * per;
  }
  const all = new Uint8Array(total);
  let off = 0;
  for (const w of weights) {
    const per = ELEMENT_BYTES[w.dtype]!;
    const v = w.values;
    let bytes: Uint8Array;
    if (w.dtype === 'bool') {
      bytes = new Uint8Array(v.length);
      for (let i = 0; i < v.length; i++) bytes[i] = v[i] ? 1 : 0;
    } else {
      const typed = w.dtype === 'int32' ? Int32Array.from(v) : Float32Array.from(v);
      bytes = new Uint8Array(typed.buffer);
      if (!HOST_LITTLE_ENDIAN) swapBytes(bytes, per);
    }
    all.set(bytes, off);
    off += bytes.length;
  }
  const step = Math.min(shardBytes, total);
  const count = total === 0 ? 0 : Math.ceil(total / step);
  const shards: WeightShard[] = [];
  for (let i = 0; i < count; i++) {
    const data = count === 1 ? all : all.slice(i * step, Math.min(total, (i + 1) * step));
    shards.push({ path: pathOf(i, count), data });
  }
  const paths = new Set(shards.map((s) => s.path));
  if (paths.size !== shards.length || [...paths].some((p) => typeof p !== 'string' || p === ''))
    throw new FormatError(
      `encodeManifestWeights: shardPath must give ${count} distinct non-empty paths, got ${describe(shards.map((s) => s.path))}`,
    );
  return { group: { paths: shards.map((s) => s.path), weights: entries }, shards };
}

// ---------------------------------------------------------------------------------------------
// Model weights <-> TF.js names

/**
 * The name TF.js gives each weight of a model: `<layer name>/<weight name>`, where the layer is
 * the top-level layer that owns the weight, as tfjs-layers scopes names when it builds layers:
 *
 * - plain layers: `dense/kernel`, `conv2d/bias`, `batch_normalization/moving_mean`;
 * - an RNN's cell is built inside the RNN's scope, so its name is left out: `lstm/kernel`,
 *   `lstm/recurrent_kernel`, `gru/bias` (Tessera's own path is `lstm/lstm_cell/kernel`);
 * - `TimeDistributed` builds its inner layer in its own scope too: `time_distributed/kernel`;
 * - `Bidirectional` scopes each direction by its name:
 *   `bidirectional/forward_lstm/kernel`, `bidirectional/backward_lstm/bias`;
 * - a model used as a layer contributes its layers' names without its own:
 *   `dense_1/kernel`, not `inner_model/dense_1/kernel`.
 *
 * Children other than a `cell` or a wrapped `layer` are scoped by their name, as Bidirectional's.
 */
export function tfjsWeightNames(model: Layer): Map<LayerVariable, string> {
  const out = new Map<LayerVariable, string>();
  const visit = (layer: Layer, scope: string, transparent: boolean, depth: number) => {
    if (depth > 64) throw new ValueError('tfjsWeightNames: layers nest more than 64 deep');
    if (layer instanceof Model) {
      for (const w of layer.ownVariables)
        if (!out.has(w)) out.set(w, `${layer.name}/${w.weightName}`);
      for (const l of layer.layers) visit(l, '', false, depth + 1);
      return;
    }
    const base = transparent ? scope : `${scope}${layer.name}/`;
    for (const w of layer.ownVariables) if (!out.has(w)) out.set(w, `${base}${w.weightName}`);
    for (const [key, child] of Object.entries(layer.savedChildren())) {
      visit(child, base, key === 'cell' || key === 'layer', depth + 1);
    }
  };
  visit(model, '', false, 0);
  return out;
}

/** The layer part of a variable's Tessera path (`lstm/lstm_cell` of `lstm/lstm_cell/kernel`). */
function ownerOf(v: LayerVariable): string {
  const suffix = `/${v.weightName}`;
  return v.name.endsWith(suffix) ? v.name.slice(0, -suffix.length) : v.name;
}

/**
 * A model's weights with their TF.js names, in TF.js's order (trainable weights first, then
 * non-trainable ones such as BatchNormalization's moving statistics), with their current values.
 * Throws a ValueError when two weights would get the same name.
 */
export function collectTfjsWeights(model: Layer): NamedWeight[] {
  const names = tfjsWeightNames(model);
  const seen = new Map<string, LayerVariable>();
  // Not `model.weights`: a Model lists those in Keras 3's per-layer order, TF.js in Keras 2's.
  return [...model.trainableWeights, ...model.nonTrainableWeights].map((v) => {
    const name = names.get(v) ?? v.name;
    const prev = seen.get(name);
    if (prev && prev !== v)
      throw new ValueError(
        `${model.name}: two weights would be saved as '${name}' (Tessera paths '${prev.name}' and '${v.name}'); give the layers distinct names`,
      );
    seen.set(name, v);
    if (v.dtype === 'float64')
      return {
        name,
        shape: [...v.shape],
        dtype: 'float32',
        group: 'model',
        values: Float32Array.from(v.dataSync()),
      };
    return {
      name,
      shape: [...v.shape],
      dtype: v.dtype,
      group: 'model',
      values: v.dataSync(),
    } as NamedWeight;
  });
}

/** What {@link loadTfjsWeights} did. */
export interface LoadWeightsReport {
  /** Manifest names assigned to a model weight. */
  assigned: string[];
  /** Model-group manifest entries that matched no weight (only when not strict). */
  unused: string[];
  /** Model weights (TF.js names) no entry set (only when not strict). */
  missing: string[];
  /** Optimizer-group entries, decoded but not assigned. */
  optimizerWeights: NamedWeight[];
}

/** Options of {@link loadTfjsWeights}. */
export interface LoadWeightsOptions {
  /**
   * Require that entries and weights match one to one (default true, as TF.js). When false,
   * unmatched entries and unset weights are reported instead of refused; shapes must still match.
   */
  strict?: boolean;
  /** Prefix of error messages (default `loadTfjsWeights`). */
  where?: string;
}

/**
 * Assigns weights to a built model BY NAME from a TF.js manifest and its data. Names are
 * matched as TF.js does ({@link tfjsWeightNames}), also accepting a trailing `:0`, the TF 2.2
 * `layer/cell/weight` form (cell token dropped) and Tessera's own paths. Everything is checked
 * before any weight changes: the data's sizes, duplicate entries, each entry's shape against
 * its weight (the error names the layer, the weight and both shapes), and (strict) unmatched
 * entries and unset weights. Optimizer-group entries are decoded and returned, not assigned.
 */
export function loadTfjsWeights(
  model: Layer,
  manifest: WeightsManifest,
  data: WeightData,
  opts: LoadWeightsOptions = {},
): LoadWeightsReport {
  const where = opts.where ?? 'loadTfjsWeights';
  return loadResolvedWeights(model, manifest, resolveWeightShards(manifest, data, where), opts);
}

/**
 * {@link loadTfjsWeights} on shards already checked by {@link resolveWeightShards} (one list
 * per manifest group).
 */
export function loadResolvedWeights(
  model: Layer,
  manifest: WeightsManifest,
  shards: readonly (readonly Uint8Array[])[],
  opts: LoadWeightsOptions = {},
): LoadWeightsReport {
  const where = opts.where ?? 'loadTfjsWeights';
  const strict = opts.strict ?? true;
  if (shards.length !== manifest.length)
    throw new FormatError(
      `${where}: ${shards.length} shard lists for ${manifest.length} manifest groups`,
    );
  const names = tfjsWeightNames(model);
  const byName = new Map<string, LayerVariable>();
  const byPath = new Map<string, LayerVariable>();
  for (const v of model.weights) {
    const n = names.get(v) ?? v.name;
    if (byName.has(n) && byName.get(n) !== v)
      throw new FormatError(`${where}: the model has two weights named '${n}'`);
    byName.set(n, v);
    if (!byPath.has(v.name)) byPath.set(v.name, v);
  }
  const resolve = (name: string): LayerVariable | undefined => {
    const candidates = [name];
    const bare = name.endsWith(':0') ? name.slice(0, -2) : name;
    if (bare !== name) candidates.push(bare);
    const t = bare.split('/');
    if (t.length >= 3) candidates.push([...t.slice(0, -2), t[t.length - 1]].join('/'));
    for (const c of candidates) {
      const v = byName.get(c);
      if (v) return v;
    }
    for (const c of candidates) {
      const v = byPath.get(c);
      if (v) return v;
    }
    return undefined;
  };
  const plan = new Map<WeightsManifestEntry, LayerVariable>();
  const setBy = new Map<LayerVariable, string>();
  const unused: string[] = [];
  const seenNames = new Set<string>();
  for (const g of manifest) {
    for (const e of g.weights) {
      if (e.group === 'optimizer') continue;
      if (seenNames.has(e.name))
        throw new FormatError(`${where}: the manifest lists weight '${e.name}' twice`);
      seenNames.add(e.name);
      const v = resolve(e.name);
      if (!v) {
        unused.push(e.name);
        continue;
      }
      const prev = setBy.get(v);
      if (prev !== undefined)
        throw new FormatError(
          `${where}: manifest entries '${prev}' and '${e.name}' both name weight '${names.get(v) ?? v.name}'`,
        );
      if (e.shape.length !== v.shape.length || e.shape.some((d, i) => d !== v.shape[i])) {
        throw new FormatError(
          `${where}: layer '${ownerOf(v)}' weight '${v.weightName}' has shape ${fmtShape(v.shape)} in the model but the manifest entry '${e.name}' has shape ${fmtShape(e.shape)}`,
        );
      }
      setBy.set(v, e.name);
      plan.set(e, v);
    }
  }
  const missing = model.weights.filter((v) => !setBy.has(v)).map((v) => names.get(v) ?? v.name);
  if (strict && unused.length > 0) {
    const known = [...byName.keys()];
    throw new FormatError(
      `${where}: ${unused.length} manifest ${unused.length === 1 ? 'entry matches' : 'entries match'} no weight of model '${model.name}': ${listNames(unused)}. The model's weights are ${known.length ? listNames(known) : '(none)'}`,
    );
  }
  if (strict && missing.length > 0) {
    throw new FormatError(
      `${where}: ${missing.length} of ${model.weights.length} weights of model '${model.name}' are not in the manifest: ${listNames(missing)}`,
    );
  }
  const decoded = readManifestWeights(
    manifest,
    shards,
    (e) => plan.has(e) || e.group === 'optimizer',
  );
  const optimizerWeights: NamedWeight[] = [];
  const entries = manifest
    .flatMap((g) => g.weights)
    .filter((e) => plan.has(e) || e.group === 'optimizer');
  decoded.forEach((w, i) => {
    const e = entries[i]!;
    const v = plan.get(e);
    if (!v) {
      optimizerWeights.push(w);
      return;
    }
    v.assign(tensor(w.values, w.shape, w.dtype));
  });
  return { assigned: [...plan.keys()].map((e) => e.name), unused, missing, optimizerWeights };
}
