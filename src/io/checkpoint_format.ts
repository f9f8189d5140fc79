import { ValueError } from '../errors.js';
import type { Model } from '../models/model.js';
import { tensor } from '../ops/creation.js';
import type { Config } from '../serialization.js';
import {
  BYTES_PER_ELEMENT as BYTES,
  type DType,
  type TypedArray,
  isDType,
} from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
/**
 * Tessera's checkpoint file: what {@link ModelCheckpoint} writes until the Keras formats
 * (`.weights.h5`, `.keras`) arrive with the saving feature.
 *
 * Layout, all integers little-endian:
 *
 * | bytes            | content                                                    |
 * |------------------|------------------------------------------------------------|
 * | 0–7              | magic `TSRCKPT\0`                                          |
 * | 8–11             | uint32: byte length `H` of the JSON header                 |
 * | 12 – 12+H        | UTF-8 JSON header (see {@link CheckpointHeader})           |
 * | 12+H – end       | data: each tensor's elements, raw little-endian            |
 *
 * The header lists every tensor's name, group, shape, dtype, byte offset (from the start of the
 * data) and byte length, the data length, and free-form metadata. The reader checks every
 * size and offset against the file's length, so a truncated or corrupted file is refused
 * instead of loading garbage. Files are written atomically: to a temporary file in the same
 * directory, flushed, then renamed over the target, so a failed write leaves any previous
 * checkpoint intact.
 */
import { type FileOps, atomicWriteFile, nodeFileOps, readFileBytes } from './files.js';

/** The 8 bytes every checkpoint file starts with. */
export const CHECKPOINT_MAGIC = 'TSRCKPT\0';
/** The format version this module writes and reads. */
export const CHECKPOINT_VERSION = 1;
const PREFIX = 12;

/** One tensor in a checkpoint. */
export interface CheckpointTensor {
  /** The variable's name, e.g. `dense/kernel` or `optimizer/iterations`. */
  name: string;
  /** Which state it belongs to: `weights` (the model's) or `optimizer`. */
  group: string;
  shape: number[];
  dtype: DType;
  /** The elements in row-major order. */
  values: TypedArray;
}

/** A checkpoint as read back: tensors in file order plus the writer's metadata. */
export interface Checkpoint {
  tensors: CheckpointTensor[];
  metadata: Config;
}

/** One entry of the header's `tensors` list. */
export interface CheckpointEntry {
  name: string;
  group: string;
  shape: number[];
  dtype: DType;
  /** Byte offset from the start of the data section. */
  offset: number;
  byteLength: number;
}

/** The JSON header. */
export interface CheckpointHeader {
  format: 'tessera-checkpoint';
  version: number;
  byteOrder: 'little';
  /** Total bytes of the data section; the file is exactly `12 + headerLength + dataLength`. */
  dataLength: number;
  tensors: CheckpointEntry[];
  metadata: Config;
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function arrayFor(dtype: DType, buffer: ArrayBuffer): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer);
    case 'int32':
      return new Int32Array(buffer);
    case 'bool':
      return new Uint8Array(buffer);
    case 'float64':
      return new Float64Array(buffer);
  }
}

/** Reverses each `size`-byte group in place (big-endian hosts only). */
function swapBytes(bytes: Uint8Array, size: number): void {
  if (size === 1) return;
  for (let i = 0; i < bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a]!;
      bytes[a] = bytes[b]!;
      bytes[b] = t;
    }
  }
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Serializes tensors and metadata into the checkpoint layout.
 * @example const bytes = encodeCheckpoint([{ name: 'w', group: 'weights', shape: [2], dtype: 'float32', values: new Float32Array([1, 2]) }]);
 */
export function encodeCheckpoint(
  tensors: readonly CheckpointTensor[],
  metadata: Config = {},
): Uint8Array {
  const entries: CheckpointEntry[] = [];
  let offset = 0;
  tensors.forEach((t, i) => {
    if (!isDType(t.dtype))
      throw new ValueError(
        `encodeCheckpoint: tensor ${i} ('${t.name}') has unknown dtype ${String(t.dtype)}`,
      );
    const n = product(t.shape);
    if (t.values.length !== n) {
      throw new ValueError(
        `encodeCheckpoint: tensor '${t.name}' has shape [${t.shape.join(', ')}] (${n} elements) but ${t.values.length} values`,
      );
    }
    const byteLength = n * BYTES[t.dtype];
    entries.push({
      name: t.name,
      group: t.group,
      shape: [...t.shape],
      dtype: t.dtype,
      offset,
      byteLength,
    });
    offset += byteLength;
  });
  const header: CheckpointHeader = {
    format: 'tessera-checkpoint',
    version: CHECKPOINT_VERSION,
    byteOrder: 'little',
    dataLength: offset,
    tensors: entries,
    metadata,
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(PREFIX + headerBytes.length + offset);
  for (let i = 0; i < 8; i++) out[i] = CHECKPOINT_MAGIC.charCodeAt(i);
  new DataView(out.buffer).setUint32(8, headerBytes.length, true);
  out.set(headerBytes, PREFIX);
  const dataStart = PREFIX + headerBytes.length;
  tensors.forEach((t, i) => {
    const e = entries[i]!;
    const src = new Uint8Array(t.values.buffer, t.values.byteOffset, e.byteLength);
    out.set(src, dataStart + e.offset);
    if (!HOST_LITTLE_ENDIAN)
      swapBytes(
        out.subarray(dataStart + e.offset, dataStart + e.offset + e.byteLength),
        BYTES[t.dtype],
      );
  });
  return out;
}

function isNonNegInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/**
 * Parses and validates checkpoint bytes. Throws a ValueError naming `source` when the magic,
 * version, header, any tensor's shape, dtype, size or offset, or the total length is wrong.
 */
export function decodeCheckpoint(bytes: Uint8Array, source = 'checkpoint'): Checkpoint {
  const fail = (why: string): never => {
    throw new ValueError(`readCheckpoint: ${source} ${why}`);
  };
  if (bytes.length < PREFIX)
    fail(`is not a Tessera checkpoint: ${bytes.length} bytes is shorter than the 12-byte prefix`);
  for (let i = 0; i < 8; i++) {
    if (bytes[i] !== CHECKPOINT_MAGIC.charCodeAt(i))
      fail('is not a Tessera checkpoint (bad magic bytes)');
  }
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(
    8,
    true,
  );
  if (PREFIX + headerLength > bytes.length) {
    fail(
      `is truncated or corrupted: its header claims ${headerLength} bytes but only ${bytes.length - PREFIX} follow the prefix`,
    );
  }
  let header: CheckpointHeader;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(
        bytes.subarray(PREFIX, PREFIX + headerLength),
      ),
    );
  } catch (e) {
    return fail(`has a corrupted header (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || header.format !== 'tessera-checkpoint')
    fail('has a header that is not a Tessera checkpoint header');
  if (header.version !== CHECKPOINT_VERSION)
    fail(
      `has format version ${String(header.version)}; this reader handles version ${CHECKPOINT_VERSION}`,
    );
  if (header.byteOrder !== 'little')
    fail(`declares byte order ${String(header.byteOrder)}; only 'little' is supported`);
  if (!isNonNegInt(header.dataLength))
    fail(`has an invalid dataLength ${String(header.dataLength)}`);
  if (!Array.isArray(header.tensors)) fail('has no tensor list in its header');
  const dataStart = PREFIX + headerLength;
  const expected = dataStart + header.dataLength;
  if (bytes.length < expected)
    fail(
      `is truncated: expected ${expected} bytes (header ${headerLength}, data ${header.dataLength}) but the file has ${bytes.length}`,
    );
  if (bytes.length > expected)
    fail(
      `is corrupted: expected ${expected} bytes but the file has ${bytes.length} (trailing data)`,
    );
  const ranges: [number, number, string][] = [];
  const tensors = header.tensors.map((e, i): CheckpointTensor => {
    const what = `tensor ${i}${e && typeof e.name === 'string' ? ` ('${e.name}')` : ''}`;
    if (e === null || typeof e !== 'object' || typeof e.name !== 'string')
      fail(`has a malformed entry for ${what}`);
    if (typeof e.group !== 'string') fail(`has no group for ${what}`);
    if (!isDType(e.dtype)) fail(`has unknown dtype ${String(e.dtype)} for ${what}`);
    if (!Array.isArray(e.shape) || !e.shape.every(isNonNegInt))
      fail(`has an invalid shape ${JSON.stringify(e.shape)} for ${what}`);
    const size = BYTES[e.dtype];
    const byteLength = product(e.shape) * size;
    if (e.byteLength !== byteLength)
      fail(
        `says ${what} has ${String(e.byteLength)} bytes but shape [${e.shape.join(', ')}] of ${e.dtype} needs ${byteLength}`,
      );
    if (!isNonNegInt(e.offset)) fail(`has an invalid offset ${String(e.offset)} for ${what}`);
    if (e.offset + byteLength > header.dataLength) {
      fail(
        `is corrupted: ${what} spans data bytes ${e.offset}–${e.offset + byteLength} but the data section has ${header.dataLength}`,
      );
    }
    ranges.push([e.offset, e.offset + byteLength, what]);
    const copy = bytes.slice(dataStart + e.offset, dataStart + e.offset + byteLength);
    if (!HOST_LITTLE_ENDIAN) swapBytes(copy, size);
    return {
      name: e.name,
      group: e.group,
      shape: [...e.shape],
      dtype: e.dtype,
      values: arrayFor(e.dtype, copy.buffer),
    };
  });
  ranges.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i]![0] < ranges[i - 1]![1])
      fail(`is corrupted: ${ranges[i - 1]![2]} and ${ranges[i]![2]} overlap`);
  }
  const metadata = header.metadata && typeof header.metadata === 'object' ? header.metadata : {};
  return { tensors, metadata };
}

/** @internal File operations used by {@link writeCheckpoint}; tests inject failures here. */
export type CheckpointIO = FileOps;

/**
 * Writes a checkpoint file atomically: the bytes go to a temporary file beside `path`, which
 * is then renamed over `path`. If anything fails, the temporary file is removed and an
 * existing file at `path` is left as it was. Missing parent directories are created.
 * Node.js only (the file system is imported on first use).
 * @example await writeCheckpoint('ckpt/w.tsckpt', tensors, { epoch: 3 });
 */
export async function writeCheckpoint(
  path: string,
  tensors: readonly CheckpointTensor[],
  metadata: Config = {},
  io?: CheckpointIO,
): Promise<void> {
  if (typeof path !== 'string' || path.length === 0)
    throw new ValueError(
      `writeCheckpoint: path must be a non-empty string, got ${JSON.stringify(path)}`,
    );
  const bytes = encodeCheckpoint(tensors, metadata);
  await atomicWriteFile(path, bytes, io ?? (await nodeFileOps('writeCheckpoint')));
}

/**
 * Reads and validates a checkpoint file written by {@link writeCheckpoint} or
 * `ModelCheckpoint`. Node.js only.
 * @example
 * const ckpt = await readCheckpoint('ckpt/weights.03.tsckpt');
 * ckpt.tensors.map((t) => t.name); // ['dense/kernel', 'dense/bias', ...]
 */
export async function readCheckpoint(path: string): Promise<Checkpoint> {
  // A regular file only, and its magic looked at before the rest is read (FileError otherwise).
  const bytes = await readFileBytes(path, 'readCheckpoint', {
    check: async (peek) => {
      const head = await peek(0, 8);
      if (![...CHECKPOINT_MAGIC].every((c, i) => head[i] === c.charCodeAt(0)))
        throw new ValueError(
          `readCheckpoint: '${path}' is not a Tessera checkpoint (bad magic bytes); refused before reading it`,
        );
    },
  });
  return decodeCheckpoint(bytes, `'${path}'`);
}

function snapshot(name: string, group: string, t: Tensor): CheckpointTensor {
  return { name, group, shape: [...t.shape], dtype: t.dtype, values: t.dataSync().slice() };
}

/**
 * @internal The tensors of a model's state: its weights (group `weights`, in
 * `model.weights` order) and, when asked and built, its optimizer's state (group `optimizer`).
 */
export function modelStateTensors(model: Model, includeOptimizer: boolean): CheckpointTensor[] {
  const out = model.weights.map((w) => snapshot(w.name, 'weights', w.value()));
  const opt = model.optimizer;
  if (includeOptimizer && opt?.built) {
    const names = opt.getWeightNames();
    opt
      .getWeights()
      .forEach((t, i) => out.push(snapshot(names[i] ?? `optimizer_${i}`, 'optimizer', t)));
  }
  return out;
}

/**
 * @internal The stored tensors in the order of `names` when both hold the same unique names in
 * another order, else null. Files written before `model.weights` followed Keras 3's order
 * (each layer's trainable then non-trainable variables) list BatchNormalization's moving
 * statistics last; pairing by name keeps them loading right instead of by position.
 */
export function orderByName<T extends { name: string }>(
  stored: readonly T[],
  names: readonly string[],
): T[] | null {
  if (stored.length !== names.length) return null;
  const byName = new Map(stored.map((t) => [t.name, t]));
  if (byName.size !== stored.length || new Set(names).size !== names.length) return null;
  if (stored.every((t, i) => t.name === names[i])) return null;
  const out: T[] = [];
  for (const n of names) {
    const t = byName.get(n);
    if (!t) return null;
    out.push(t);
  }
  return out;
}

/** The tensors of one group, as Tessera tensors, in file order. */
export function checkpointTensors(ckpt: Checkpoint, group = 'weights'): Tensor[] {
  return ckpt.tensors
    .filter((t) => t.group === group)
    .map((t) => tensor(t.values, t.shape, t.dtype));
}

/**
 * Loads the weights of a checkpoint into a model with the same architecture (weights are
 * matched by position; counts and shapes must agree). Optimizer state in the file is ignored.
 * @example await loadCheckpointWeights(model, 'ckpt/best.tsckpt');
 */
export async function loadCheckpointWeights(model: Model, path: string): Promise<void> {
  const ckpt = await readCheckpoint(path);
  const ws = ckpt.tensors.filter((t) => t.group === 'weights');
  const mine = model.weights;
  if (ws.length !== mine.length) {
    throw new ValueError(
      `loadCheckpointWeights: '${path}' holds ${ws.length} weights but ${model.name} has ${mine.length} (${mine.map((w) => w.name).join(', ')})`,
    );
  }
  const ordered =
    orderByName(
      ws,
      mine.map((w) => w.name),
    ) ?? ws;
  model.setWeights(ordered.map((t) => tensor(t.values, t.shape, t.dtype)));
}
