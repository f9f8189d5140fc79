/**
 * The file behind `Dataset.cache(filename)` (Node): the elements of one complete iteration,
 * written as they pass and renamed into place only when the iteration ends, so a file that
 * exists is whole. Reading streams one element at a time and trusts nothing it declares:
 * every length, shape and dtype is checked against the bytes left in the file before anything
 * is allocated.
 *
 * Layout: the magic `TSRDSC01`, then per element a little-endian u32 header length, the
 * header (UTF-8 JSON: the element's structure with each leaf's dtype and shape), then each
 * leaf's bytes in order (bool as one byte per value).
 */
import type { Element } from '../data/structure.js';
import { tensor } from '../ops/creation.js';
import { BYTES_PER_ELEMENT, type DType, isDType } from '../tensor/dtype.js';
import { StringTensor } from '../tensor/string_tensor.js';
import { Tensor } from '../tensor/tensor.js';
import { FormatError } from './errors.js';
import { nodeBuiltin } from './node_builtin.js';

const MAGIC = 'TSRDSC01';
/** A header describes one element's structure; 1 MB of it is far beyond any real one. */
const MAX_HEADER = 1 << 20;

type Skeleton =
  | { t: [DType, number[]] }
  | { s: [number[], number[]] }
  | { a: Skeleton[] }
  | { r: Record<string, Skeleton> };

const utf8 = new TextEncoder();

function skeletonOf(e: Element, leaves: (Tensor | Uint8Array)[]): Skeleton {
  if (e instanceof Tensor) {
    leaves.push(e);
    return { t: [e.dtype, [...e.shape]] };
  }
  if (e instanceof StringTensor) {
    // Strings: their UTF-8 byte lengths in the header, the bytes after it.
    const bytes = e.values.map((v) => utf8.encode(v));
    const all = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const b of bytes) {
      all.set(b, at);
      at += b.length;
    }
    leaves.push(all);
    return { s: [[...e.shape], bytes.map((b) => b.length)] };
  }
  if (Array.isArray(e)) return { a: e.map((x) => skeletonOf(x, leaves)) };
  const r: Record<string, Skeleton> = {};
  for (const [k, x] of Object.entries(e)) r[k] = skeletonOf(x as Element, leaves);
  return { r };
}

/**
 * A writer that appends elements to a temporary file beside `filename` and, on `commit`,
 * renames it into place.
 * @example const w = await openCacheWriter('cache.bin'); await w.append(e); await w.commit();
 */
export async function openCacheWriter(filename: string): Promise<{
  append(e: Element): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}> {
  const fs = await nodeBuiltin<typeof import('node:fs/promises')>('fs/promises');
  const tmp = `${filename}.${process.pid}.${Date.now()}.partial`;
  const fh = await fs.open(tmp, 'w');
  await fh.write(Buffer.from(MAGIC, 'latin1'));
  let closed = false;
  return {
    async append(e) {
      const leaves: (Tensor | Uint8Array)[] = [];
      const head = Buffer.from(JSON.stringify(skeletonOf(e, leaves)), 'utf8');
      const len = Buffer.alloc(4);
      len.writeUInt32LE(head.length, 0);
      await fh.write(len);
      await fh.write(head);
      for (const t of leaves) {
        const d = t instanceof Uint8Array ? t : await t.data();
        await fh.write(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
      }
    },
    async commit() {
      if (closed) return;
      closed = true;
      await fh.close();
      await fs.rename(tmp, filename);
    },
    async abort() {
      if (closed) return;
      closed = true;
      await fh.close();
      await fs.rm(tmp, { force: true });
    },
  };
}

/**
 * The elements of a cache file, streamed, or null when the file does not exist. A damaged or
 * foreign file throws a FormatError naming the file and the element.
 * @example for await (const e of (await readCache('cache.bin'))!) use(e);
 */
export async function readCache(filename: string): Promise<AsyncIterable<Element> | null> {
  const fs = await nodeBuiltin<typeof import('node:fs/promises')>('fs/promises');
  let size: number;
  try {
    size = (await fs.stat(filename)).size;
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return null;
    throw err;
  }
  const where = `Dataset.cache: ${filename}`;
  return {
    async *[Symbol.asyncIterator]() {
      const fh = await fs.open(filename, 'r');
      try {
        let pos = 0;
        const read = async (n: number, what: string): Promise<Uint8Array> => {
          if (n > size - pos)
            throw new FormatError(
              `${where}: ${what} needs ${n} bytes at offset ${pos} but the file has ${size - pos} left (truncated or not a cache file)`,
            );
          const b = new Uint8Array(n);
          let got = 0;
          while (got < n) {
            const { bytesRead } = await fh.read(b, got, n - got, pos + got);
            if (bytesRead === 0)
              throw new FormatError(`${where}: unexpected end of file at offset ${pos + got}`);
            got += bytesRead;
          }
          pos += n;
          return b;
        };
        const magic = new TextDecoder('latin1').decode(await read(8, 'the magic'));
        if (magic !== MAGIC)
          throw new FormatError(
            `${where}: not a Tessera dataset cache (magic '${magic}', expected '${MAGIC}')`,
          );
        for (let index = 0; pos < size; index++) {
          const lenBytes = await read(4, `element ${index}'s header length`);
          const hlen = new DataView(lenBytes.buffer).getUint32(0, true);
          if (hlen > MAX_HEADER)
            throw new FormatError(
              `${where}: element ${index}'s header declares ${hlen} bytes (at most ${MAX_HEADER})`,
            );
          let skel: unknown;
          try {
            skel = JSON.parse(
              new TextDecoder('utf-8', { fatal: true }).decode(
                await read(hlen, `element ${index}'s header`),
              ),
            );
          } catch (err) {
            if (err instanceof FormatError) throw err;
            throw new FormatError(`${where}: element ${index}'s header is not valid JSON`);
          }
          const build = async (s: unknown, depth: number): Promise<Element> => {
            if (depth > 64 || typeof s !== 'object' || s === null)
              throw new FormatError(`${where}: element ${index}'s header has an invalid structure`);
            const o = s as Record<string, unknown>;
            if (Array.isArray(o.t)) {
              const [dtype, shape] = o.t as [unknown, unknown];
              if (
                !isDType(dtype) ||
                !Array.isArray(shape) ||
                !shape.every((d) => Number.isInteger(d) && d >= 0)
              )
                throw new FormatError(
                  `${where}: element ${index} has a leaf with dtype ${String(dtype)} and shape ${JSON.stringify(shape)}`,
                );
              const n = (shape as number[]).reduce((a, d) => a * d, 1);
              const bytes = n * BYTES_PER_ELEMENT[dtype];
              // Checked against the file before allocating: a header cannot ask for more.
              const raw = await read(
                bytes,
                `element ${index}'s ${dtype}${JSON.stringify(shape)} leaf`,
              );
              const buf = raw.buffer;
              const values =
                dtype === 'float32'
                  ? new Float32Array(buf)
                  : dtype === 'float64'
                    ? new Float64Array(buf)
                    : dtype === 'int32'
                      ? new Int32Array(buf)
                      : raw;
              return tensor(values, shape as number[], dtype);
            }
            if (Array.isArray(o.s)) {
              const [shape, lengths] = o.s as [unknown, unknown];
              if (
                !Array.isArray(shape) ||
                !shape.every((d) => Number.isInteger(d) && d >= 0) ||
                !Array.isArray(lengths) ||
                !lengths.every((d) => Number.isInteger(d) && d >= 0) ||
                lengths.length !== (shape as number[]).reduce((a, d) => a * d, 1)
              )
                throw new FormatError(
                  `${where}: element ${index} has a string leaf with shape ${JSON.stringify(shape)} and ${Array.isArray(lengths) ? lengths.length : 'no'} lengths`,
                );
              const total = (lengths as number[]).reduce((a, d) => a + d, 0);
              const raw = await read(total, `element ${index}'s strings`);
              const dec = new TextDecoder('utf-8', { fatal: true });
              let at = 0;
              const values = (lengths as number[]).map((n) => {
                const v = dec.decode(raw.subarray(at, at + n));
                at += n;
                return v;
              });
              return new StringTensor(values, shape as number[]);
            }
            if (Array.isArray(o.a)) {
              const out: Element[] = [];
              for (const x of o.a) out.push(await build(x, depth + 1));
              return out;
            }
            if (typeof o.r === 'object' && o.r !== null && !Array.isArray(o.r)) {
              const out: Record<string, Element> = {};
              for (const [k, x] of Object.entries(o.r)) out[k] = await build(x, depth + 1);
              return out;
            }
            throw new FormatError(`${where}: element ${index}'s header has an invalid structure`);
          };
          yield await build(skel, 0);
        }
      } finally {
        await fh.close();
      }
    },
  };
}
