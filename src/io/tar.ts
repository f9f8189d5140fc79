/**
 * Bounded reading of tar archives and gzip streams, for the datasets Keras's `get_file(...,
 * extract=True)` unpacks (CIFAR's binary release, the raw IMDB reviews).
 *
 * Everything is checked before it is used: each header's checksum, every size against the
 * bytes left, entry names (the rules of the zip reader: no `..` segment, absolute path, drive
 * letter, backslash or control character), the number of entries and their total size. Entry
 * data are views into the input, never copies. Symbolic and hard links are reported, never
 * followed; {@link extractTar} skips them. Gzip is inflated in small chunks and stops as soon as
 * the output passes its limit, so a gzip bomb costs at most that limit, and every member's
 * CRC-32 and length are verified. Any malformed or hostile input gives a {@link FormatError}.
 *
 * Formats read: ustar (POSIX.1-1988, with the 155-byte name prefix), old GNU (`ustar  `), and
 * v7; GNU long names and link names (`L`, `K` entries), pax extended headers (`x`, and `g`
 * for all following entries: `path`, `linkpath` and `size` are honoured), octal and GNU
 * base-256 numbers.
 */
import { Gunzip } from 'fflate';
import { FormatError } from './errors.js';
import { nodeBuiltin } from './node_builtin.js';
import { crc32, unsafeEntryName } from './zip.js';

/**
 * What an entry is: a regular file, a directory, a symbolic link, or anything else (hard
 * links, devices, FIFOs, GNU sparse files, vendor types).
 * @example const files = readTar(tar).filter((e) => e.type === 'file');
 */
export type TarEntryType = 'file' | 'directory' | 'symlink' | 'other';

/**
 * One entry of a tar archive, as {@link readTar} and {@link forEachTarEntry} give it.
 * @example const text = new TextDecoder().decode(readTar(tar)[0].data);
 */
export interface TarEntry {
  /** The path inside the archive (pax `path` or GNU long name when present); directories without their trailing `/`. */
  name: string;
  /** What the entry is; only files carry data. */
  type: TarEntryType;
  /** Bytes of data: the file's length; 0 for directories and links. */
  size: number;
  /** The data, a view into the archive's bytes (no copy); empty for directories and links. */
  data: Uint8Array;
  /** Permission bits (`mode & 0o7777`), when the header's mode field is readable. */
  mode?: number;
  /** The target of a symbolic or hard link, as stored; never resolved. */
  linkName?: string;
  /** The raw type flag (`'0'` file, `'5'` directory, `'2'` symlink, `'1'` hard link, …). */
  typeflag: string;
}

/**
 * Limits of {@link readTar} and {@link forEachTarEntry}.
 * @example readTar(tar, { maxEntries: 100_000, maxTotalBytes: 1024 ** 3 });
 */
export interface ReadTarOptions {
  /** Most entries the archive may hold, counting files, directories, links and others (default 1 000 000). */
  maxEntries?: number;
  /** Most bytes of entry data, all entries together (default: unlimited beyond the input's own length, which bounds it). */
  maxTotalBytes?: number;
}

/**
 * Options of {@link extractTar}: the limits of {@link readTar} plus the gzip output limit.
 * @example await extractTar(gz, 'data/', { maxGunzipBytes: 512 * 1024 ** 2 });
 */
export interface ExtractTarOptions extends ReadTarOptions {
  /** When the bytes are gzip, most bytes they may inflate to (default 2 GiB). */
  maxGunzipBytes?: number;
}

/**
 * What {@link extractTar} wrote and what it left out.
 * @example const { files, skipped } = await extractTar(gz, 'data/');
 */
export interface ExtractTarResult {
  /** Regular files written. */
  files: number;
  /** Directories created (or already there). */
  directories: number;
  /** Names of the entries not extracted: symbolic and hard links, devices, FIFOs, other types. */
  skipped: string[];
}

const BLOCK = 512;
const DEFAULT_MAX_ENTRIES = 1_000_000;
// GNU long names and pax headers are a few hundred bytes; a larger one is hostile.
const MAX_META_BYTES = 1024 * 1024;
// Linux's PATH_MAX: a longer name cannot be extracted anyway.
const MAX_NAME_CHARS = 4096;
// Compressed bytes handed to the inflater at a time. One deflate byte expands to at most
// ~1032 bytes, so a push overshoots the limit by at most ~17 MB before it is caught.
const INFLATE_CHUNK = 16 * 1024;
const DEFAULT_MAX_GUNZIP = 2 * 1024 ** 3;
// Types whose size field describes no data blocks (POSIX: links, devices, directories, FIFOs).
const HEADER_ONLY = new Set(['1', '2', '3', '4', '5', '6']);

/**
 * Whether the bytes start with the gzip magic (`1f 8b`, deflate method `08`).
 *
 * @example if (isGzip(bytes)) bytes = gunzipBounded(bytes, 512 * 1024 ** 2);
 */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0x1f && bytes[1] === 0x8b && bytes[2] === 0x08;
}

class Overflow extends Error {}

/**
 * Inflates gzip data (one or several concatenated members) into at most `maxBytes` bytes,
 * verifying each member's CRC-32 and length. The input is fed in 16 KiB chunks and
 * decompression stops as soon as the output would pass `maxBytes`, so a gzip bomb costs at
 * most `maxBytes` (plus one chunk's expansion) of memory and the time to inflate that much.
 *
 * @throws FormatError when the bytes are not gzip, are truncated or corrupted (bytes after
 *   the last member included), fail a CRC-32 or length check, or inflate to more than
 *   `maxBytes`.
 * @example
 * const tar = gunzipBounded(readFileSync('aclImdb.tar.gz'), 512 * 1024 ** 2);
 */
export function gunzipBounded(bytes: Uint8Array, maxBytes: number): Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new FormatError('gunzipBounded: expected a Uint8Array');
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new FormatError(
      `gunzipBounded: maxBytes must be a non-negative integer, got ${String(maxBytes)}`,
    );
  }
  if (!isGzip(bytes)) {
    throw new FormatError('gunzipBounded: not gzip data (the bytes do not start with 1f 8b 08)');
  }
  if (bytes.length < 18) {
    throw new FormatError(`gunzipBounded: truncated gzip data (${bytes.length} bytes)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The last member's trailer gives its length mod 2^32: exact for the usual single member,
  // so the output is allocated once. It is only a hint (truncated data end elsewhere), bounded
  // by the limit and by what the input could inflate to (deflate expands at most ~1032x);
  // the buffer grows by doubling past it.
  const hint = view.getUint32(bytes.length - 4, true);
  let out = new Uint8Array(Math.min(hint, maxBytes, bytes.length * 1032));
  let pos = 0;
  let done = false;
  // Output position and input offset where each member starts.
  const memberOut: number[] = [0];
  const memberIn: number[] = [0];
  const gz = new Gunzip((chunk, final) => {
    if (pos + chunk.length > maxBytes) throw new Overflow();
    if (pos + chunk.length > out.length) {
      const grown = new Uint8Array(
        Math.min(maxBytes, Math.max(pos + chunk.length, out.length * 2)),
      );
      grown.set(out.subarray(0, pos));
      out = grown;
    }
    out.set(chunk, pos);
    pos += chunk.length;
    if (final) done = true;
  });
  gz.onmember = (offset) => {
    memberOut.push(pos);
    memberIn.push(offset);
  };
  try {
    for (let i = 0; i < bytes.length; i += INFLATE_CHUNK) {
      const end = Math.min(i + INFLATE_CHUNK, bytes.length);
      gz.push(bytes.subarray(i, end), end === bytes.length);
    }
  } catch (err) {
    if (err instanceof Overflow) {
      throw new FormatError(
        `gunzipBounded: the gzip data inflate to more than the limit of ${maxBytes} bytes (maxBytes); refused as a possible gzip bomb`,
      );
    }
    throw new FormatError(
      `gunzipBounded: truncated or corrupted gzip data (${(err as Error).message}) after ${pos} bytes of output`,
    );
  }
  if (!done) {
    throw new FormatError(
      `gunzipBounded: truncated gzip data (stopped after ${pos} bytes of output)`,
    );
  }
  const result = pos === out.length ? out : out.slice(0, pos);
  // fflate checks neither the CRC-32 nor the length in each member's 8-byte trailer.
  memberOut.push(pos);
  memberIn.push(bytes.length);
  for (let m = 0; m + 1 < memberIn.length; m++) {
    const trailer = memberIn[m + 1]! - 8;
    const member = result.subarray(memberOut[m]!, memberOut[m + 1]!);
    if (trailer < memberIn[m]! + 10) {
      throw new FormatError(`gunzipBounded: gzip member ${m + 1} has no trailer (truncated)`);
    }
    const crc = view.getUint32(trailer, true);
    const isize = view.getUint32(trailer + 4, true);
    if (isize !== member.length % 2 ** 32) {
      throw new FormatError(
        `gunzipBounded: gzip member ${m + 1} inflates to ${member.length} bytes but its trailer says ${isize} (truncated or corrupted)`,
      );
    }
    if (crc32(member) !== crc) {
      throw new FormatError(`gunzipBounded: gzip member ${m + 1} is corrupted (CRC-32 mismatch)`);
    }
  }
  return result;
}

/**
 * Reads every entry of a tar archive (already gunzipped: see {@link gunzipBounded}). Entry data
 * are views into `bytes`.
 *
 * @throws FormatError when a header's checksum is wrong, a size runs past the end, a name is
 *   unsafe, the archive ends without its end-of-archive block, or a limit is passed.
 * @example
 * for (const e of readTar(gunzipBounded(gz, 1 << 30))) if (e.type === 'file') console.log(e.name, e.size);
 */
export function readTar(bytes: Uint8Array, opts: ReadTarOptions = {}): TarEntry[] {
  const out: TarEntry[] = [];
  forEachTarEntry(
    bytes,
    (e) => {
      out.push(e);
    },
    opts,
  );
  return out;
}

/**
 * Calls `fn` for each entry of a tar archive in order, without collecting them; `fn` may
 * return `false` to stop early. Returns the number of entries visited. Each entry is checked
 * (checksum, name, size against the bytes left, limits) before `fn` sees it; the end-of-archive
 * block is checked only when the walk reaches it.
 *
 * @throws FormatError as {@link readTar}.
 * @example
 * forEachTarEntry(tar, (e) => { if (e.name === 'aclImdb/README') { show(e.data); return false; } });
 */
export function forEachTarEntry(
  bytes: Uint8Array,
  fn: (entry: TarEntry, index: number) => unknown,
  opts: ReadTarOptions = {},
): number {
  if (!(bytes instanceof Uint8Array)) throw new FormatError('readTar: expected a Uint8Array');
  const maxEntries = opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const maxTotal = opts.maxTotalBytes ?? Number.POSITIVE_INFINITY;
  let off = 0;
  let count = 0;
  let total = 0;
  // Metadata that applies to the next real entry, and pax globals for all following ones.
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax: Map<string, string> | undefined;
  const globalPax = new Map<string, string>();
  let lastName = '';
  for (;;) {
    if (off + BLOCK > bytes.length) {
      throw new FormatError(
        off > bytes.length
          ? `readTar: truncated archive: the data blocks of '${lastName}' run past the end (${bytes.length} bytes)`
          : off === bytes.length
            ? `readTar: truncated archive: it ends after ${count} entries at offset ${off} without the end-of-archive block`
            : `readTar: truncated archive: the header at offset ${off} runs past the end (${bytes.length} bytes)`,
      );
    }
    const h = bytes.subarray(off, off + BLOCK);
    if (isZeroBlock(h)) {
      if (longName !== undefined || longLink !== undefined || pax !== undefined) {
        throw new FormatError(
          `readTar: a GNU long-name or pax header at the end of the archive (offset ${off}) describes no entry`,
        );
      }
      // GNU tar writes two zero blocks and pads to its record size; what follows is ignored.
      return count;
    }
    checkChecksum(h, off);
    const flag = h[156] === 0 ? '\0' : String.fromCharCode(h[156]!);
    const magic = ascii(h, 257, 6);
    const posix = magic === 'ustar\u0000';
    let size = parseNumber(h, 124, 12, 'size', off);
    // pax values: the entry's own record first, then the global one; an empty value cancels.
    const paxValue = (key: string, gnu?: string): string | undefined => {
      const local = pax?.get(key);
      if (local !== undefined) return local === '' ? undefined : local;
      return gnu ?? globalPax.get(key);
    };
    const meta = flag === 'L' || flag === 'K' || flag === 'x' || flag === 'g';
    // pax's size describes the next real entry, never the metadata headers before it.
    const paxSize = meta ? undefined : paxValue('size');
    if (paxSize !== undefined && !HEADER_ONLY.has(flag)) size = parsePaxSize(paxSize, off);
    if (HEADER_ONLY.has(flag)) size = 0;
    const dataStart = off + BLOCK;
    if (size > bytes.length - dataStart) {
      throw new FormatError(
        `readTar: truncated archive: the entry at offset ${off} declares ${size} bytes of data but only ${bytes.length - dataStart} remain`,
      );
    }
    const data = bytes.subarray(dataStart, dataStart + size);
    off = dataStart + Math.ceil(size / BLOCK) * BLOCK;

    if (meta) {
      if (size > MAX_META_BYTES) {
        throw new FormatError(
          `readTar: the ${flag === 'L' || flag === 'K' ? 'GNU long-name' : 'pax'} header at offset ${dataStart - BLOCK} holds ${size} bytes, more than the limit of ${MAX_META_BYTES}`,
        );
      }
      if (flag === 'L') longName = decodeName(cString(data));
      else if (flag === 'K') longLink = decodeName(cString(data));
      else if (flag === 'x') pax = parsePax(data, dataStart - BLOCK);
      else {
        for (const [k, v] of parsePax(data, dataStart - BLOCK)) {
          if (v === '') globalPax.delete(k);
          else globalPax.set(k, v);
        }
      }
      continue;
    }

    let name = paxValue('path', longName);
    if (name === undefined) {
      const base = decodeName(cString(h.subarray(0, 100)));
      const prefix = posix ? decodeName(cString(h.subarray(345, 500))) : '';
      name = prefix ? `${prefix}/${base}` : base;
    }
    const linkName = paxValue('linkpath', longLink) ?? decodeName(cString(h.subarray(157, 257)));
    longName = undefined;
    longLink = undefined;
    pax = undefined;
    lastName = name;

    if (name.length > MAX_NAME_CHARS) {
      throw new FormatError(
        `readTar: the entry at offset ${dataStart - BLOCK} has a name of ${name.length} characters, more than the limit of ${MAX_NAME_CHARS}`,
      );
    }
    const why = unsafeEntryName(name);
    if (why) throw new FormatError(`readTar: unsafe entry name ${JSON.stringify(name)}: ${why}`);

    let type: TarEntryType;
    if (flag === '5' || ((flag === '0' || flag === '\0') && name.endsWith('/'))) {
      // v7 archives mark directories only by a trailing slash on a regular entry.
      type = 'directory';
    } else if (flag === '0' || flag === '\0' || flag === '7') type = 'file';
    else if (flag === '2') type = 'symlink';
    else type = 'other';
    if (type === 'directory') {
      name = name.replace(/\/+$/, '');
      if (name === '') name = '.';
    }

    count++;
    if (count > maxEntries) {
      throw new FormatError(
        `readTar: the archive holds more than ${maxEntries} entries (maxEntries)`,
      );
    }
    total += size;
    if (total > maxTotal) {
      throw new FormatError(
        `readTar: the entries hold more than ${maxTotal} bytes in all (maxTotalBytes), reached at '${name}'`,
      );
    }
    const entry: TarEntry = {
      name,
      type,
      size: type === 'directory' ? 0 : size,
      data: type === 'directory' ? data.subarray(0, 0) : data,
      typeflag: flag,
    };
    const mode = parseMode(h);
    if (mode !== undefined) entry.mode = mode;
    if (flag === '1' || flag === '2') entry.linkName = linkName;
    if (fn(entry, count - 1) === false) return count;
  }
}

/**
 * Extracts a tar archive, gzipped or not, under `destDir` (created if missing), in Node. The
 * whole archive is read and checked first, so a malformed one writes nothing. Files and
 * directories are written only where their resolved path stays inside `destDir`, never
 * through a symbolic link already there; links and other types are skipped (listed in
 * `skipped`). Files get their archived permission bits without setuid/setgid/sticky, always
 * readable and writable by the owner.
 *
 * @throws FormatError as {@link readTar} and {@link gunzipBounded}, or when an entry would land
 *   outside `destDir`; file-system errors (permissions, a file where a directory should be)
 *   as Node gives them.
 * @example
 * const { files, skipped } = await extractTar(readFileSync('cifar-10-binary.tar.gz'), 'data/');
 */
export async function extractTar(
  bytes: Uint8Array,
  destDir: string,
  opts: ExtractTarOptions = {},
): Promise<ExtractTarResult> {
  // Imported here so that browser bundles of this module never reach Node's modules.
  const fs = await nodeBuiltin<typeof import('node:fs/promises')>('fs/promises');
  const path = await nodeBuiltin<typeof import('node:path')>('path');
  const tar = isGzip(bytes)
    ? gunzipBounded(bytes, opts.maxGunzipBytes ?? DEFAULT_MAX_GUNZIP)
    : bytes;
  const entries = readTar(tar, opts);
  await fs.mkdir(destDir, { recursive: true });
  const root = await fs.realpath(destDir);
  const inside = (p: string): boolean => {
    const rel = path.relative(root, p);
    return (
      rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel))
    );
  };
  // Directories whose real path was checked to lie inside root.
  const checked = new Set<string>([root]);
  const ensureDir = async (dir: string, mode: number, name: string): Promise<void> => {
    if (checked.has(dir)) return;
    await fs.mkdir(dir, { recursive: true, mode });
    // A symbolic link already inside destDir could point elsewhere: check where it really is.
    const real = await fs.realpath(dir);
    if (!inside(real)) {
      throw new FormatError(
        `extractTar: entry '${name}' would be written through a symbolic link leading outside ${destDir}`,
      );
    }
    checked.add(dir);
  };
  const result: ExtractTarResult = { files: 0, directories: 0, skipped: [] };
  for (const e of entries) {
    if (e.type !== 'file' && e.type !== 'directory') {
      result.skipped.push(e.name);
      continue;
    }
    const target = path.resolve(root, e.name);
    if (!inside(target) || (target === root && e.type === 'file')) {
      throw new FormatError(`extractTar: entry '${e.name}' would be written outside ${destDir}`);
    }
    if (e.type === 'directory') {
      await ensureDir(target, 0o700 | ((e.mode ?? 0o755) & 0o777), e.name);
      result.directories++;
      continue;
    }
    await ensureDir(path.dirname(target), 0o755, e.name);
    const st = await fs.lstat(target).catch(() => null);
    if (st && !st.isFile()) {
      throw new FormatError(
        `extractTar: entry '${e.name}' would replace a ${st.isSymbolicLink() ? 'symbolic link' : 'non-file'} in ${destDir}`,
      );
    }
    const mode = 0o600 | ((e.mode ?? 0o644) & 0o777);
    await fs.writeFile(target, e.data, { mode });
    // writeFile applies the mode only to new files; an existing one keeps its own otherwise.
    if (st) await fs.chmod(target, mode);
    result.files++;
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Header fields

function isZeroBlock(h: Uint8Array): boolean {
  for (let i = 0; i < BLOCK; i++) if (h[i] !== 0) return false;
  return true;
}

function ascii(h: Uint8Array, start: number, n: number): string {
  let s = '';
  for (let i = start; i < start + n; i++) s += String.fromCharCode(h[i]!);
  return s;
}

/** The bytes up to the first NUL. */
function cString(b: Uint8Array): Uint8Array {
  const z = b.indexOf(0);
  return z < 0 ? b : b.subarray(0, z);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeName(b: Uint8Array): string {
  // Names are UTF-8 in practice; other bytes are kept as Latin-1 code points, which never
  // decode into '/' or '.', so the safety checks still hold.
  try {
    return utf8.decode(b);
  } catch {
    let s = '';
    for (const c of b) s += String.fromCharCode(c);
    return s;
  }
}

/**
 * A numeric header field: octal ASCII (leading spaces, then digits, then NUL or space), or
 * GNU base-256 (first byte 0x80 positive, 0xff negative) for values octal cannot hold.
 */
function parseNumber(h: Uint8Array, start: number, len: number, what: string, off: number): number {
  const first = h[start]!;
  if (first & 0x80) {
    if (first === 0xff) {
      throw new FormatError(`readTar: the header at offset ${off} has a negative ${what}`);
    }
    let v = first & 0x7f;
    for (let i = start + 1; i < start + len; i++) {
      v = v * 256 + h[i]!;
      if (v > Number.MAX_SAFE_INTEGER) {
        throw new FormatError(
          `readTar: the header at offset ${off} has a ${what} too large to read`,
        );
      }
    }
    return v;
  }
  let i = start;
  const end = start + len;
  while (i < end && h[i] === 0x20) i++;
  let v = 0;
  let digits = 0;
  for (; i < end && h[i]! >= 0x30 && h[i]! <= 0x37; i++, digits++) v = v * 8 + (h[i]! - 0x30);
  for (; i < end; i++) {
    if (h[i] !== 0 && h[i] !== 0x20) {
      throw new FormatError(
        `readTar: the header at offset ${off} has a malformed ${what} field ${JSON.stringify(ascii(h, start, len))}`,
      );
    }
  }
  // An all-NUL or all-space field reads as 0 (as GNU tar and Go read it).
  return digits === 0 ? 0 : v;
}

function parseMode(h: Uint8Array): number | undefined {
  try {
    return parseNumber(h, 100, 8, 'mode', 0) & 0o7777;
  } catch {
    return undefined;
  }
}

function checkChecksum(h: Uint8Array, off: number): void {
  const stored = parseNumber(h, 148, 8, 'checksum', off);
  // The sum of all header bytes with the checksum field counted as spaces; some old tars
  // summed signed bytes, which POSIX readers accept too.
  let unsigned = 8 * 0x20;
  let signed = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) {
    if (i >= 148 && i < 156) continue;
    const b = h[i]!;
    unsigned += b;
    signed += b < 128 ? b : b - 256;
  }
  if (stored !== unsigned && stored !== signed) {
    throw new FormatError(
      `readTar: bad header checksum at offset ${off} (stored ${stored}, computed ${unsigned}): not a tar archive, or corrupted`,
    );
  }
}

/** Pax extended header records: `<length> <key>=<value>\n`, the length counting the whole record. */
function parsePax(data: Uint8Array, off: number): Map<string, string> {
  const out = new Map<string, string>();
  const bad = (why: string) =>
    new FormatError(`readTar: malformed pax header at offset ${off}: ${why}`);
  let p = 0;
  while (p < data.length) {
    // Some writers pad the header's data with NULs.
    if (data[p] === 0) {
      for (let i = p; i < data.length; i++) if (data[i] !== 0) throw bad('data after NUL padding');
      break;
    }
    let len = 0;
    let q = p;
    for (; q < data.length && data[q]! >= 0x30 && data[q]! <= 0x39 && q - p < 12; q++) {
      len = len * 10 + (data[q]! - 0x30);
    }
    if (q === p || data[q] !== 0x20) throw bad(`record at byte ${p} has no length`);
    if (len <= q - p + 1 || p + len > data.length) {
      throw bad(`record at byte ${p} declares a length of ${len} that does not fit`);
    }
    if (data[p + len - 1] !== 0x0a) throw bad(`record at byte ${p} does not end with a newline`);
    const rec = data.subarray(q + 1, p + len - 1);
    const eq = rec.indexOf(0x3d);
    if (eq <= 0) throw bad(`record at byte ${p} has no key=value`);
    let key: string;
    let value: string;
    try {
      key = utf8.decode(rec.subarray(0, eq));
      value = utf8.decode(rec.subarray(eq + 1));
    } catch {
      throw bad(`record at byte ${p} is not UTF-8`);
    }
    // An empty value is kept: it cancels a global value (POSIX).
    out.set(key, value);
    p += len;
  }
  return out;
}

function parsePaxSize(v: string, off: number): number {
  if (!/^[0-9]{1,16}$/.test(v) || !Number.isSafeInteger(Number(v))) {
    throw new FormatError(
      `readTar: the pax header before offset ${off} has a malformed size '${v}'`,
    );
  }
  return Number(v);
}
