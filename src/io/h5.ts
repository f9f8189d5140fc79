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
 *   a fresh one serves the next call. Elsewhere (browsers) parsing runs in the calling thread.
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

// ---------------------------------------------------------------------------------------------
// Public types

/** Element types found in HDF5 files, as stored. */
export type H5StoredDType =
  | 'float16'
  | 'bfloat16'
  | 'float32'
  | 'float64'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'bool';

/** A dataset read into memory, with data in a Tessera dtype. */
export interface H5Array {
  shape: number[];
  /** The dtype of `data` (what a Tessera tensor of it would be). */
  dtype: 'float32' | 'float64' | 'int32' | 'bool';
  /** The dtype stored in the file. */
  storedDtype: H5StoredDType;
  data: Float32Array | Float64Array | Int32Array | Uint8Array;
}

/** An attribute value: strings, numbers (bigint beyond 2^53) or arrays of them. */
export type H5AttrValue = string | number | bigint | (string | number | bigint)[] | null;

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

const DEFAULTS = {
  maxFileBytes: 2 * 1024 ** 3,
  maxDatasetBytes: 1024 ** 3,
  maxAttrBytes: 64 * 1024 ** 2,
  maxTotalBytes: 2 * 1024 ** 3,
  maxObjects: 100_000,
  maxDepth: 64,
};

// ---------------------------------------------------------------------------------------------
// The snapshot: everything read from a file, as plain structured-cloneable data

type SnapLimits = typeof DEFAULTS;

interface SnapDataset {
  shape: number[];
  storedDtype: H5StoredDType;
  /** Little-endian element bytes. */
  raw: ArrayBuffer;
}

interface SnapNode {
  type: 'group' | 'dataset' | 'other';
  children?: string[];
  attrs: Map<string, H5AttrValue>;
  attrErrors: Map<string, string>;
  dataset?: SnapDataset;
  /** Why the node's members or data could not be read. */
  error?: string;
}

interface Snapshot {
  nodes: Map<string, SnapNode>;
  /** Exceptions that unwound through wasm frames (each leaks wasm stack). */
  unwinds: number;
}

type H5wasm = typeof import('h5wasm')['default'];
type H5Module = Awaited<H5wasm['ready']>;

/**
 * Reads a whole HDF5 file through h5wasm's low-level module. It runs inside the worker (its
 * source is embedded with `toString()`), so it must use nothing but its arguments and
 * globals. Throws an Error (with `fatal` set after a wasm trap) when the file cannot be
 * opened or walked; errors local to one object are recorded on that object.
 * @internal
 */
export function snapshotFile(mod: H5Module, bytes: Uint8Array, lim: SnapLimits): Snapshot {
  type Meta = ReturnType<H5Module['get_dataset_metadata']>;
  type Tty = { ops: { put_char(t: unknown, v: number | null): void; fsync(t: unknown): void } };
  type Fs = {
    writeFile(p: string, d: Uint8Array): void;
    unlink(p: string): void;
    getStream?(fd: number): { tty?: Tty } | null;
  };
  const T_INTEGER = 0;
  const T_FLOAT = 1;
  const T_STRING = 3;
  const T_OPAQUE = 5;
  const T_ENUM = 8;
  const fs = mod.FS as unknown as Fs;
  const nodes = new Map<string, SnapNode>();
  let unwinds = 0;
  let totalBytes = 0;
  let captured: number[] = [];
  const stream = fs.getStream ? fs.getStream(2) : null;
  const tty = stream?.tty;
  const savedOps = tty?.ops;
  if (tty) {
    tty.ops = {
      put_char(_t: unknown, v: number | null) {
        if (v !== null && captured.length < 65536) captured.push(v);
      },
      fsync() {},
    };
  }
  const reason = (): string => {
    const text = new TextDecoder().decode(new Uint8Array(captured));
    const lines = text.split('\n').filter((l) => /#\d+:/.test(l));
    const last = lines[lines.length - 1];
    if (!last) return text.trim().slice(0, 300) || 'HDF5 error';
    const m = /in (\w+)\(\): (.*)$/.exec(last);
    return m ? `${m[2]} (HDF5 ${m[1]})` : last.trim();
  };
  // Runs one h5wasm call; HDF5 diagnostics or exceptions become an Error naming `what`.
  const call = <T>(what: string, fn: () => T): T => {
    captured = [];
    let out: T;
    try {
      out = fn();
    } catch (e) {
      unwinds++;
      const err = new Error(
        `${what}: ${captured.length ? reason() : String((e as Error)?.message ?? e)}`,
      );
      if (e instanceof WebAssembly.RuntimeError) (err as Error & { fatal?: boolean }).fatal = true;
      throw err;
    }
    if (captured.length) throw new Error(`${what}: ${reason()}`);
    return out;
  };
  const isFatal = (e: unknown) => (e as { fatal?: boolean })?.fatal === true;
  const message = (e: unknown) => String((e as Error)?.message ?? e);

  const storedDType = (m: Meta, bf16: boolean): H5StoredDType | 'string' | null => {
    if (m.vlen && m.type !== T_STRING) return null;
    if (m.type === T_FLOAT) {
      return m.size === 2 ? 'float16' : m.size === 4 ? 'float32' : m.size === 8 ? 'float64' : null;
    }
    if (m.type === T_INTEGER) {
      if (bf16 && m.size === 2) return 'bfloat16';
      if (m.size !== 1 && m.size !== 2 && m.size !== 4 && m.size !== 8) return null;
      return `${m.signed ? 'int' : 'uint'}${m.size * 8}` as H5StoredDType;
    }
    if (m.type === T_OPAQUE) return bf16 && m.size === 2 ? 'bfloat16' : null;
    if (m.type === T_ENUM) {
      // h5py stores booleans as an int8 enum {FALSE: 0, TRUE: 1}.
      const keys = Object.keys(m.enum_type?.members ?? {})
        .sort()
        .join();
      return m.size === 1 && keys === 'FALSE,TRUE' ? 'bool' : null;
    }
    if (m.type === T_STRING) return 'string';
    return null;
  };
  const describe = (m: Meta): string => {
    const names = ['integer', 'float', 'time', 'string', 'bitfield', 'opaque', 'compound'];
    const more = ['reference', 'enum', 'variable-length', 'array'];
    const cls = [...names, ...more][m.type] ?? `class ${m.type}`;
    return `${m.vlen ? 'variable-length ' : ''}${cls} of ${m.size} bytes`;
  };
  // Element count from the shape, which must agree with HDF5's own count.
  const count = (m: Meta): number => {
    const shape = m.shape as number[];
    let n = 1;
    for (const d of shape) {
      if (!Number.isSafeInteger(d) || d < 0) throw new Error(`invalid shape [${shape.join(', ')}]`);
      n *= d;
    }
    if (!Number.isSafeInteger(n) || n !== m.total_size || !Number.isSafeInteger(n * m.size)) {
      throw new Error(
        `shape [${shape.join(', ')}] holds ${n} elements but HDF5 reports ${m.total_size}`,
      );
    }
    return n;
  };
  const alloc = (nbytes: number): number => {
    const size = Math.max(nbytes, 8);
    const ptr = mod._malloc(size);
    if (!ptr) throw new Error(`could not allocate ${nbytes} bytes`);
    mod.HEAPU8.fill(0, ptr, ptr + size);
    return ptr;
  };
  const half = (h: number): number => {
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const f = h & 0x3ff;
    if (e === 0) return s * f * 2 ** -24;
    if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
    return s * (1 + f / 1024) * 2 ** (e - 15);
  };

  const readAttr = (p: string, name: string, id: bigint): H5AttrValue => {
    const m = call('reading it', () => mod.get_attribute_metadata(id, p, name));
    if (!m.shape) return null;
    const d = storedDType(m, false);
    if (!d || d === 'bfloat16' || (d === 'string' && m.vlen && m.size !== 4)) {
      throw new Error(`unsupported type (${describe(m)})`);
    }
    const n = count(m);
    const nbytes = n * m.size;
    if (nbytes > lim.maxAttrBytes) {
      throw new Error(`${nbytes} bytes, more than the limit of ${lim.maxAttrBytes}`);
    }
    const ptr = alloc(nbytes);
    try {
      const status = call('reading it', () => mod.get_attribute_data(id, p, name, BigInt(ptr)));
      if (status < 0) throw new Error('HDF5 could not read it');
      const heap = mod.HEAPU8;
      const values: (string | number | bigint)[] = [];
      if (d === 'string') {
        const utf8 = new TextDecoder('utf-8');
        for (let i = 0; i < n; i++) {
          let start = ptr + i * m.size;
          let limit = start + m.size;
          if (m.vlen) {
            start = new DataView(heap.buffer, ptr + 4 * i, 4).getUint32(0, true);
            if (start === 0) {
              values.push('');
              continue;
            }
            limit = Math.min(heap.length, start + lim.maxAttrBytes);
          }
          let end = start;
          while (end < limit && heap[end] !== 0) end++;
          if (m.vlen && end === limit) throw new Error('unterminated string');
          const s = utf8.decode(heap.subarray(start, end));
          values.push(!m.vlen && m.strpad === 2 ? s.replace(/ +$/, '') : s);
        }
      } else {
        const view = new DataView(heap.buffer, ptr, nbytes);
        for (let i = 0; i < n; i++) {
          const o = i * m.size;
          let v: number | bigint;
          if (d === 'float16') v = half(view.getUint16(o, true));
          else if (d === 'float32') v = view.getFloat32(o, true);
          else if (d === 'float64') v = view.getFloat64(o, true);
          else if (d === 'int8') v = view.getInt8(o);
          else if (d === 'uint8' || d === 'bool') v = view.getUint8(o);
          else if (d === 'int16') v = view.getInt16(o, true);
          else if (d === 'uint16') v = view.getUint16(o, true);
          else if (d === 'int32') v = view.getInt32(o, true);
          else if (d === 'uint32') v = view.getUint32(o, true);
          else {
            const b = d === 'int64' ? view.getBigInt64(o, true) : view.getBigUint64(o, true);
            const safe =
              b <= BigInt(Number.MAX_SAFE_INTEGER) && b >= -BigInt(Number.MAX_SAFE_INTEGER);
            v = safe ? Number(b) : b;
          }
          values.push(v);
        }
      }
      return (m.shape as number[]).length === 0 ? values[0]! : values;
    } finally {
      if (m.vlen) {
        // Reclaim HDF5's strings, also after a failed read: the buffer was zeroed, so slots
        // the read did not fill are null pointers, which are safe to free.
        try {
          call('reclaiming it', () => mod.reclaim_vlen_memory(id, p, name, BigInt(ptr)));
        } catch (e) {
          if (isFatal(e)) throw e;
        }
      }
      mod._free(ptr);
    }
  };

  const readDataset = (p: string, node: SnapNode, id: bigint): void => {
    const m = call('reading its type', () => mod.get_dataset_metadata(id, p));
    if (!m.shape) throw new Error('it has a null dataspace (no shape)');
    // Keras stores bfloat16 variables as 2-byte values tagged with attribute dtype="bfloat16".
    const bf16 = m.size === 2 && node.attrs.get('dtype') === 'bfloat16';
    const d = storedDType(m, bf16);
    if (!d || d === 'string') throw new Error(`unsupported dtype (${describe(m)})`);
    const item = /8$/.test(d) || d === 'bool' ? 1 : /16$/.test(d) ? 2 : /32$/.test(d) ? 4 : 8;
    if (m.size !== item) throw new Error(`${d} stored with an item size of ${m.size} bytes`);
    const n = count(m);
    const nbytes = n * m.size;
    if (nbytes > lim.maxDatasetBytes) {
      throw new Error(`${nbytes} bytes, more than the limit of ${lim.maxDatasetBytes}`);
    }
    if (totalBytes + nbytes > lim.maxTotalBytes) {
      throw new Error(`the datasets hold more than ${lim.maxTotalBytes} bytes in all`);
    }
    const ptr = alloc(nbytes);
    try {
      const status = call('reading it', () =>
        mod.get_dataset_data(id, p, null, null, null, BigInt(ptr)),
      );
      if (status < 0) throw new Error('HDF5 could not read it');
      const raw = mod.HEAPU8.slice(ptr, ptr + nbytes).buffer as ArrayBuffer;
      totalBytes += nbytes;
      node.dataset = { shape: [...(m.shape as number[])], storedDtype: d, raw };
    } finally {
      mod._free(ptr);
    }
  };

  const walk = (p: string, depth: number, id: bigint): void => {
    if (nodes.has(p)) return;
    if (nodes.size >= lim.maxObjects) {
      throw new Error(`the file has more than ${lim.maxObjects} objects (limit maxObjects)`);
    }
    const node: SnapNode = { type: 'other', attrs: new Map(), attrErrors: new Map() };
    nodes.set(p, node);
    const type = call(`'${p}'`, () => mod.get_type(id, p));
    if (type !== mod.H5G_GROUP && type !== mod.H5G_DATASET) return;
    node.type = type === mod.H5G_GROUP ? 'group' : 'dataset';
    let names: string[] = [];
    try {
      names = call(`listing the attributes of '${p}'`, () => mod.get_attribute_names(id, p));
    } catch (e) {
      if (isFatal(e)) throw e;
      node.error = message(e);
    }
    for (const name of names) {
      try {
        node.attrs.set(name, readAttr(p, name, id));
      } catch (e) {
        if (isFatal(e)) throw e;
        node.attrErrors.set(name, message(e));
      }
    }
    try {
      if (node.type === 'dataset') {
        readDataset(p, node, id);
        return;
      }
      if (depth >= lim.maxDepth) throw new Error(`groups nested more than ${lim.maxDepth} deep`);
      const children = call(`listing '${p}'`, () => mod.get_names(id, p, false));
      if (!Array.isArray(children) || children.some((c) => typeof c !== 'string' || !c)) {
        throw new Error('HDF5 listed invalid member names');
      }
      node.children = [...children];
    } catch (e) {
      if (isFatal(e)) throw e;
      node.error = message(e);
      return;
    }
    for (const c of node.children) walk(p === '/' ? `/${c}` : `${p}/${c}`, depth + 1, id);
  };

  const path = `/tessera-h5-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}.h5`;
  try {
    let id: bigint;
    try {
      fs.writeFile(path, bytes);
      id = BigInt(
        call('opening the file', () => mod.open(path, mod.H5F_ACC_RDONLY, false, -1, -1)),
      );
    } finally {
      try {
        fs.unlink(path);
      } catch {
        // Never written.
      }
    }
    if (id < 0n) throw new Error('opening the file: HDF5 could not open it');
    try {
      walk('/', 0, id);
    } finally {
      try {
        call('closing the file', () => mod.close_file(id));
      } catch (e) {
        if (isFatal(e)) throw e;
      }
    }
    return { nodes, unwinds };
  } finally {
    if (tty && savedOps) tty.ops = savedOps;
  }
}

// ---------------------------------------------------------------------------------------------
// Running the snapshot: in a worker thread (Node) or in this thread

interface FsLike {
  writeFile(path: string, data: Uint8Array): void;
  readFile(path: string): Uint8Array;
  unlink(path: string): void;
  getStream?(fd: number): { tty?: { ops: TtyOps } } | null;
}
interface TtyOps {
  put_char(tty: unknown, val: number | null): void;
  fsync(tty: unknown): void;
}

interface Engine {
  h5: H5wasm;
  mod: H5Module;
  fs: FsLike;
}

let enginePromise: Promise<Engine> | null = null;

/** h5wasm in this thread, imported and instantiated on first use. */
function loadEngine(): Promise<Engine> {
  if (!enginePromise) {
    enginePromise = import('h5wasm')
      .then(async (ns) => {
        const h5 = ((ns as { default?: H5wasm }).default ?? ns) as H5wasm;
        const mod = await h5.ready;
        return { h5, mod, fs: mod.FS as unknown as FsLike };
      })
      .catch((e: unknown) => {
        enginePromise = null;
        throw new FormatError(`h5: could not load h5wasm (${(e as Error)?.message ?? e})`);
      });
  }
  return enginePromise;
}

// Exceptions through wasm frames leak wasm stack; in this thread, stop long before it runs out.
let unwindBudget = 4000;

type NodeWorker = import('node:worker_threads').Worker;
type WorkerMaker = () => NodeWorker;

let makerPromise: Promise<WorkerMaker | null> | null = null;

/** How to start a parsing worker, or null where worker threads (or h5wasm's path) are missing. */
function workerMaker(): Promise<WorkerMaker | null> {
  makerPromise ??= (async () => {
    const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
    if (!proc?.versions?.node) return null;
    try {
      // Specifiers in variables keep bundlers for browsers from resolving Node built-ins.
      const specs = ['node:worker_threads', 'node:url', 'node:path', 'node:fs'];
      const [wt, url, path, fs] = (await Promise.all(specs.map((s) => import(s)))) as [
        typeof import('node:worker_threads'),
        typeof import('node:url'),
        typeof import('node:path'),
        typeof import('node:fs'),
      ];
      const entry = findH5wasmEntry(url, path, fs);
      if (!entry) return null;
      const source = workerSource(snapshotFile.toString());
      return () => new wt.Worker(source, { eval: true, workerData: { url: entry } });
    } catch {
      return null;
    }
  })();
  return makerPromise;
}

/** The file URL of h5wasm's ESM entry, found from this module's location (or the cwd). */
function findH5wasmEntry(
  url: typeof import('node:url'),
  path: typeof import('node:path'),
  fs: typeof import('node:fs'),
): string | null {
  const starts: string[] = [];
  try {
    starts.push(path.dirname(url.fileURLToPath(import.meta.url)));
  } catch {
    // Not a file URL (bundled); fall back to the working directory.
  }
  starts.push(process.cwd());
  for (const start of starts) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      const pkg = path.join(dir, 'node_modules', 'h5wasm', 'package.json');
      if (fs.existsSync(pkg)) {
        const json = JSON.parse(fs.readFileSync(pkg, 'utf8')) as {
          exports?: { '.'?: { import?: string } };
          module?: string;
        };
        const rel = json.exports?.['.']?.import ?? json.module;
        if (!rel) return null;
        return url.pathToFileURL(path.join(path.dirname(pkg), rel)).href;
      }
      if (path.dirname(dir) === dir) break;
    }
  }
  return null;
}

function workerSource(snapshotSource: string): string {
  // `__name` stands in for the helper some TypeScript transpilers (esbuild with keepNames: tsx,
  // vitest) insert into function bodies.
  return `'use strict';
const __name = (fn) => fn;
const { parentPort, workerData } = require('node:worker_threads');
const snapshotFile = (${snapshotSource});
let ready = null;
parentPort.on('message', async (msg) => {
  try {
    if (!ready) ready = import(workerData.url).then((ns) => (ns.default || ns).ready);
    const mod = await ready;
    const snap = snapshotFile(mod, new Uint8Array(msg.bytes), msg.limits);
    const transfer = [];
    for (const node of snap.nodes.values()) if (node.dataset) transfer.push(node.dataset.raw);
    parentPort.postMessage({ id: msg.id, snap }, transfer);
  } catch (e) {
    parentPort.postMessage({ id: msg.id, error: String((e && e.message) || e), fatal: !!(e && e.fatal) });
  }
});`;
}

let worker: NodeWorker | null = null;
let workerSeq = 0;
let queue: Promise<unknown> = Promise.resolve();

/** Parses in the worker, one file at a time, each with its own time limit. */
function snapshotInWorker(
  make: WorkerMaker,
  bytes: Uint8Array,
  limits: SnapLimits,
  timeoutMs: number,
): Promise<Snapshot> {
  const run = () =>
    new Promise<Snapshot>((resolve, reject) => {
      worker ??= make();
      const w = worker;
      const id = ++workerSeq;
      const discard = () => {
        if (worker === w) worker = null;
        void w.terminate();
      };
      const done = () => {
        clearTimeout(timer);
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
        w.unref();
      };
      const fail = (why: string) => {
        done();
        discard();
        reject(new FormatError(`openH5: ${why}`));
      };
      const onMessage = (m: { id: number; snap?: Snapshot; error?: string; fatal?: boolean }) => {
        if (m.id !== id) return;
        done();
        // A fresh worker after any failure: HDF5's state may be damaged.
        if (m.error !== undefined || (m.snap?.unwinds ?? 0) > 0) discard();
        if (m.error !== undefined) reject(new FormatError(`openH5: ${m.error}`));
        else resolve(m.snap!);
      };
      const onError = (e: Error) => fail(`the HDF5 worker failed (${e.message})`);
      const onExit = (code: number) => fail(`the HDF5 worker exited unexpectedly (code ${code})`);
      const timer = setTimeout(
        () =>
          fail(
            `HDF5 did not finish reading the file within ${timeoutMs} ms; the file is probably corrupted`,
          ),
        timeoutMs,
      );
      w.on('message', onMessage);
      w.on('error', onError);
      w.on('exit', onExit);
      w.ref();
      const copy = bytes.slice();
      w.postMessage({ id, bytes: copy.buffer, limits }, [copy.buffer]);
    });
  const result = queue.then(run, run);
  queue = result.catch(() => undefined);
  return result;
}

async function snapshotHere(bytes: Uint8Array, limits: SnapLimits): Promise<Snapshot> {
  if (unwindBudget <= 0) {
    throw new FormatError(
      'openH5: the HDF5 engine in this thread has recovered from too many internal errors to be trusted; restart the process',
    );
  }
  const { mod } = await loadEngine();
  try {
    const snap = snapshotFile(mod, bytes, limits);
    unwindBudget -= snap.unwinds;
    return snap;
  } catch (e) {
    unwindBudget -= (e as { fatal?: boolean }).fatal ? 50 : 1;
    throw new FormatError(`openH5: ${(e as Error)?.message ?? e}`);
  }
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
  const snap = make
    ? await snapshotInWorker(make, bytes, limits, timeoutMs)
    : await snapshotHere(bytes, limits);
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
    unwindBudget--;
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
