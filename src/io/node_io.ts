/**
 * @internal Lazy access to Node's file system for the callbacks that write files
 * (`ModelCheckpoint`, `CSVLogger`). The modules are imported on first use only, so that the
 * library still loads in browsers; there, using those callbacks fails with a clear error.
 */
import { TesseraError } from '../errors.js';

export type NodeFs = typeof import('node:fs/promises');

// Kept out of bundlers' static analysis (a browser build must not try to bundle node:fs).
const FS_MODULE = 'node:fs/promises';

let fsModule: Promise<NodeFs> | null = null;

/** `node:fs/promises`, or an error naming `op` when the runtime has no Node file system. */
export async function nodeFs(op: string): Promise<NodeFs> {
  fsModule ??= import(/* webpackIgnore: true */ /* @vite-ignore */ FS_MODULE) as Promise<NodeFs>;
  try {
    return await fsModule;
  } catch (e) {
    fsModule = null;
    throw new TesseraError(
      `${op}: file access needs Node.js's file system (node:fs/promises), which this runtime does not provide (${(e as Error).message})`,
    );
  }
}

/** The directory part of a path (`'a/b/c.bin'` → `'a/b'`, `'c.bin'` → `''`), `/` or `\` separated. */
export function dirName(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  if (i < 0) return '';
  return i === 0 ? path.slice(0, 1) : path.slice(0, i);
}

/** The last component of a path. */
export function baseName(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return path.slice(i + 1);
}
