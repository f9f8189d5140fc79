/**
 * The h5wasm engine behind `h5.ts`: imported on first use, and the snapshot, which reads a whole
 * HDF5 file into plain data, run in a worker thread with a time limit (Node) or in this
 * thread. See `h5.ts` for why.
 * @internal
 */
import { FormatError } from './errors.js';

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

/** An attribute value: strings, numbers (bigint beyond 2^53) or arrays of them. */
export type H5AttrValue = string | number | bigint | (string | number | bigint)[] | null;

/** Default limits of `openH5`. */
export const DEFAULTS = {
  maxFileBytes: 2 * 1024 ** 3,
  maxDatasetBytes: 1024 ** 3,
  maxAttrBytes: 64 * 1024 ** 2,
  maxTotalBytes: 2 * 1024 ** 3,
  maxObjects: 100_000,
  maxDepth: 64,
};

// ---------------------------------------------------------------------------------------------
// The snapshot: everything read from a file, as plain structured-cloneable data

export type SnapLimits = typeof DEFAULTS;

export interface SnapDataset {
  shape: number[];
  storedDtype: H5StoredDType;
  /** Little-endian element bytes. */
  raw: ArrayBuffer;
}

export interface SnapNode {
  type: 'group' | 'dataset' | 'other';
  children?: string[];
  attrs: Map<string, H5AttrValue>;
  attrErrors: Map<string, string>;
  dataset?: SnapDataset;
  /** Why the node's members or data could not be read. */
  error?: string;
}

export interface Snapshot {
  nodes: Map<string, SnapNode>;
  /** Exceptions that unwound through wasm frames (each leaks wasm stack). */
  unwinds: number;
}

export type H5wasm = typeof import('h5wasm')['default'];
export type H5Module = Awaited<H5wasm['ready']>;

/**
 * Reads a whole HDF5 file through h5wasm's low-level module. It runs inside the worker
 * (`h5_worker.ts`) or, where there is none, in this thread. Throws an Error (with `fatal` set after a wasm trap) when the file cannot be
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
    let value: H5AttrValue = null;
    let failure: unknown = null;
    try {
      const status = call('reading it', () => mod.get_attribute_data(id, p, name, BigInt(ptr)));
      if (status < 0) throw new Error('HDF5 could not read it');
      value = attrValue(ptr, n, m, d);
    } catch (e) {
      failure = e;
    }
    if (!isFatal(failure)) {
      if (m.vlen) {
        // Reclaim HDF5's strings, also after a failed read: the buffer was zeroed, so slots
        // the read did not fill are null pointers, which are safe to free.
        try {
          call('reclaiming it', () => mod.reclaim_vlen_memory(id, p, name, BigInt(ptr)));
        } catch (e) {
          if (isFatal(e)) failure = e;
        }
      }
      mod._free(ptr);
    }
    if (failure) throw failure;
    return value;
  };

  const attrValue = (ptr: number, n: number, m: Meta, d: H5StoredDType | 'string'): H5AttrValue => {
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
      const view = new DataView(heap.buffer, ptr, n * m.size);
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
    let failure: unknown = null;
    try {
      walk('/', 0, id);
    } catch (e) {
      failure = e;
    }
    try {
      call('closing the file', () => mod.close_file(id));
    } catch (e) {
      if (isFatal(e) && !failure) failure = e;
    }
    if (failure) throw failure;
    return { nodes, unwinds };
  } finally {
    if (tty && savedOps) tty.ops = savedOps;
  }
}

// ---------------------------------------------------------------------------------------------
// Running the snapshot: in a worker thread (Node) or in this thread

export interface FsLike {
  writeFile(path: string, data: Uint8Array): void;
  readFile(path: string): Uint8Array;
  unlink(path: string): void;
  getStream?(fd: number): { tty?: { ops: TtyOps } } | null;
}
export interface TtyOps {
  put_char(tty: unknown, val: number | null): void;
  fsync(tty: unknown): void;
}

export interface Engine {
  h5: H5wasm;
  mod: H5Module;
  fs: FsLike;
}

let enginePromise: Promise<Engine> | null = null;

/** h5wasm in this thread, imported and instantiated on first use. */
export function loadEngine(): Promise<Engine> {
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

/** Counts an exception that unwound through wasm frames in this thread. */
export function noteUnwind(): void {
  unwindBudget--;
}

type NodeWorker = import('node:worker_threads').Worker;
type WorkerMaker = () => NodeWorker;

let makerPromise: Promise<WorkerMaker | null> | null = null;

/**
 * How to start a parsing worker, or null where worker threads or the worker's module are
 * missing (then files are parsed in this thread, without a time limit).
 *
 * The worker runs its own module, `h5_worker.js` beside this one (`dist/io/` in the package),
 * with an empty `execArgv`: it must not inherit flags such as `--input-type=module`, which
 * only make sense for the main script. Run from the TypeScript sources (vitest, tsx) there is
 * only `h5_worker.ts`, which the worker loads through tsx's loader.
 */
export function workerMaker(): Promise<WorkerMaker | null> {
  makerPromise ??= (async () => {
    const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
    if (!proc?.versions?.node) return null;
    try {
      // Specifiers in variables keep bundlers for browsers from resolving Node built-ins.
      const specs = ['node:worker_threads', 'node:url', 'node:fs', 'node:module'];
      const [wt, url, fs, mod] = (await Promise.all(specs.map((s) => import(s)))) as [
        typeof import('node:worker_threads'),
        typeof import('node:url'),
        typeof import('node:fs'),
        typeof import('node:module'),
      ];
      // Written as `new URL('./…', import.meta.url)`, the pattern bundlers recognise as a file
      // to ship beside the bundle.
      const js = new URL('./h5_worker.js', import.meta.url);
      if (js.protocol === 'file:' && fs.existsSync(url.fileURLToPath(js))) {
        return () => new wt.Worker(js, { execArgv: [] });
      }
      const ts = new URL('./h5_worker.ts', import.meta.url);
      if (ts.protocol === 'file:' && fs.existsSync(url.fileURLToPath(ts))) {
        const api = tsxImportApi(mod, fs, url);
        if (!api) return null;
        // Node 20 applies no `--import` loader to a worker's own entry, so a two-line module
        // (a data: URL; it can import only absolute URLs) loads the real entry through tsx.
        const boot = `const { tsImport } = await import(${JSON.stringify(api)});\nawait tsImport(${JSON.stringify(ts.href)}, ${JSON.stringify(ts.href)});`;
        const bootUrl = new URL(`data:text/javascript,${encodeURIComponent(boot)}`);
        return () => new wt.Worker(bootUrl, { execArgv: [] });
      }
      return null;
    } catch {
      return null;
    }
  })();
  return makerPromise;
}

/** The file URL of tsx's ESM `tsImport` API (a devDependency), or null where tsx is absent. */
function tsxImportApi(
  mod: typeof import('node:module'),
  fs: typeof import('node:fs'),
  url: typeof import('node:url'),
): string | null {
  try {
    const pkgPath = mod.createRequire(import.meta.url).resolve('tsx/package.json');
    const pkg = JSON.parse(fs.readFileSync(pkgPath, 'utf8')) as {
      exports?: Record<string, { import?: { default?: string } }>;
    };
    const rel = pkg.exports?.['./esm/api']?.import?.default;
    return rel ? new URL(rel, url.pathToFileURL(pkgPath)).href : null;
  } catch {
    return null;
  }
}

let worker: NodeWorker | null = null;
let workerSeq = 0;
/** Workers whose module has loaded (they said so); failures before that are not the file's. */
const loadedWorkers = new WeakSet<NodeWorker>();
let queue: Promise<unknown> = Promise.resolve();

/** The worker could not be started or could not load h5wasm; parse in this thread instead. */
export class WorkerUnavailable extends Error {
  override name = 'WorkerUnavailable';
}

/** Stops using worker threads for the rest of the process. */
export function disableWorkers(): void {
  makerPromise = Promise.resolve(null);
}

/** Parses in the worker, one file at a time, each with its own time limit. */
export function snapshotInWorker(
  make: WorkerMaker,
  bytes: Uint8Array,
  limits: SnapLimits,
  timeoutMs: number,
): Promise<Snapshot> {
  const run = () =>
    new Promise<Snapshot>((resolve, reject) => {
      try {
        if (!worker) {
          const fresh = make();
          fresh.on('message', (m: { loaded?: boolean } | null) => {
            if (m?.loaded === true) loadedWorkers.add(fresh);
          });
          worker = fresh;
        }
      } catch (e) {
        reject(new WorkerUnavailable((e as Error)?.message ?? String(e)));
        return;
      }
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
      const onMessage = (m: {
        id: number;
        snap?: Snapshot;
        error?: string;
        unavailable?: boolean;
      }) => {
        if (m.id !== id) return;
        done();
        if (m.unavailable) {
          discard();
          reject(new WorkerUnavailable(m.error));
          return;
        }
        // A fresh worker after any failure: HDF5's state may be damaged.
        if (m.error !== undefined || (m.snap?.unwinds ?? 0) > 0) discard();
        if (m.error !== undefined) reject(new FormatError(`openH5: ${m.error}`));
        else resolve(m.snap!);
      };
      // A worker that dies before its module loaded (its file missing or not shipped by a
      // bundler, an unusable loader) says nothing about the file: parse in this thread instead.
      const unavailable = (why: string) => {
        done();
        discard();
        reject(new WorkerUnavailable(why));
      };
      const onError = (e: Error) =>
        loadedWorkers.has(w)
          ? fail(`the HDF5 worker failed (${e.message})`)
          : unavailable(`the HDF5 worker did not start (${e.message})`);
      const onExit = (code: number) =>
        loadedWorkers.has(w)
          ? fail(`the HDF5 worker exited unexpectedly (code ${code})`)
          : unavailable(`the HDF5 worker exited before it started (code ${code})`);
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

export async function snapshotHere(bytes: Uint8Array, limits: SnapLimits): Promise<Snapshot> {
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
