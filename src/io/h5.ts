/**
 * A small, defensive wrapper around h5wasm (HDF5 compiled to WebAssembly) for Keras weight
 * files. Reading: {@link openH5} reads the whole file once into a snapshot (groups,
 * attributes, dataset bytes) and returns an {@link H5Reader} over it, with synchronous access
 * and numeric data converted to Tessera's dtypes. Writing: {@link createH5} collects groups,
 * datasets and attributes in memory and {@link H5Writer.bytes} produces the file.
 *
 * Safety, because weight files come from anywhere:
 * - In Node the file is parsed in a worker thread with a time limit: HDF5 itself can loop
 *   forever on some corrupted files (a damaged global heap, for one), and a worker is the only
 *   way to stop synchronous wasm. On timeout, crash or wasm trap the worker is discarded and
 *   a fresh one serves the next call. The worker runs its own module file (`h5_worker.js`,
 *   with an empty `execArgv`, so any flags of the parent process work); where that file is
 *   absent or does not load, and in browsers, parsing runs in the calling thread.
 * - h5wasm is imported on first use, so importing Tessera does not instantiate the wasm module.
 * - The bytes go to a uniquely named file in h5wasm's in-memory file system, unlinked right
 *   after HDF5 opens it (HDF5 keeps reading through the open descriptor), so nothing is left.
 * - HDF5's diagnostic printing (`HDF5-DIAG: Error detected…` on stderr) is captured while our
 *   calls run, never printed; any diagnostic, negative status or exception becomes a
 *   {@link FormatError} that names the operation and the path, with HDF5's own reason.
 *   h5wasm's throwing error handler is not used: each exception thrown through wasm frames
 *   leaks wasm stack, and the module breaks after a few thousand.
 * - Sizes are checked before any allocation (file, dataset, attribute and total limits, object
 *   count, group depth), a dataset's element count and item size must agree with its shape and
 *   dtype, and buffers HDF5 fills with string pointers are zeroed first, so a failed read
 *   never frees garbage.
 * - Unsupported dtypes are refused by name; float16, bfloat16 (Keras's `dtype` attribute) and
 *   float64 are converted to float32 (float64 kept on request), integer types to int32 when
 *   every value fits.
 * Errors inside one dataset or attribute are reported when it is read, so a damaged part that
 * is never used does not stop the rest.
 */
import type { Tensor } from '../tensor/tensor.js';
import { FormatError } from './errors.js';
import {
  DEFAULTS,
  type Engine,
  type H5AttrValue,
  type H5StoredDType,
  type SnapDataset,
  type SnapLimits,
  type SnapNode,
  type Snapshot,
  WorkerUnavailable,
  disableWorkers,
  loadEngine,
  noteUnwind,
  snapshotHere,
  snapshotInWorker,
  workerMaker,
} from './h5_engine.js';

export type { H5AttrValue, H5StoredDType };

// ---------------------------------------------------------------------------------------------
// Public types

/** A dataset read into memory, with data in a Tessera dtype. */
export interface H5Array {
  shape: number[];
  /** The dtype of `data` (what a Tessera tensor of it would be). */
  dtype: 'float32' | 'float64' | 'int32' | 'bool';
  /** The dtype stored in the file. */
  storedDtype: H5StoredDType;
  data: Float32Array | Float64Array | Int32Array | Uint8Array;
}

/** Limits and isolation options of {@link openH5} (sizes in bytes). */
export interface H5ReadOptions {
  /** Largest file accepted (default 2 GiB). */
  maxFileBytes?: number;
  /** Largest single dataset (default 1 GiB). */
  maxDatasetBytes?: number;
  /** Largest single attribute (default 64 MiB). */
  maxAttrBytes?: number;
  /** Most dataset bytes read in all (default 2 GiB). */
  maxTotalBytes?: number;
  /** Most groups, datasets and links visited (default 100 000). */
  maxObjects?: number;
  /**
   * Parse in a worker thread with a time limit (default true where worker threads exist,
   * i.e. Node). `false` parses in the calling thread: no start-up cost, but a file that makes
   * HDF5 loop forever then hangs the caller.
   */
  isolate?: boolean;
  /** Time limit of an isolated parse in ms (default 30 s plus 0.1 s per MB). */
  timeoutMs?: number;
}

/** Read access to an HDF5 file; paths are absolute or relative to the root (`layers/dense`). */
export interface H5Reader {
  /** Whether a group, dataset or link exists at `path`. */
  has(path: string): boolean;
  isGroup(path: string): boolean;
  isDataset(path: string): boolean;
  /** Names of a group's members, in HDF5's order (by name, or by creation when tracked). */
  keys(path?: string): string[];
  /** Names of the attributes of a group or dataset. */
  attrNames(path: string): string[];
  /** Attributes of a group or dataset; unreadable or unsupported ones are left out. */
  attrs(path: string): Record<string, H5AttrValue>;
  /** One attribute, or `undefined` when absent; throws when unreadable. */
  attr(path: string, name: string): H5AttrValue | undefined;
  /** Shape, stored dtype and size of a dataset. */
  datasetInfo(path: string): { shape: number[]; storedDtype: H5StoredDType; bytes: number };
  /**
   * A dataset's values (a fresh copy each call). Floating types come back as float32 (float64
   * too, unless `keepFloat64`); integer types as int32 when every value fits; h5py booleans
   * as bool.
   */
  readDataset(path: string, opts?: { keepFloat64?: boolean }): H5Array;
  /** Releases the snapshot (idempotent); later calls throw. */
  close(): void;
}

/** A typed array or tensor to store as a dataset, with its shape. */
export type H5DatasetValue =
  | Tensor
  | {
      shape: readonly number[];
      data: Float32Array | Float64Array | Int32Array | Uint8Array | BigInt64Array;
    };

/** Builds an HDF5 file in memory. */
export interface H5Writer {
  /** Creates a group (and its parents); returns the writer. */
  group(path: string): H5Writer;
  /** Creates a dataset (and its parent groups): float32, float64, int32, uint8 or int64. */
  dataset(path: string, value: H5DatasetValue): H5Writer;
  /** Sets an attribute on an existing group or dataset (`'/'` for the root). */
  attr(
    path: string,
    name: string,
    value: string | readonly string[] | number | readonly number[] | bigint,
  ): H5Writer;
  /** Writes the file and returns its bytes. */
  bytes(): Promise<Uint8Array>;
}

// ---------------------------------------------------------------------------------------------
// Reading

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** Whether the bytes carry the HDF5 signature (at 0 or after a user block of 512·2^k bytes). */
export function isHdf5(bytes: Uint8Array): boolean {
  for (let off = 0; off + 8 <= bytes.length; off = off === 0 ? 512 : off * 2) {
    if (HDF5_SIGNATURE.every((b, i) => bytes[off + i] === b)) return true;
  }
  return false;
}

function normPath(path: string, what: string): string {
  if (typeof path !== 'string') throw new FormatError(`${what}: path must be a string`);
  if (path.includes('\u0000')) throw new FormatError(`${what}: NUL in path`);
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.some((p) => p === '.' || p === '..')) {
    throw new FormatError(`${what}: path '${path}' has a '.' or '..' segment`);
  }
  return `/${parts.join('/')}`;
}

/** Converts IEEE half-precision bits to a number. */
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** Decodes little-endian element bytes into a fresh array of a Tessera dtype. */
function decode(
  src: ArrayBuffer,
  n: number,
  d: H5StoredDType,
  keepFloat64: boolean,
  where: string,
): Pick<H5Array, 'dtype' | 'data'> {
  const buf = src.slice(0);
  switch (d) {
    case 'float32':
      return { dtype: 'float32', data: new Float32Array(buf, 0, n) };
    case 'float64': {
      const a = new Float64Array(buf, 0, n);
      return keepFloat64
        ? { dtype: 'float64', data: a }
        : { dtype: 'float32', data: Float32Array.from(a) };
    }
    case 'float16': {
      const u = new Uint16Array(buf, 0, n);
      return { dtype: 'float32', data: Float32Array.from(u, halfToFloat) };
    }
    case 'bfloat16': {
      const u = new Uint16Array(buf, 0, n);
      const bits = Uint32Array.from(u, (v) => v << 16);
      return { dtype: 'float32', data: new Float32Array(bits.buffer) };
    }
    case 'bool':
      return {
        dtype: 'bool',
        data: Uint8Array.from(new Uint8Array(buf, 0, n), (v) => (v ? 1 : 0)),
      };
    case 'int8':
      return { dtype: 'int32', data: Int32Array.from(new Int8Array(buf, 0, n)) };
    case 'uint8':
      return { dtype: 'int32', data: Int32Array.from(new Uint8Array(buf, 0, n)) };
    case 'int16':
      return { dtype: 'int32', data: Int32Array.from(new Int16Array(buf, 0, n)) };
    case 'uint16':
      return { dtype: 'int32', data: Int32Array.from(new Uint16Array(buf, 0, n)) };
    case 'int32':
      return { dtype: 'int32', data: new Int32Array(buf, 0, n) };
    default: {
      const values =
        d === 'uint32'
          ? new Uint32Array(buf, 0, n)
          : d === 'int64'
            ? new BigInt64Array(buf, 0, n)
            : new BigUint64Array(buf, 0, n);
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = Number(values[i]!);
        if (v > 2147483647 || v < -2147483648) {
          throw new FormatError(`${where}: ${d} value ${values[i]} does not fit in int32`);
        }
        out[i] = v;
      }
      return { dtype: 'int32', data: out };
    }
  }
}

class SnapshotReader implements H5Reader {
  private nodes: Map<string, SnapNode> | null;

  constructor(snap: Snapshot) {
    this.nodes = snap.nodes;
  }

  private node(path: string, what: string): [string, SnapNode | undefined] {
    if (!this.nodes) throw new FormatError(`${what}: the HDF5 reader is closed`);
    const p = normPath(path, what);
    return [p, this.nodes.get(p)];
  }

  private existing(path: string, what: string): [string, SnapNode] {
    const [p, n] = this.node(path, what);
    if (!n || n.type === 'other') throw new FormatError(`${what}: no group or dataset at '${p}'`);
    return [p, n];
  }

  has(path: string): boolean {
    return this.node(path, 'h5.has')[1] !== undefined;
  }

  isGroup(path: string): boolean {
    return this.node(path, 'h5.isGroup')[1]?.type === 'group';
  }

  isDataset(path: string): boolean {
    return this.node(path, 'h5.isDataset')[1]?.type === 'dataset';
  }

  keys(path = '/'): string[] {
    const [p, n] = this.existing(path, 'h5.keys');
    if (n.type !== 'group') throw new FormatError(`h5.keys: '${p}' is a dataset, not a group`);
    if (!n.children) throw new FormatError(`h5: listing group '${p}': ${n.error ?? 'failed'}`);
    return [...n.children];
  }

  attrNames(path: string): string[] {
    const [, n] = this.existing(path, 'h5.attrNames');
    return [...n.attrs.keys(), ...n.attrErrors.keys()];
  }

  attrs(path: string): Record<string, H5AttrValue> {
    const [, n] = this.existing(path, 'h5.attrs');
    const out: Record<string, H5AttrValue> = {};
    for (const [k, v] of n.attrs) {
      Object.defineProperty(out, k, { value: v, enumerable: true, writable: true });
    }
    return out;
  }

  attr(path: string, name: string): H5AttrValue | undefined {
    const [p, n] = this.existing(path, 'h5.attr');
    const err = n.attrErrors.get(name);
    if (err !== undefined) throw new FormatError(`h5: attribute '${name}' of '${p}': ${err}`);
    return n.attrs.get(name);
  }

  private dataset(path: string, what: string): [string, SnapDataset] {
    const [p, n] = this.existing(path, what);
    if (n.type !== 'dataset') throw new FormatError(`${what}: '${p}' is a group, not a dataset`);
    if (!n.dataset) throw new FormatError(`h5: dataset '${p}': ${n.error ?? 'unreadable'}`);
    return [p, n.dataset];
  }

  datasetInfo(path: string): { shape: number[]; storedDtype: H5StoredDType; bytes: number } {
    const [, d] = this.dataset(path, 'h5.datasetInfo');
    return { shape: [...d.shape], storedDtype: d.storedDtype, bytes: d.raw.byteLength };
  }

  readDataset(path: string, opts: { keepFloat64?: boolean } = {}): H5Array {
    const [p, d] = this.dataset(path, 'h5.readDataset');
    const n = d.shape.reduce((a, b) => a * b, 1);
    const out = decode(d.raw, n, d.storedDtype, opts.keepFloat64 ?? false, `h5: dataset '${p}'`);
    return { shape: [...d.shape], storedDtype: d.storedDtype, ...out };
  }

  close(): void {
    this.nodes = null;
  }
}

/**
 * Reads HDF5 bytes (copied) into a snapshot and returns a reader over it. In Node the parse
 * runs in a worker thread with a time limit (see {@link H5ReadOptions}).
 *
 * @throws FormatError when the bytes are not HDF5, are corrupted, exceed the limits or take
 *   too long to parse.
 * @example
 * const r = await openH5(bytes);
 * console.log(r.keys('layers'), r.readDataset('layers/dense/vars/0').shape);
 */
export async function openH5(bytes: Uint8Array, opts: H5ReadOptions = {}): Promise<H5Reader> {
  if (!(bytes instanceof Uint8Array)) throw new FormatError('openH5: expected a Uint8Array');
  const limits: SnapLimits = {
    maxFileBytes: opts.maxFileBytes ?? DEFAULTS.maxFileBytes,
    maxDatasetBytes: opts.maxDatasetBytes ?? DEFAULTS.maxDatasetBytes,
    maxAttrBytes: opts.maxAttrBytes ?? DEFAULTS.maxAttrBytes,
    maxTotalBytes: opts.maxTotalBytes ?? DEFAULTS.maxTotalBytes,
    maxObjects: opts.maxObjects ?? DEFAULTS.maxObjects,
    maxDepth: DEFAULTS.maxDepth,
  };
  if (bytes.length > limits.maxFileBytes) {
    throw new FormatError(
      `openH5: ${bytes.length} bytes, more than the limit of ${limits.maxFileBytes} (maxFileBytes)`,
    );
  }
  if (!isHdf5(bytes)) throw new FormatError('openH5: not an HDF5 file (no HDF5 signature)');
  const make = opts.isolate === false ? null : await workerMaker();
  const timeoutMs = opts.timeoutMs ?? 30_000 + Math.ceil(bytes.length / 1e6) * 100;
  let snap: Snapshot | null = null;
  if (make) {
    try {
      snap = await snapshotInWorker(make, bytes, limits, timeoutMs);
    } catch (e) {
      if (!(e instanceof WorkerUnavailable)) throw e;
      // No usable worker here (its module or h5wasm did not load, e.g. a bundle that left
      // h5_worker.js out): parse in this thread, without a time limit.
      disableWorkers();
    }
  }
  snap ??= await snapshotHere(bytes, limits);
  return new SnapshotReader(snap);
}

/** Opens HDF5 bytes, runs `fn` on the reader and closes it, whatever happens. */
export async function readH5<T>(
  bytes: Uint8Array,
  fn: (r: H5Reader) => T | Promise<T>,
  opts: H5ReadOptions = {},
): Promise<T> {
  const r = await openH5(bytes, opts);
  try {
    return await fn(r);
  } finally {
    r.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Writing (our own data, in this thread)

/**
 * Runs h5wasm write calls with HDF5's stderr captured; any diagnostic or exception becomes a
 * FormatError `"<what>: <HDF5's reason>"`.
 */
function guarded<T>(eng: Engine, what: string, fn: () => T): T {
  const tty = eng.fs.getStream?.(2)?.tty;
  const saved = tty?.ops;
  const captured: number[] = [];
  if (tty && saved) {
    tty.ops = {
      put_char(_t: unknown, v: number | null) {
        if (v !== null && captured.length < 65536) captured.push(v);
      },
      fsync() {},
    };
  }
  try {
    const out = fn();
    if (captured.length > 0) throw new FormatError(`${what}: ${hdf5Reason(captured)}`);
    return out;
  } catch (e) {
    if (e instanceof FormatError) throw e;
    noteUnwind();
    throw new FormatError(
      `${what}: ${captured.length ? hdf5Reason(captured) : (e as Error)?.message}`,
    );
  } finally {
    if (tty && saved) tty.ops = saved;
  }
}

/** The innermost (most specific) message of an HDF5 error stack. */
function hdf5Reason(chars: number[]): string {
  const text = new TextDecoder().decode(new Uint8Array(chars));
  const lines = text.split('\n').filter((l) => /#\d+:/.test(l));
  const last = lines.at(-1);
  if (!last) return text.trim().slice(0, 300) || 'HDF5 error';
  const m = /in (\w+)\(\): (.*)$/.exec(last);
  return m ? `${m[2]} (HDF5 ${m[1]})` : last.trim();
}

let tempCounter = 0;
function tempPath(): string {
  tempCounter = (tempCounter + 1) % Number.MAX_SAFE_INTEGER;
  const rand = Math.floor(Math.random() * 2 ** 48).toString(36);
  return `/tessera-h5w-${Date.now().toString(36)}-${tempCounter}-${rand}.h5`;
}

type AttrSpec = string | readonly string[] | number | readonly number[] | bigint;

interface WNode {
  kind: 'group' | 'dataset';
  children: Map<string, WNode>;
  attrs: Map<string, AttrSpec>;
  shape?: number[];
  data?: Float32Array | Float64Array | Int32Array | Uint8Array | BigInt64Array;
}

const DTYPE_CODES = new Map<unknown, string>([
  [Float32Array, '<f'],
  [Float64Array, '<d'],
  [Int32Array, '<i'],
  [Uint8Array, '<B'],
  [BigInt64Array, '<q'],
]);

/** h5wasm arguments for an attribute value: strings as variable-length UTF-8, integers that
 * fit as int32, other numbers as float64, bigints as int64. */
function attrData(
  v: AttrSpec,
): [string | string[] | Int32Array | Float64Array | BigInt64Array, number[] | null, string | null] {
  if (typeof v === 'string') return [v, null, null];
  if (typeof v === 'bigint') return [new BigInt64Array([v]), [], '<q'];
  const list = typeof v === 'number' ? [v] : [...v];
  const shape = typeof v === 'number' ? [] : [list.length];
  if (list.every((x) => typeof x === 'string')) return [list as string[], shape, null];
  const nums = list as number[];
  if (nums.every((x) => Number.isInteger(x) && x >= -2147483648 && x <= 2147483647)) {
    return [Int32Array.from(nums), shape, '<i'];
  }
  return [Float64Array.from(nums), shape, '<d'];
}

class Writer implements H5Writer {
  private readonly root: WNode = { kind: 'group', children: new Map(), attrs: new Map() };

  private segments(path: string, what: string): string[] {
    return normPath(path, what).split('/').filter(Boolean);
  }

  private ensureGroup(parts: string[], what: string): WNode {
    let node = this.root;
    for (const [i, part] of parts.entries()) {
      let next = node.children.get(part);
      if (!next) {
        next = { kind: 'group', children: new Map(), attrs: new Map() };
        node.children.set(part, next);
      } else if (next.kind !== 'group') {
        throw new FormatError(`${what}: '/${parts.slice(0, i + 1).join('/')}' is a dataset`);
      }
      node = next;
    }
    return node;
  }

  group(path: string): H5Writer {
    this.ensureGroup(this.segments(path, 'h5.group'), 'h5.group');
    return this;
  }

  dataset(path: string, value: H5DatasetValue): H5Writer {
    const parts = this.segments(path, 'h5.dataset');
    const name = parts.pop();
    if (!name) throw new FormatError('h5.dataset: the root cannot be a dataset');
    const parent = this.ensureGroup(parts, 'h5.dataset');
    if (parent.children.has(name)) {
      throw new FormatError(`h5.dataset: '${normPath(path, 'h5.dataset')}' already exists`);
    }
    const shape = [...value.shape];
    const data = 'dataSync' in value ? value.dataSync() : value.data;
    if (!DTYPE_CODES.has(data.constructor)) {
      throw new FormatError(
        `h5.dataset: unsupported data type ${data.constructor.name} for '${path}'`,
      );
    }
    const n = shape.reduce((a, b) => a * b, 1);
    if (shape.some((d) => !Number.isSafeInteger(d) || d < 0) || n !== data.length) {
      throw new FormatError(
        `h5.dataset: shape [${shape.join(', ')}] does not match ${data.length} values for '${path}'`,
      );
    }
    parent.children.set(name, {
      kind: 'dataset',
      children: new Map(),
      attrs: new Map(),
      shape,
      data: data.slice() as WNode['data'],
    });
    return this;
  }

  attr(path: string, name: string, value: AttrSpec): H5Writer {
    const parts = this.segments(path, 'h5.attr');
    let node: WNode | undefined = this.root;
    for (const part of parts) node = node?.children.get(part);
    if (!node) {
      throw new FormatError(
        `h5.attr: nothing at '${normPath(path, 'h5.attr')}'; create the group first`,
      );
    }
    if (typeof name !== 'string' || name === '' || name.includes('\u0000')) {
      throw new FormatError('h5.attr: invalid attribute name');
    }
    const ok =
      typeof value === 'string' ||
      typeof value === 'bigint' ||
      (typeof value === 'number' && Number.isFinite(value)) ||
      (Array.isArray(value) &&
        (value.every((v) => typeof v === 'string') ||
          value.every((v) => typeof v === 'number' && Number.isFinite(v))));
    if (!ok) throw new FormatError(`h5.attr: unsupported value for attribute '${name}'`);
    node.attrs.set(name, Array.isArray(value) ? [...value] : value);
    return this;
  }

  async bytes(): Promise<Uint8Array> {
    const eng = await loadEngine();
    const { h5, mod, fs } = eng;
    const path = tempPath();
    let id = -1n;
    try {
      id = guarded(eng, 'h5: creating a file', () =>
        BigInt(mod.open(path, mod.H5F_ACC_TRUNC, false, -1, -1)),
      );
      if (id < 0n) throw new FormatError('h5: could not create a file');
      const fileId = id;
      const writeAttrs = (p: string, node: WNode) => {
        for (const [name, value] of node.attrs) {
          const [data, shape, dtype] = attrData(value);
          guarded(eng, `h5: writing attribute '${name}' of '${p}'`, () =>
            new h5.Group(fileId, p).create_attribute(name, data, shape, dtype),
          );
        }
      };
      const walk = (p: string, node: WNode) => {
        writeAttrs(p, node);
        for (const [name, child] of node.children) {
          const cp = p === '/' ? `/${name}` : `${p}/${name}`;
          if (child.kind === 'group') {
            const status = guarded(eng, `h5: creating group '${cp}'`, () =>
              mod.create_group(fileId, cp, false),
            );
            if (status < 0) throw new FormatError(`h5: could not create group '${cp}'`);
            walk(cp, child);
          } else {
            guarded(eng, `h5: writing dataset '${cp}'`, () =>
              new h5.Group(fileId, p).create_dataset({
                name,
                data: child.data!,
                shape: child.shape!,
                dtype: DTYPE_CODES.get(child.data!.constructor)!,
              }),
            );
            const type = guarded(eng, `h5: writing dataset '${cp}'`, () =>
              mod.get_type(fileId, cp),
            );
            if (type !== mod.H5G_DATASET) {
              throw new FormatError(`h5: could not write dataset '${cp}'`);
            }
            writeAttrs(cp, child);
          }
        }
      };
      walk('/', this.root);
      const closing = id;
      id = -1n;
      const status = guarded(eng, 'h5: closing the file', () => mod.close_file(closing));
      if (status < 0) throw new FormatError('h5: could not close the file');
      return fs.readFile(path);
    } finally {
      if (id >= 0n) {
        try {
          mod.close_file(id);
        } catch {
          // Already failing.
        }
      }
      try {
        fs.unlink(path);
      } catch {
        // Never created.
      }
    }
  }
}

/**
 * Starts a new HDF5 file in memory. Nothing touches h5wasm until {@link H5Writer.bytes}.
 * @example
 * const w = createH5();
 * w.group('layers/dense/vars').attr('layers/dense/vars', 'name', 'dense');
 * w.dataset('layers/dense/vars/0', kernel);
 * const bytes = await w.bytes();
 */
export function createH5(): H5Writer {
  return new Writer();
}
