/**
 * `getFile`, Keras's `get_file` (Node): downloads a file once into a cache directory
 * (`~/.tessera/datasets` by default, `$TESSERA_HOME/datasets` when set), verifies its hash
 * before anything uses it, resumes an interrupted download, and can extract a tar(.gz) or zip
 * archive. A file is only ever visible at its final path once it is whole and verified: the
 * download goes to `<name>.part`, the extraction to a temporary folder, each renamed into
 * place at the end.
 */
import { TesseraError, ValueError } from '../errors.js';
import { FormatError } from './errors.js';
import { nodeBuiltin } from './node_builtin.js';
import { extractTar, gunzipBounded, isGzip } from './tar.js';
import { readZip } from './zip.js';

/** A download that failed (the server's status, or the network), naming the URL. */
export class DownloadError extends TesseraError {
  static override readonly errorName: string = 'DownloadError';
}

/** Options of {@link getFile}, Keras's names in camelCase. */
export interface GetFileOptions {
  /**
   * Expected sha256 (64 hex digits) or md5 (32 hex digits) of the file: a cached file that does
   * not match is downloaded again, a download that does not match is removed and refused.
   */
  fileHash?: string;
  /** `'auto'` (default: by the hash's length), `'sha256'` or `'md5'`. */
  hashAlgorithm?: 'auto' | 'sha256' | 'md5';
  /** Sub-folder of the cache directory (default `'datasets'`); an absolute path is used as is. */
  cacheSubdir?: string;
  /** The cache directory (default `$TESSERA_HOME`, else `~/.tessera`). */
  cacheDir?: string;
  /**
   * Extract the archive (tar, tar.gz or zip) and return the folder it was extracted to (as
   * Keras: `<fname>` without extension + `_extracted`, or `<fname>` when it has none).
   */
  extract?: boolean;
  /** Archive formats to try when extracting: `'auto'` (tar then zip, default), `'tar'`, `'zip'`. */
  archiveFormat?: 'auto' | 'tar' | 'zip';
  /** Download even if a cached copy exists (default false). */
  forceDownload?: boolean;
  /** 1: print the URL and a progress bar (default); 0: silent. */
  verbose?: 0 | 1;
  /** Refuse downloads larger than this many bytes (default 8 GiB). */
  maxBytes?: number;
  /** Where progress goes (default `process.stdout`). */
  out?: { write(s: string): unknown; isTTY?: boolean };
}

const MAX_DOWNLOAD = 8 * 1024 ** 3;

/**
 * The cache directory: `$TESSERA_HOME` when set, else `~/.tessera` (or a folder under the
 * system temp directory when the home directory is not writable, as Keras does).
 * @example await tesseraHome() // '/home/me/.tessera'
 */
export async function tesseraHome(): Promise<string> {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env;
  const { homedir, tmpdir } = await nodeBuiltin<typeof import('node:os')>('os');
  const { join } = await nodeBuiltin<typeof import('node:path')>('path');
  const { access, constants } = await nodeBuiltin<typeof import('node:fs/promises')>('fs/promises');
  if (env?.TESSERA_HOME) return env.TESSERA_HOME;
  const home = homedir();
  try {
    await access(home, constants.W_OK);
    return join(home, '.tessera');
  } catch {
    return join(tmpdir(), '.tessera');
  }
}

function algorithmOf(hash: string, algo: GetFileOptions['hashAlgorithm']): 'sha256' | 'md5' {
  if (algo === 'sha256' || algo === 'md5') return algo;
  if (algo !== undefined && algo !== 'auto')
    throw new ValueError(`getFile: hashAlgorithm must be 'auto', 'sha256' or 'md5', got '${algo}'`);
  if (/^[0-9a-f]{64}$/i.test(hash)) return 'sha256';
  if (/^[0-9a-f]{32}$/i.test(hash)) return 'md5';
  throw new ValueError(
    `getFile: fileHash must be a sha256 (64 hex digits) or md5 (32 hex digits) digest, got '${hash}'`,
  );
}

/**
 * The hex digest of a file, read in chunks.
 * @example await hashFile('/tmp/mnist.npz', 'sha256')
 */
export async function hashFile(path: string, algorithm: 'sha256' | 'md5'): Promise<string> {
  const { createHash } = await nodeBuiltin<typeof import('node:crypto')>('crypto');
  const { createReadStream } = await nodeBuiltin<typeof import('node:fs')>('fs');
  const h = createHash(algorithm);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }))
    h.update(chunk as Buffer);
  return h.digest('hex');
}

async function exists(path: string): Promise<boolean> {
  const { stat } = await nodeBuiltin<typeof import('node:fs/promises')>('fs/promises');
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function fmtBytes(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MB` : `${Math.ceil(n / 1024)} KB`;
}

/** A download progress line: `3.1 MB/11.0 MB ━━━━━━         ` updated in place on a terminal. */
class DownloadBar {
  private last = 0;
  constructor(
    private readonly out: NonNullable<GetFileOptions['out']>,
    private readonly total: number | null,
  ) {}
  update(done: number, final = false): void {
    const now = performance.now();
    if (!final && now - this.last < 100) return;
    this.last = now;
    const width = 30;
    const line =
      this.total !== null && this.total > 0
        ? `${fmtBytes(done)}/${fmtBytes(this.total)} ${'━'.repeat(Math.min(width, Math.floor((done / this.total) * width))).padEnd(width)}`
        : `${fmtBytes(done)}/Unknown`;
    if (this.out.isTTY) this.out.write(`\r\x1b[2K${line}${final ? '\n' : ''}`);
    else if (final) this.out.write(`${line}\n`);
  }
}

/**
 * Downloads `origin` to `part`, resuming from what `part` already holds when the server
 * honours a byte range.
 */
async function download(
  origin: string,
  part: string,
  opts: GetFileOptions,
  out: NonNullable<GetFileOptions['out']>,
): Promise<void> {
  const { open, stat } = await nodeBuiltin<typeof import('node:fs/promises')>('fs/promises');
  let have = 0;
  try {
    have = (await stat(part)).size;
  } catch {
    have = 0;
  }
  const maxBytes = opts.maxBytes ?? MAX_DOWNLOAD;
  const fail = (why: string, cause?: unknown): never => {
    throw new DownloadError(`getFile: URL fetch failure on ${origin}: ${why}`, { cause });
  };
  let res: Response;
  try {
    res = await fetch(origin, have > 0 ? { headers: { Range: `bytes=${have}-` } } : {});
  } catch (err) {
    return fail(
      `${(err as Error).message}${(err as { cause?: Error }).cause ? ` (${(err as { cause: Error }).cause.message})` : ''}`,
      err,
    );
  }
  let append = false;
  let total: number | null = null;
  if (res.status === 206 && have > 0) {
    const m = /\/(\d+)\s*$/.exec(res.headers.get('content-range') ?? '');
    append = true;
    total = m ? Number(m[1]) : null;
  } else if (res.status === 416 && have > 0) {
    // The range starts at or past the end: what we have may be the whole file. The hash
    // check decides; without one, start over.
    await res.body?.cancel();
    if (opts.fileHash) return;
    have = 0;
    res = await fetch(origin).catch((err: unknown) => fail((err as Error).message, err));
  }
  if (!append) {
    if (!res.ok) {
      await res.body?.cancel();
      fail(`HTTP ${res.status} ${res.statusText}`);
    }
    have = 0;
    const len = res.headers.get('content-length');
    total = len !== null && /^\d+$/.test(len) ? Number(len) : null;
  }
  if (total !== null && total > maxBytes) {
    await res.body?.cancel();
    fail(`the file has ${total} bytes, more than maxBytes ${maxBytes}`);
  }
  const bar = opts.verbose === 0 ? null : new DownloadBar(out, total);
  const fh = await open(part, append ? 'a' : 'w');
  let done = have;
  try {
    if (!res.body) fail('the response has no body');
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      done += chunk.byteLength;
      if (done > maxBytes) fail(`the download passed maxBytes ${maxBytes}`);
      await fh.write(chunk);
      bar?.update(done);
    }
  } catch (err) {
    if (err instanceof DownloadError) throw err;
    // The bytes so far stay in the .part file: the next call resumes from them.
    fail(
      `the connection failed after ${done} bytes (${(err as Error).message}); run again to resume`,
      err,
    );
  } finally {
    await fh.close();
  }
  if (total !== null && done !== total)
    fail(`the connection ended after ${done} of ${total} bytes; run again to resume`);
  bar?.update(done, true);
}

/** Extracts an archive into `dir` through a temporary folder renamed into place. */
async function extractArchive(
  archive: string,
  dir: string,
  format: NonNullable<GetFileOptions['archiveFormat']>,
): Promise<void> {
  const { readFile, rm, rename, mkdir, writeFile } =
    await nodeBuiltin<typeof import('node:fs/promises')>('fs/promises');
  const { dirname, resolve, sep } = await nodeBuiltin<typeof import('node:path')>('path');
  const bytes = new Uint8Array(await readFile(archive));
  const tmp = `${dir}.${process.pid}.partial`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  try {
    const isZip = bytes[0] === 0x50 && bytes[1] === 0x4b;
    if ((format === 'zip' || format === 'auto') && isZip) {
      const root = resolve(tmp);
      for (const [name, data] of readZip(bytes)) {
        const target = resolve(root, name);
        if (!target.startsWith(root + sep))
          throw new FormatError(`getFile: ${archive}: unsafe entry name '${name}'`);
        if (name.endsWith('/')) await mkdir(target, { recursive: true });
        else {
          await mkdir(dirname(target), { recursive: true });
          await writeFile(target, data);
        }
      }
    } else if (format === 'tar' || format === 'auto') {
      // A gzip member inflates to at most 64× its size here; real archives stay far below.
      const raw = isGzip(bytes)
        ? gunzipBounded(bytes, Math.max(64 * bytes.length, 1 << 20))
        : bytes;
      await extractTar(raw, tmp);
    } else {
      throw new FormatError(`getFile: ${archive} is not a ${format} archive`);
    }
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Downloads `origin` into the cache once and returns the local path (Keras's `get_file`): a
 * cached copy is used when present and, given `fileHash`, when it matches; an interrupted
 * download resumes; a download whose hash does not match is removed and refused. With
 * `extract`, returns the folder the archive was extracted to.
 * @example const path = await getFile('mnist.npz', 'https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz', { fileHash: '731c…' });
 */
export async function getFile(
  fname: string | null,
  origin: string,
  opts: GetFileOptions = {},
): Promise<string> {
  if (typeof origin !== 'string' || origin === '')
    throw new ValueError('getFile: origin (the URL of the file) is required');
  const { join, isAbsolute } = await nodeBuiltin<typeof import('node:path')>('path');
  const { mkdir, rename, rm } = await nodeBuiltin<typeof import('node:fs/promises')>('fs/promises');
  let name = fname;
  if (!name) {
    name = decodeURIComponent(new URL(origin).pathname.split('/').pop() ?? '');
    if (!name)
      throw new ValueError(`getFile: cannot tell a file name from '${origin}'; give fname`);
  } else if (/[\\/]/.test(name) || name === '.' || name === '..') {
    throw new ValueError(
      `getFile: fname must be a file name, not a path, got '${name}' (use cacheDir/cacheSubdir for the folder)`,
    );
  }
  const algo = opts.fileHash ? algorithmOf(opts.fileHash, opts.hashAlgorithm) : null;
  const base = opts.cacheDir ?? (await tesseraHome());
  const sub = opts.cacheSubdir ?? 'datasets';
  const datadir = isAbsolute(sub) ? sub : join(base, sub);
  await mkdir(datadir, { recursive: true });
  let target = join(datadir, name);
  let extractDir: string | null = null;
  if (opts.extract) {
    if (fname && name.includes('.')) {
      extractDir = join(datadir, `${name.slice(0, name.indexOf('.'))}_extracted`);
    } else {
      extractDir = join(datadir, name);
      target = join(datadir, `${name}_archive`);
    }
  }
  const out =
    opts.out ??
    ((globalThis as { process?: { stdout?: GetFileOptions['out'] } }).process
      ?.stdout as NonNullable<GetFileOptions['out']>);
  let fetchIt = opts.forceDownload ?? false;
  if (!fetchIt) {
    if (!(await exists(target))) fetchIt = true;
    else if (algo && (await hashFile(target, algo)) !== opts.fileHash!.toLowerCase()) {
      if (opts.verbose !== 0)
        out.write(
          `A local file was found at ${target}, but its ${algo} hash does not match ${opts.fileHash}; downloading it again.\n`,
        );
      fetchIt = true;
    }
  }
  if (fetchIt) {
    if (opts.verbose !== 0) out.write(`Downloading data from ${origin}\n`);
    const part = `${target}.part`;
    if (opts.forceDownload) await rm(part, { force: true });
    await download(origin, part, opts, out);
    if (algo) {
      const got = await hashFile(part, algo);
      if (got !== opts.fileHash!.toLowerCase()) {
        await rm(part, { force: true });
        throw new ValueError(
          `getFile: the file downloaded from ${origin} is incomplete or corrupted: its ${algo} hash is ${got}, expected ${opts.fileHash}; the download was removed`,
        );
      }
    }
    await rename(part, target);
    if (extractDir) await rm(extractDir, { recursive: true, force: true });
  }
  if (extractDir) {
    if (!(await exists(extractDir)))
      await extractArchive(target, extractDir, opts.archiveFormat ?? 'auto');
    return extractDir;
  }
  return target;
}
