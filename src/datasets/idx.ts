/**
 * The IDX format of MNIST and Fashion-MNIST: a magic number giving the element type and rank,
 * big-endian dimension sizes, then the data. Every size is checked against the byte count
 * before anything is read.
 */
import { ValueError } from '../errors.js';

/** A parsed IDX array: its dimensions and its elements (bytes for MNIST). */
export interface IdxArray {
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const TYPES: Record<number, { size: number; name: string }> = {
  8: { size: 1, name: 'uint8' },
  9: { size: 1, name: 'int8' },
  11: { size: 2, name: 'int16' },
  12: { size: 4, name: 'int32' },
  13: { size: 4, name: 'float32' },
  14: { size: 8, name: 'float64' },
};

/**
 * Parses IDX bytes (already decompressed).
 *
 * Shape: as declared in the header.
 * @example const { shape, data } = parseIdx(bytes); // shape [60000, 28, 28]
 */
export function parseIdx(bytes: Uint8Array, what = 'IDX data'): IdxArray {
  if (bytes.length < 4)
    throw new ValueError(`parseIdx (${what}): ${bytes.length} bytes is too short for a header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0) !== 0)
    throw new ValueError(`parseIdx (${what}): bad magic number, first two bytes must be 0`);
  const type = TYPES[view.getUint8(2)];
  if (!type)
    throw new ValueError(
      `parseIdx (${what}): unknown element type 0x${view.getUint8(2).toString(16)}`,
    );
  const rank = view.getUint8(3);
  const headerEnd = 4 + rank * 4;
  if (bytes.length < headerEnd)
    throw new ValueError(
      `parseIdx (${what}): header declares rank ${rank} but the file has ${bytes.length} bytes`,
    );
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < rank; i++) {
    const d = view.getUint32(4 + i * 4);
    shape.push(d);
    count *= d;
  }
  const need = headerEnd + count * type.size;
  if (need !== bytes.length) {
    throw new ValueError(
      `parseIdx (${what}): shape [${shape.join(', ')}] of ${type.name} needs ${need} bytes, the file has ${bytes.length}`,
    );
  }
  const body = bytes.subarray(headerEnd);
  switch (type.name) {
    case 'uint8':
      return { shape, data: new Uint8Array(body) };
    case 'int8':
      return {
        shape,
        data: new Int8Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.length)),
      };
    default: {
      // Multi-byte IDX elements are big-endian.
      const out =
        type.name === 'int16'
          ? new Int16Array(count)
          : type.name === 'int32'
            ? new Int32Array(count)
            : type.name === 'float32'
              ? new Float32Array(count)
              : new Float64Array(count);
      const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
      for (let i = 0; i < count; i++) {
        const o = i * type.size;
        out[i] =
          type.name === 'int16'
            ? dv.getInt16(o)
            : type.name === 'int32'
              ? dv.getInt32(o)
              : type.name === 'float32'
                ? dv.getFloat32(o)
                : dv.getFloat64(o);
      }
      return { shape, data: out };
    }
  }
}
