import { FileError } from './errors.js';
/**
 * Node-only file access for saving and loading: atomic writes (temporary file in the same
 * directory, flushed, then renamed over the target) so that a crash mid-save never leaves a
 * truncated model, and bounded reads (a regular file only, at most its stat'ed size and a cap,
 * its magic bytes looked at before the rest is read). `node:fs` is imported on first use, so
 * the rest of the io layer (which works on bytes) still loads in browsers.
 */
import { baseName, dirName, nodeFs } from './node_io.js';

type FileHandle = import('node:fs/promises').FileHandle;

/** @internal File operations behind {@link atomicWriteFile}; tests inject failures here. */
export interface FileOps {
  /** Creates `path` (which must not exist), writes `data` and flushes it to disk. */
  writeNew(path: string, data: Uint8Array): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** Removes a file if it exists. */
  remove(path: string): Promise<void>;
  /** Creates a directory and its parents. */
  mkdirs(path: string): Promise<void>;
  /** Removes temporaries that killed writers left for `target` (best effort; optional). */
  removeStale?(target: string): Promise<void>;
}

/** The real file system (Node.js). */
export async function nodeFileOps(op: string): Promise<FileOps> {
  const fs = await nodeFs(op);
  return {
    async writeNew(path, data) {
      const h = await fs.open(path, 'wx');
      try {
        await h.writeFile(data);
        await h.sync();
      } finally {
        await h.close();
      }
    },
    rename: (a, b) => fs.rename(a, b),
    remove: (p) => fs.rm(p, { force: true }),
    mkdirs: async (p) => {
      await fs.mkdir(p, { recursive: true });
    },
    removeStale: async (target) => {
      await removeStaleTemporaries(target, op);
    },
  };
}

let tmpCounter = 0;
/**
 * The temporaries this process is writing now (`<dir>/<name>`, dir `.` when none): in a
 * container every run may get the same pid, so a leftover carrying our own pid is stale
 * unless it is one of these.
 */
const writing = new Set<string>();

function currentPid(): number {
  return (globalThis as { process?: { pid?: number } }).process?.pid ?? 0;
}

/**
 * Writes `bytes` to `path` atomically: either the whole new file is there afterwards, or the
 * old file (if any) is untouched. Missing parent directories are created. Temporaries that an
 * earlier, killed save to the same path left behind are removed first (see
 * {@link removeStaleTemporaries}).
 * @example await atomicWriteFile('models/net.keras', bytes);
 */
export async function atomicWriteFile(
  path: string,
  bytes: Uint8Array,
  ops?: FileOps,
): Promise<void> {
  const io = ops ?? (await nodeFileOps('save'));
  const dir = dirName(path);
  if (dir) await io.mkdirs(dir);
  // Best effort: a failed clean-up must never fail the save itself.
  await io.removeStale?.(path).catch(() => undefined);
  const tmp = `${dir ? `${dir}/` : ''}.${baseName(path)}.${currentPid()}.${Date.now().toString(36)}${(tmpCounter++).toString(36)}.tmp`;
  const key = `${dir || '.'}/${baseName(tmp)}`;
  writing.add(key);
  try {
    await io.writeNew(tmp, bytes);
    await io.rename(tmp, path);
  } catch (e) {
    await io.remove(tmp).catch(() => undefined);
    throw e;
  } finally {
    writing.delete(key);
  }
}

/** A temporary older than this is stale even when its pid is alive (the pid may be reused). */
export const STALE_TEMP_MS = 15 * 60 * 1000;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporaries `.<name>.<pid>.<stamp>.tmp` that {@link atomicWriteFile} leaves beside
 * `target` when its process is killed mid-save: those whose writer is no longer running (or is
 * this process, which is not writing them: a container may give every run the same pid), and
 * any older than {@link STALE_TEMP_MS}. A live writer's file (its pid running, recently
 * modified) is kept, so concurrent saves are not disturbed. Returns the names removed.
 * @example await removeStaleTemporaries('models/net.keras'); // ['.net.keras.4242.lx3k0.tmp']
 */
export async function removeStaleTemporaries(target: string, op = 'save'): Promise<string[]> {
  const fs = await nodeFs(op);
  const dir = dirName(target) || '.';
  const prefix = `.${baseName(target)}.`;
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  const now = Date.now();
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    // The middle is `<pid>.<stamp>`; anything else is not ours and is left alone.
    const m = /^(\d+)\.[0-9a-z]+$/.exec(name.slice(prefix.length, -'.tmp'.length));
    if (!m) continue;
    const pid = Number(m[1]);
    const full = `${dir}/${name}`;
    try {
      const st = await fs.lstat(full);
      if (!st.isFile()) continue;
      const old = now - st.mtimeMs > STALE_TEMP_MS;
      // pid 0 (a runtime without pids) cannot be checked: only age decides. kill(0, 0) would
      // signal our own process group, so it is never called with 0.
      const dead =
        pid === currentPid() ? !writing.has(`${dir}/${name}`) : pid > 0 && !pidAlive(pid);
      if (!old && !dead) continue;
      await fs.rm(full, { force: true });
      removed.push(name);
    } catch {
      // Raced with another cleaner or the writer's rename: nothing to do.
    }
  }
  return removed;
}

/** The default most bytes {@link readFileBytes} reads from one file: 4 GiB. */
export const DEFAULT_MAX_FILE_BYTES = 4 * 1024 ** 3;

/** Reads `length` bytes at `offset` of the file being checked (fewer at its end). */
export type PeekBytes = (offset: number, length: number) => Promise<Uint8Array>;

/** Options of {@link readFileBytes}. */
export interface ReadFileOptions {
  /** Refuse files larger than this many bytes (default {@link DEFAULT_MAX_FILE_BYTES}). */
  maxBytes?: number;
  /** What the file is, for the size error (e.g. `'model.json'`). */
  what?: string;
  /**
   * Looks at a few bytes (the magic number) before the whole file is read; throws to refuse
   * the file, so a large file of the wrong kind costs only these reads.
   */
  check?: (peek: PeekBytes, size: number) => Promise<void> | void;
}

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a component of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ELOOP: 'too many levels of symbolic links',
  ENXIO: 'not a regular file (a socket or a device without a reader)',
  ENAMETOOLONG: 'the path is too long',
  EISDIR: 'is a directory, not a file',
};

/** A {@link FileError} for a failed file-system call on `path`. */
export function fileErrorOf(op: string, path: string, e: unknown): FileError {
  const code = (e as NodeJS.ErrnoException)?.code;
  const why = (code && REASONS[code]) ?? (e instanceof Error ? e.message : String(e)).slice(0, 200);
  return new FileError(`${op}: cannot read '${path}': ${why}`, path);
}

function kindOf(st: import('node:fs').Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Opens `path` for reading if it is a regular file (symbolic links followed). Opened without
 * blocking, so a FIFO is refused at once instead of waiting for a writer; the type is checked
 * on the open handle, so the file cannot be swapped between the check and the read.
 */
async function openRegular(
  path: string,
  op: string,
): Promise<{ h: FileHandle; size: number; fs: Awaited<ReturnType<typeof nodeFs>> }> {
  const fs = await nodeFs(op);
  if (typeof path !== 'string' || path === '')
    throw new FileError(`${op}: expected a non-empty path string, got ${JSON.stringify(path)}`, '');
  const flags = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);
  let h: FileHandle;
  try {
    h = await fs.open(path, flags);
  } catch (e) {
    throw fileErrorOf(op, path, e);
  }
  try {
    const st = await h.stat();
    if (!st.isFile())
      throw new FileError(`${op}: cannot read '${path}': it is ${kindOf(st)}, not a file`, path);
    return { h, size: st.size, fs };
  } catch (e) {
    await h.close().catch(() => undefined);
    if (e instanceof FileError) throw e;
    throw fileErrorOf(op, path, e);
  }
}

/** The size of the regular file at `path` (symbolic links followed), or a {@link FileError}. */
export async function regularFileSize(path: string, op = 'load'): Promise<number> {
  const { h, size } = await openRegular(path, op);
  await h.close();
  return size;
}

// One read call moves at most this much (the OS limit is just under 2 GiB).
const READ_CHUNK = 1024 ** 3;

async function readInto(h: FileHandle, buf: Uint8Array, offset: number): Promise<number> {
  let pos = 0;
  while (pos < buf.length) {
    const len = Math.min(READ_CHUNK, buf.length - pos);
    const { bytesRead } = await h.read(buf, pos, len, offset + pos);
    if (bytesRead === 0) break;
    pos += bytesRead;
  }
  return pos;
}

/**
 * Reads a whole regular file as bytes, bounded: a missing path, a directory, a FIFO or a
 * device is a {@link FileError} naming the path (never a raw `ENOENT`/`EISDIR`); a file larger
 * than `maxBytes` is refused before anything is read; at most the size `stat` gave is read, so
 * a file that grows meanwhile cannot make the read unbounded; `check` sees the magic bytes
 * before the rest is read.
 * @example const bytes = await readFileBytes('net.keras', 'loadModel', { maxBytes: 1 << 30 });
 */
export async function readFileBytes(
  path: string,
  op = 'load',
  opts: ReadFileOptions = {},
): Promise<Uint8Array> {
  const { h, size } = await openRegular(path, op);
  try {
    const max = opts.maxBytes ?? DEFAULT_MAX_FILE_BYTES;
    if (size > max)
      throw new FileError(
        `${op}: '${path}'${opts.what ? ` (${opts.what})` : ''} has ${size} bytes, more than the limit of ${max}`,
        path,
      );
    if (opts.check) {
      await opts.check(async (offset, length) => {
        const n = Math.max(0, Math.min(length, size - offset));
        const b = new Uint8Array(n);
        return b.subarray(0, await readInto(h, b, offset));
      }, size);
    }
    const buf = new Uint8Array(size);
    const got = await readInto(h, buf, 0);
    return got === size ? buf : buf.subarray(0, got);
  } catch (e) {
    if (e instanceof FileError || !(e instanceof Error) || !('code' in e)) throw e;
    throw fileErrorOf(op, path, e);
  } finally {
    await h.close().catch(() => undefined);
  }
}

/**
 * The canonical absolute path of `path` (symbolic links resolved), or a {@link FileError}.
 * @example await realPath('models/tfjs') // '/home/me/models/tfjs'
 */
export async function realPath(path: string, op = 'load'): Promise<string> {
  const fs = await nodeFs(op);
  try {
    return await fs.realpath(path);
  } catch (e) {
    throw fileErrorOf(op, path, e);
  }
}

/** Whether `path` is an existing directory. */
export async function isDirectory(path: string, op = 'load'): Promise<boolean> {
  const fs = await nodeFs(op);
  try {
    return (await fs.stat(path)).isDirectory();
  } catch {
    return false;
  }
}
