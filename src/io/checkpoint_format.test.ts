import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type CheckpointIO,
  type CheckpointTensor,
  checkpointTensors,
  decodeCheckpoint,
  encodeCheckpoint,
  readCheckpoint,
  writeCheckpoint,
} from './checkpoint_format.js';

const TENSORS: CheckpointTensor[] = [
  {
    name: 'dense/kernel',
    group: 'weights',
    shape: [2, 3],
    dtype: 'float32',
    values: new Float32Array([0.1, -2, 3.5, 1e-20, Number.NaN, Number.POSITIVE_INFINITY]),
  },
  {
    name: 'dense/bias',
    group: 'weights',
    shape: [3],
    dtype: 'float32',
    values: new Float32Array([1, 2, 3]),
  },
  { name: 'count', group: 'weights', shape: [], dtype: 'int32', values: new Int32Array([-7]) },
  { name: 'mask', group: 'weights', shape: [2], dtype: 'bool', values: new Uint8Array([1, 0]) },
  {
    name: 'd',
    group: 'optimizer',
    shape: [1],
    dtype: 'float64',
    values: new Float64Array([Math.PI]),
  },
  { name: 'empty', group: 'weights', shape: [0, 4], dtype: 'float32', values: new Float32Array(0) },
];

function headerOf(bytes: Uint8Array): { length: number; json: Record<string, unknown> } {
  const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  return { length, json: JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + length))) };
}

/** Re-encodes `bytes` with its header edited by `edit` (the data section is kept). */
function withHeader(bytes: Uint8Array, edit: (h: Record<string, unknown>) => void): Uint8Array {
  const { length, json } = headerOf(bytes);
  edit(json);
  const h = new TextEncoder().encode(JSON.stringify(json));
  const out = new Uint8Array(12 + h.length + bytes.length - 12 - length);
  out.set(bytes.subarray(0, 8));
  new DataView(out.buffer).setUint32(8, h.length, true);
  out.set(h, 12);
  out.set(bytes.subarray(12 + length), 12 + h.length);
  return out;
}

describe('checkpoint format', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('round-trips every dtype bit for bit, with metadata', () => {
    const bytes = encodeCheckpoint(TENSORS, { epoch: 3, note: 'x' });
    expect(new TextDecoder().decode(bytes.subarray(0, 8))).toBe('TSRCKPT\0');
    const back = decodeCheckpoint(bytes);
    expect(back.metadata).toEqual({ epoch: 3, note: 'x' });
    expect(back.tensors.map((t) => [t.name, t.group, t.shape, t.dtype])).toEqual(
      TENSORS.map((t) => [t.name, t.group, t.shape, t.dtype]),
    );
    back.tensors.forEach((t, i) => {
      expect(t.values.constructor).toBe(TENSORS[i]!.values.constructor);
      expect(new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength)).toEqual(
        new Uint8Array(
          TENSORS[i]!.values.buffer,
          TENSORS[i]!.values.byteOffset,
          TENSORS[i]!.values.byteLength,
        ),
      );
    });
    expect(checkpointTensors(back, 'optimizer')[0]!.dataSync()[0]).toBe(Math.PI);
  });

  it('stores data little-endian after a header with names, shapes, dtypes and offsets', () => {
    const bytes = encodeCheckpoint([
      {
        name: 'w',
        group: 'weights',
        shape: [2],
        dtype: 'float32',
        values: new Float32Array([1, -2]),
      },
    ]);
    const { length, json } = headerOf(bytes);
    expect(json).toMatchObject({
      format: 'tessera-checkpoint',
      version: 1,
      byteOrder: 'little',
      dataLength: 8,
      tensors: [
        { name: 'w', group: 'weights', shape: [2], dtype: 'float32', offset: 0, byteLength: 8 },
      ],
    });
    const view = new DataView(bytes.buffer, 12 + length);
    expect([view.getFloat32(0, true), view.getFloat32(4, true)]).toEqual([1, -2]);
    expect(bytes.length).toBe(12 + length + 8);
  });

  it('writes and reads a file', async () => {
    const p = path.join(dir, 'sub', 'dir', 'w.tsckpt');
    await writeCheckpoint(p, TENSORS, { a: 1 });
    const back = await readCheckpoint(p);
    expect(back.tensors.length).toBe(TENSORS.length);
    expect([...back.tensors[1]!.values]).toEqual([1, 2, 3]);
    expect(fs.readdirSync(path.dirname(p))).toEqual(['w.tsckpt']);
  });

  it('rejects truncated files at every length', async () => {
    const bytes = encodeCheckpoint(TENSORS);
    for (let n = 0; n < bytes.length; n += 7) {
      expect(() => decodeCheckpoint(bytes.subarray(0, n), 'f')).toThrow(
        /readCheckpoint: f (is not a Tessera checkpoint|is truncated|has a corrupted header)/,
      );
    }
    const p = path.join(dir, 'cut.tsckpt');
    fs.writeFileSync(p, bytes.subarray(0, bytes.length - 3));
    await expect(readCheckpoint(p)).rejects.toThrow(
      /'.*cut\.tsckpt' is truncated: expected \d+ bytes .* but the file has \d+/,
    );
  });

  it('rejects trailing bytes, bad magic and corrupted headers', () => {
    const bytes = encodeCheckpoint(TENSORS);
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    expect(() => decodeCheckpoint(longer)).toThrow(/trailing data/);
    const bad = bytes.slice();
    bad[0] = 0x58;
    expect(() => decodeCheckpoint(bad)).toThrow(/bad magic/);
    const hdr = bytes.slice();
    hdr[13] = 0x7b; // breaks the JSON
    expect(() => decodeCheckpoint(hdr)).toThrow(/corrupted header/);
    const huge = bytes.slice();
    new DataView(huge.buffer).setUint32(8, 1e9, true);
    expect(() => decodeCheckpoint(huge)).toThrow(/header claims 1000000000 bytes/);
  });

  it('checks every entry of the header against the data', () => {
    const bytes = encodeCheckpoint(TENSORS);
    const edit = (f: (t: Record<string, unknown>[], h: Record<string, unknown>) => void) =>
      withHeader(bytes, (h) => f(h.tensors as Record<string, unknown>[], h));
    expect(() =>
      decodeCheckpoint(
        edit((t) => {
          t[0]!.byteLength = 20;
        }),
      ),
    ).toThrow(/tensor 0 \('dense\/kernel'\) has 20 bytes but shape \[2, 3\] of float32 needs 24/);
    expect(() =>
      decodeCheckpoint(
        edit((t) => {
          t[1]!.offset = 10_000;
        }),
      ),
    ).toThrow(
      /tensor 1 \('dense\/bias'\) spans data bytes 10000–10012 but the data section has 50/,
    );
    expect(() =>
      decodeCheckpoint(
        edit((t) => {
          t[1]!.offset = 4;
        }),
      ),
    ).toThrow(/overlap/);
    expect(() =>
      decodeCheckpoint(
        edit((t) => {
          t[0]!.dtype = 'float16';
        }),
      ),
    ).toThrow(/unknown dtype float16/);
    expect(() =>
      decodeCheckpoint(
        edit((t) => {
          t[0]!.shape = [2, -3];
        }),
      ),
    ).toThrow(/invalid shape/);
    expect(() =>
      decodeCheckpoint(
        edit((t) => {
          t[0]!.offset = -1;
        }),
      ),
    ).toThrow(/invalid offset/);
    expect(() =>
      decodeCheckpoint(
        edit((_, h) => {
          h.version = 2;
        }),
      ),
    ).toThrow(/format version 2/);
    expect(() =>
      decodeCheckpoint(
        edit((_, h) => {
          h.dataLength = 4;
        }),
      ),
    ).toThrow(/trailing data/);
    expect(() =>
      decodeCheckpoint(
        edit((_, h) => {
          h.format = 'other';
        }),
      ),
    ).toThrow(/not a Tessera checkpoint header/);
  });

  it('an atomic write that fails leaves the previous file intact and no temporary file', async () => {
    const p = path.join(dir, 'w.tsckpt');
    await writeCheckpoint(p, TENSORS.slice(0, 2), { version: 'old' });
    const before = fs.readFileSync(p);
    // A write that dies halfway, as a full disk or a killed process would leave it.
    const halfWrite: CheckpointIO = {
      writeNew: async (tmp, data) => {
        fs.writeFileSync(tmp, data.subarray(0, data.length >> 1), { flag: 'wx' });
        throw new Error('ENOSPC: no space left on device');
      },
      rename: async (a, b) => fs.renameSync(a, b),
      remove: async (q) => fs.rmSync(q, { force: true }),
      mkdirs: async (q) => void fs.mkdirSync(q, { recursive: true }),
    };
    await expect(writeCheckpoint(p, TENSORS, { version: 'new' }, halfWrite)).rejects.toThrow(
      /ENOSPC/,
    );
    expect(fs.readFileSync(p)).toEqual(before);
    expect(fs.readdirSync(dir)).toEqual(['w.tsckpt']);
    expect((await readCheckpoint(p)).metadata).toEqual({ version: 'old' });
    // A failing rename is cleaned up too.
    const badRename: CheckpointIO = {
      ...halfWrite,
      writeNew: async (tmp, data) => fs.writeFileSync(tmp, data),
      rename: async () => Promise.reject(new Error('EXDEV')),
    };
    await expect(writeCheckpoint(p, TENSORS, {}, badRename)).rejects.toThrow(/EXDEV/);
    expect(fs.readdirSync(dir)).toEqual(['w.tsckpt']);
    expect(fs.readFileSync(p)).toEqual(before);
  });

  it('writes into the target directory through a temporary file, then renames', async () => {
    const p = path.join(dir, 'w.tsckpt');
    const calls: string[] = [];
    const io: CheckpointIO = {
      writeNew: async (tmp, data) => {
        calls.push(
          `write ${path.dirname(tmp) === dir} ${path.basename(tmp).startsWith('.w.tsckpt.')}`,
        );
        fs.writeFileSync(tmp, data, { flag: 'wx' });
      },
      rename: async (a, b) => {
        calls.push(`rename ${b === p}`);
        fs.renameSync(a, b);
      },
      remove: async (q) => fs.rmSync(q, { force: true }),
      mkdirs: async (q) => void fs.mkdirSync(q, { recursive: true }),
    };
    await writeCheckpoint(p, TENSORS, {}, io);
    expect(calls).toEqual(['write true true', 'rename true']);
    expect((await readCheckpoint(p)).tensors.length).toBe(TENSORS.length);
  });

  it('refuses tensors whose values do not match their shape', () => {
    expect(() =>
      encodeCheckpoint([
        { name: 'w', group: 'weights', shape: [3], dtype: 'float32', values: new Float32Array(2) },
      ]),
    ).toThrow(/shape \[3\] \(3 elements\) but 2 values/);
  });
});
