/**
 * Node-only file access for saving and loading: atomic writes (temporary file in the same
 * directory, flushed, then renamed over the target) so that a crash mid-save never leaves a
 * truncated model, and plain reads. `node:fs` is imported on first use, so the rest of the
 * io layer (which works on bytes) still loads in browsers.
 */
import { baseName, dirName, nodeFs } from '../callbacks/node_io.js';

/** @internal File operations behind {@link atomicWriteFile}; tests inject failures here. */
export interface FileOps {
  /** Creates `path` (which must not exist), writes `data` and flushes it to disk. */
  writeNew(path: string, data: Uint8Array): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** Removes a file if it exists. */
  remove(path: string): Promise<void>;
  /** Creates a directory and its parents. */
  mkdirs(path: string): Promise<void>;
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
  };
}

let tmpCounter = 0;

/**
 * Writes `bytes` to `path` atomically: either the whole new file is there afterwards, or the
 * old file (if any) is untouched. Missing parent directories are created.
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
  const pid = (globalThis as { process?: { pid?: number } }).process?.pid ?? 0;
  const tmp = `${dir ? `${dir}/` : ''}.${baseName(path)}.${pid}.${Date.now().toString(36)}${(tmpCounter++).toString(36)}.tmp`;
  try {
    await io.writeNew(tmp, bytes);
    await io.rename(tmp, path);
  } catch (e) {
    await io.remove(tmp).catch(() => undefined);
    throw e;
  }
}

/** Reads a whole file as bytes. */
export async function readFileBytes(path: string, op = 'load'): Promise<Uint8Array> {
  const fs = await nodeFs(op);
  const buf = await fs.readFile(path);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
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
