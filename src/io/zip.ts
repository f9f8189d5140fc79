/**
 * Safe ZIP reading and writing for `.keras` archives (Keras writes them with Python's
 * `zipfile`, members stored uncompressed). Reading parses the central directory itself and
 * checks everything before inflating anything: entry names (no `..` segment, absolute path,
 * drive letter, backslash or NUL), the number of entries, and the declared uncompressed sizes
 * (against limits, so a zip bomb is refused up front). Each member is then inflated in small
 * chunks into a buffer of its declared size, so a member that inflates to more than it declares
 * stops at once, and its length and CRC-32 are verified. Any malformed archive gives a
 * {@link FormatError}, never another exception.
 */
import { Inflate, type ZipOptions, zipSync } from 'fflate';
import { FormatError } from './errors.js';

/** Limits of {@link readZip}. */
export interface ReadZipOptions {
  /** Most entries the archive may list (default 10 000). */
  maxEntries?: number;
  /** Most bytes all entries may declare uncompressed, together (default 2 GiB). */
  maxTotalBytes?: number;
  /**
   * Most bytes one entry may declare uncompressed (a number, or per entry name), checked on
   * the central directory before anything is inflated; inflation then stops at the declared
   * size, so an entry whose header lies cannot exceed it either. Default: `maxTotalBytes`.
   */
  maxEntryBytes?: number | ((name: string) => number);
}

/** Options of {@link writeZip}. */
export interface WriteZipOptions {
  /**
   * Deflate the members (`true`, or a level 1–9); default `false`: stored, as Keras writes
   * `.keras` files.
   */
  compress?: boolean | number;
}

const DEFAULT_MAX_ENTRIES = 10_000;
const DEFAULT_MAX_TOTAL = 2 * 1024 ** 3;
const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOC = 0x07064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
// Compressed bytes handed to the inflater at a time; one deflate byte expands to at most ~1 KiB,
// so an entry that lies about its size overshoots by at most ~16 MiB before it is caught.
const INFLATE_CHUNK = 16 * 1024;
// Longest entry name accepted: Keras's are a few dozen bytes; this keeps every message short.
const MAX_NAME_BYTES = 1024;

/**
 * Why an entry name is unsafe to extract, or null when it is safe. Rejects empty names,
 * NUL and other control characters, backslashes, absolute paths, Windows drive letters and
 * any `..` path segment.
 */
export function unsafeEntryName(name: string): string | null {
  if (name.length === 0) return 'empty name';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'control character (NUL) in name';
  if (name.includes('\\')) return 'backslash in name';
  if (name.startsWith('/')) return 'absolute path';
  if (/^[A-Za-z]:/.test(name)) return 'drive letter';
  if (name.split('/').includes('..')) return "'..' path segment";
  return null;
}

/**
 * Reads a ZIP archive into a map from member name to bytes (directories are skipped).
 * Supports stored and deflated members and ZIP64.
 *
 * @throws FormatError when the bytes are not a well-formed archive, a name is unsafe, a name
 *   repeats, a member is encrypted or uses another compression, the declared sizes exceed
 *   the limits, or a member's data does not match its declared size or CRC-32.
 * @example
 * const files = readZip(bytes);
 * const config = JSON.parse(new TextDecoder().decode(files.get('config.json')));
 */
export function readZip(bytes: Uint8Array, opts: ReadZipOptions = {}): Map<string, Uint8Array> {
  if (!(bytes instanceof Uint8Array)) {
    throw new FormatError('readZip: expected a Uint8Array');
  }
  const maxEntries = opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const maxTotal = opts.maxTotalBytes ?? DEFAULT_MAX_TOTAL;
  const r = new Reader(bytes);
  const entries = readCentralDirectory(r, maxEntries);
  let total = 0;
  const seen = new Set<string>();
  for (const e of entries) {
    const why = unsafeEntryName(e.name);
    if (why) throw new FormatError(`readZip: unsafe entry name ${JSON.stringify(e.name)}: ${why}`);
    if (seen.has(e.name)) {
      throw new FormatError(`readZip: entry ${JSON.stringify(e.name)} appears twice`);
    }
    seen.add(e.name);
    if (e.flags & 1) throw new FormatError(`readZip: entry '${e.name}' is encrypted`);
    if (e.method !== 0 && e.method !== 8) {
      throw new FormatError(
        `readZip: entry '${e.name}' uses compression method ${e.method}; only stored (0) and deflate (8) are supported`,
      );
    }
    if (e.method === 0 && e.compressedSize !== e.size) {
      throw new FormatError(
        `readZip: stored entry '${e.name}' declares ${e.size} bytes but holds ${e.compressedSize}`,
      );
    }
    if (e.size > maxTotal) {
      throw new FormatError(
        `readZip: entry '${e.name}' declares ${e.size} uncompressed bytes, more than the limit of ${maxTotal}`,
      );
    }
    const entryLimit =
      typeof opts.maxEntryBytes === 'function'
        ? opts.maxEntryBytes(e.name)
        : (opts.maxEntryBytes ?? maxTotal);
    if (e.size > entryLimit) {
      throw new FormatError(
        `readZip: entry '${e.name}' declares ${e.size} uncompressed bytes, more than the limit of ${entryLimit} for it (${e.compressedSize} bytes compressed)`,
      );
    }
    total += e.size;
    if (total > maxTotal) {
      throw new FormatError(
        `readZip: the entries declare more than ${maxTotal} uncompressed bytes in all (limit maxTotalBytes)`,
      );
    }
  }
  const out = new Map<string, Uint8Array>();
  for (const e of entries) {
    if (e.name.endsWith('/')) {
      if (e.size !== 0) throw new FormatError(`readZip: directory entry '${e.name}' holds data`);
      continue;
    }
    out.set(e.name, extract(r, e));
  }
  return out;
}

/**
 * Writes a ZIP archive from member names to bytes, in the order given. Members are stored
 * (as Keras does) unless `compress` is set. Timestamps are fixed at 1980-01-01 so the same
 * input gives the same bytes.
 *
 * @throws FormatError for an unsafe member name.
 * @example
 * const zip = writeZip({ 'metadata.json': meta, 'config.json': config, 'model.weights.h5': h5 });
 */
export function writeZip(
  entries: Record<string, Uint8Array>,
  opts: WriteZipOptions = {},
): Uint8Array {
  const level =
    opts.compress === undefined || opts.compress === false
      ? 0
      : opts.compress === true
        ? 6
        : opts.compress;
  if (!Number.isInteger(level) || level < 0 || level > 9) {
    throw new FormatError(`writeZip: compress must be a boolean or a level 0-9, got ${level}`);
  }
  const files: Record<string, [Uint8Array, ZipOptions]> = {};
  for (const [name, data] of Object.entries(entries)) {
    const why = unsafeEntryName(name);
    if (why) throw new FormatError(`writeZip: unsafe entry name ${JSON.stringify(name)}: ${why}`);
    if (!(data instanceof Uint8Array)) {
      throw new FormatError(`writeZip: entry '${name}' must be a Uint8Array`);
    }
    files[name] = [data, { level: level as ZipOptions['level'] }];
  }
  return zipSync(files, { mtime: new Date(1980, 0, 1, 0, 0, 0) });
}

// ---------------------------------------------------------------------------------------------
// Reading

interface CentralEntry {
  name: string;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/** Bounds-checked little-endian reads; any read past the end is a FormatError. */
class Reader {
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get length(): number {
    return this.bytes.length;
  }
  check(offset: number, n: number, what: string): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || n < 0 || offset + n > this.bytes.length) {
      throw new FormatError(
        `readZip: truncated or corrupted archive (${what} at offset ${offset} runs past the end, ${this.bytes.length} bytes)`,
      );
    }
  }
  u16(o: number, what: string): number {
    this.check(o, 2, what);
    return this.view.getUint16(o, true);
  }
  u32(o: number, what: string): number {
    this.check(o, 4, what);
    return this.view.getUint32(o, true);
  }
  u64(o: number, what: string): number {
    this.check(o, 8, what);
    const v = this.view.getBigUint64(o, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new FormatError(`readZip: ${what} is too large (${v})`);
    }
    return Number(v);
  }
  slice(o: number, n: number, what: string): Uint8Array {
    this.check(o, n, what);
    return this.bytes.subarray(o, o + n);
  }
}

function findEndOfCentralDirectory(r: Reader): number {
  if (r.length < 22) {
    throw new FormatError(`readZip: not a zip archive (${r.length} bytes, too short)`);
  }
  const lowest = Math.max(0, r.length - 22 - 0xffff);
  for (let e = r.length - 22; e >= lowest; e--) {
    if (r.u32(e, 'end record') === SIG_EOCD) {
      const commentLen = r.u16(e + 20, 'end record');
      if (e + 22 + commentLen <= r.length) return e;
    }
  }
  throw new FormatError(
    'readZip: not a zip archive, or truncated (no end-of-central-directory record)',
  );
}

function readCentralDirectory(r: Reader, maxEntries: number): CentralEntry[] {
  const e = findEndOfCentralDirectory(r);
  const disk = r.u16(e + 4, 'end record');
  const cdDisk = r.u16(e + 6, 'end record');
  if (disk !== 0 || cdDisk !== 0) {
    throw new FormatError('readZip: multi-volume archives are not supported');
  }
  let count = r.u16(e + 10, 'end record');
  let cdSize = r.u32(e + 12, 'end record');
  let cdOffset = r.u32(e + 16, 'end record');
  const zip64 = count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff;
  if (e >= 20 && r.u32(e - 20, 'zip64 locator') === SIG_EOCD64_LOC) {
    const z = r.u64(e - 12, 'zip64 locator');
    if (r.u32(z, 'zip64 end record') !== SIG_EOCD64) {
      throw new FormatError('readZip: corrupted zip64 end record');
    }
    count = r.u64(z + 32, 'zip64 entry count');
    cdSize = r.u64(z + 40, 'zip64 directory size');
    cdOffset = r.u64(z + 48, 'zip64 directory offset');
  } else if (zip64) {
    throw new FormatError('readZip: zip64 archive without a zip64 end record');
  }
  if (count > maxEntries) {
    throw new FormatError(
      `readZip: the archive lists ${count} entries, more than the limit of ${maxEntries} (maxEntries)`,
    );
  }
  r.check(cdOffset, cdSize, 'central directory');
  const out: CentralEntry[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (r.u32(p, 'central directory entry') !== SIG_CENTRAL) {
      throw new FormatError(`readZip: corrupted central directory (entry ${i} at offset ${p})`);
    }
    const flags = r.u16(p + 8, 'central directory entry');
    const method = r.u16(p + 10, 'central directory entry');
    const crc = r.u32(p + 16, 'central directory entry');
    let compressedSize = r.u32(p + 20, 'central directory entry');
    let size = r.u32(p + 24, 'central directory entry');
    const nameLen = r.u16(p + 28, 'central directory entry');
    if (nameLen > MAX_NAME_BYTES) {
      throw new FormatError(
        `readZip: entry ${i} has a name of ${nameLen} bytes, more than the limit of ${MAX_NAME_BYTES}`,
      );
    }
    const extraLen = r.u16(p + 30, 'central directory entry');
    const commentLen = r.u16(p + 32, 'central directory entry');
    let localOffset = r.u32(p + 42, 'central directory entry');
    const nameBytes = r.slice(p + 46, nameLen, 'entry name');
    const name = decodeName(nameBytes, (flags & 0x800) !== 0);
    const extra = r.slice(p + 46 + nameLen, extraLen, 'entry extra field');
    if (size === 0xffffffff || compressedSize === 0xffffffff || localOffset === 0xffffffff) {
      // The zip64 extra field holds, in this order, only the fields that overflowed.
      const z = zip64Extra(extra, name);
      let q = 0;
      if (size === 0xffffffff) size = z(q++);
      if (compressedSize === 0xffffffff) compressedSize = z(q++);
      if (localOffset === 0xffffffff) localOffset = z(q++);
    }
    out.push({ name, flags, method, crc, compressedSize, size, localOffset });
    p += 46 + nameLen + extraLen + commentLen;
    if (p > cdOffset + cdSize) {
      throw new FormatError('readZip: central directory entries run past its declared size');
    }
  }
  return out;
}

function zip64Extra(extra: Uint8Array, name: string): (i: number) => number {
  const r = new Reader(extra);
  let p = 0;
  while (p + 4 <= extra.length) {
    const id = r.u16(p, 'extra field');
    const len = r.u16(p + 2, 'extra field');
    if (id === 0x0001) {
      return (i: number) => {
        if (8 * i + 8 > len) {
          throw new FormatError(`readZip: entry '${name}' has a short zip64 extra field`);
        }
        return r.u64(p + 4 + 8 * i, 'zip64 extra field');
      };
    }
    p += 4 + len;
  }
  throw new FormatError(`readZip: entry '${name}' needs a zip64 extra field and has none`);
}

function decodeName(bytes: Uint8Array, utf8: boolean): string {
  // Without the UTF-8 flag names are CP437; ASCII is the same either way, and other bytes
  // are kept as Latin-1 code points (never decoded into '/' or '.', so the checks still hold).
  if (utf8) {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new FormatError('readZip: an entry name is not valid UTF-8');
    }
  }
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

function extract(r: Reader, e: CentralEntry): Uint8Array {
  const lo = e.localOffset;
  if (r.u32(lo, `local header of '${e.name}'`) !== SIG_LOCAL) {
    throw new FormatError(`readZip: corrupted local header of entry '${e.name}'`);
  }
  const nameLen = r.u16(lo + 26, `local header of '${e.name}'`);
  const extraLen = r.u16(lo + 28, `local header of '${e.name}'`);
  const localName = decodeName(
    r.slice(lo + 30, nameLen, `local header of '${e.name}'`),
    (r.u16(lo + 6, 'local header') & 0x800) !== 0,
  );
  if (localName !== e.name) {
    throw new FormatError(
      `readZip: entry '${e.name}' is named '${localName}' in its local header (inconsistent archive)`,
    );
  }
  const data = r.slice(lo + 30 + nameLen + extraLen, e.compressedSize, `data of '${e.name}'`);
  const out = e.method === 0 ? data.slice() : inflateBounded(data, e);
  if (crc32(out) !== e.crc) {
    throw new FormatError(`readZip: entry '${e.name}' is corrupted (CRC-32 mismatch)`);
  }
  return out;
}

class Overflow extends Error {}

function inflateBounded(data: Uint8Array, e: CentralEntry): Uint8Array {
  const out = new Uint8Array(e.size);
  let pos = 0;
  let done = false;
  const inf = new Inflate((chunk, final) => {
    if (pos + chunk.length > out.length) throw new Overflow();
    out.set(chunk, pos);
    pos += chunk.length;
    if (final) done = true;
  });
  try {
    if (data.length === 0) inf.push(new Uint8Array(0), true);
    for (let i = 0; i < data.length; i += INFLATE_CHUNK) {
      const end = Math.min(i + INFLATE_CHUNK, data.length);
      inf.push(data.subarray(i, end), end === data.length);
    }
  } catch (err) {
    if (err instanceof Overflow) {
      throw new FormatError(
        `readZip: entry '${e.name}' inflates to more than the ${e.size} bytes it declares`,
      );
    }
    throw new FormatError(
      `readZip: entry '${e.name}' has corrupted compressed data (${(err as Error).message})`,
    );
  }
  if (!done || pos !== e.size) {
    throw new FormatError(
      `readZip: entry '${e.name}' inflates to ${pos} bytes but declares ${e.size}`,
    );
  }
  return out;
}

let crcTable: Int32Array | null = null;

/** CRC-32 (ISO 3309, as ZIP uses), as an unsigned 32-bit number. */
export function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c;
    }
  }
  const t = crcTable;
  let c = -1;
  for (let i = 0; i < data.length; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
