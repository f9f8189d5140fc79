import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tensor } from '../ops/creation.js';
import { FormatError } from './errors.js';
import { type H5ReadOptions, createH5, isHdf5, openH5, readH5 } from './h5.js';

const KERAS = '/work/shared/models/keras';
const file = (p: string) => new Uint8Array(readFileSync(p));
// Written by scripts/h5_dtype_fixture.py with h5py: dtypes h5wasm cannot write.
const DTYPES = 'test/fixtures/h5_dtypes.h5';

/** Deterministic pseudo-random numbers (LCG). */
function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

/** Opens, walks everything and reads every dataset and attribute. */
async function readAll(bytes: Uint8Array, opts?: H5ReadOptions): Promise<number> {
  const r = await openH5(bytes, opts);
  let n = 0;
  const walk = (p: string) => {
    r.attrs(p);
    for (const name of r.attrNames(p)) {
      try {
        r.attr(p, name);
      } catch (e) {
        if (!(e instanceof FormatError)) throw e;
      }
    }
    if (r.isGroup(p)) for (const k of r.keys(p)) walk(p === '/' ? `/${k}` : `${p}/${k}`);
    else if (r.isDataset(p)) {
      r.readDataset(p);
      n++;
    }
  };
  try {
    walk('/');
  } finally {
    r.close();
  }
  return n;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('openH5 on Keras files', () => {
  it('lists groups and attributes and reads datasets', async () => {
    const r = await openH5(file(`${KERAS}/lstm/lstm.weights.h5`));
    expect(r.keys()).toEqual(['layers', 'vars']);
    expect(r.keys('layers')).toEqual(['dense', 'embedding', 'gru', 'lstm']);
    expect(r.keys('/layers/lstm/')).toEqual(['cell', 'vars']);
    expect(r.attrs('vars')).toEqual({ name: 'lstm' });
    expect(r.attr('layers/gru/cell/vars', 'name')).toBe('gru_cell');
    expect(r.attr('layers/gru/cell/vars', 'missing')).toBeUndefined();
    expect(r.isGroup('layers/lstm/cell/vars')).toBe(true);
    expect(r.isDataset('layers/lstm/cell/vars/0')).toBe(true);
    expect(r.has('layers/nope')).toBe(false);
    expect(r.datasetInfo('layers/gru/cell/vars/2')).toEqual({
      shape: [2, 24],
      storedDtype: 'float32',
      bytes: 192,
    });
    const a = r.readDataset('layers/lstm/cell/vars/1');
    expect(a.shape).toEqual([16, 64]);
    expect(a.dtype).toBe('float32');
    expect(a.data).toBeInstanceOf(Float32Array);
    expect(a.data.length).toBe(16 * 64);
    // Each read is a fresh copy.
    a.data[0] = 123;
    expect(r.readDataset('layers/lstm/cell/vars/1').data[0]).not.toBe(123);
    expect(() => r.readDataset('layers')).toThrow(/is a group, not a dataset/);
    expect(() => r.keys('layers/lstm/cell/vars/0')).toThrow(/is a dataset, not a group/);
    expect(() => r.keys('layers/../vars')).toThrow(FormatError);
    r.close();
    r.close();
    expect(() => r.keys()).toThrow(/closed/);
  });

  it('reads legacy attributes (JSON configs, string lists)', async () => {
    await readH5(file(`${KERAS}/cnn/cnn.h5`), (r) => {
      expect(r.attr('/', 'keras_version')).toBe('3.15.1');
      expect(JSON.parse(r.attr('/', 'model_config') as string).class_name).toBe('Sequential');
      expect(r.attr('model_weights', 'layer_names')).toEqual([
        'conv1',
        'pool1',
        'conv2',
        'bn',
        'flatten',
        'dropout',
        'probs',
      ]);
      expect(r.attr('model_weights/bn', 'weight_names')).toEqual([
        'cnn/bn/gamma',
        'cnn/bn/beta',
        'cnn/bn/moving_mean',
        'cnn/bn/moving_variance',
      ]);
      expect(r.attr('model_weights/dropout', 'weight_names')).toEqual([]);
    });
  });

  it('recognises the HDF5 signature', () => {
    expect(isHdf5(file(`${KERAS}/mlp/mlp.h5`))).toBe(true);
    expect(isHdf5(file(`${KERAS}/mlp/mlp.keras`))).toBe(false);
    const withUserBlock = new Uint8Array(1024);
    withUserBlock.set(file(`${KERAS}/mlp/mlp.h5`).subarray(0, 8), 512);
    expect(isHdf5(withUserBlock)).toBe(true);
  });
});

describe('loading', () => {
  it('imports h5wasm only on first use (no static import anywhere in the io layer)', () => {
    for (const f of ['h5.ts', 'h5_engine.ts', 'keras_weights.ts', 'zip.ts']) {
      const src = readFileSync(new URL(f, import.meta.url), 'utf8');
      expect(src, f).not.toMatch(/^import\s+(?!type\b)[^;]*from\s+'h5wasm'/m);
    }
  });
});

describe('dtypes', () => {
  it('converts float16, float64, bfloat16, booleans and integers; refuses the rest', async () => {
    const r = await openH5(file(DTYPES));
    const f16 = r.readDataset('f16');
    expect(f16).toMatchObject({ shape: [2, 2], dtype: 'float32', storedDtype: 'float16' });
    expect(Array.from(f16.data)).toEqual([1, -2, 0.5, 65504]);
    const f64 = r.readDataset('f64');
    expect(f64.dtype).toBe('float32');
    expect(f64.data[0]).toBe(Math.fround(1 / 3));
    const f64keep = r.readDataset('f64', { keepFloat64: true });
    expect(f64keep.dtype).toBe('float64');
    expect(f64keep.data[0]).toBe(1 / 3);
    expect(Array.from(r.readDataset('f32be').data)).toEqual([1.5, -2.25]);
    expect(r.readDataset('bf16')).toMatchObject({ dtype: 'float32', storedDtype: 'bfloat16' });
    expect(Array.from(r.readDataset('bf16').data)).toEqual([1, -2, 0.15625]);
    expect(r.readDataset('i64')).toMatchObject({ dtype: 'int32', storedDtype: 'int64' });
    expect(Array.from(r.readDataset('i64').data)).toEqual([-3, 2 ** 31 - 1]);
    expect(() => r.readDataset('i64big')).toThrow(/does not fit in int32/);
    expect(Array.from(r.readDataset('u16').data)).toEqual([0, 65535]);
    expect(r.readDataset('bools')).toMatchObject({ dtype: 'bool', storedDtype: 'bool' });
    expect(Array.from(r.readDataset('bools').data)).toEqual([1, 0, 1]);
    expect(r.readDataset('scalar')).toMatchObject({ shape: [] });
    expect(Array.from(r.readDataset('scalar').data)).toEqual([7]);
    expect(r.readDataset('empty')).toMatchObject({ shape: [0, 3] });
    expect(() => r.readDataset('strings')).toThrow(/unsupported dtype \(variable-length string/);
    expect(() => r.readDataset('compound')).toThrow(/unsupported dtype \(compound of 12 bytes\)/);
    const attrs = r.attrs('attrs');
    expect(attrs).toEqual({
      vlen_str: 'héllo',
      fixed_bytes: ['conv1', 'pool1'],
      str_list: ['x', 'yz'],
      int: -5,
      big: 2n ** 60n,
      float: 0.25,
      f16: 1.5,
      bool: 1,
      empty: [],
    });
    expect(r.attrNames('attrs')).toContain('compound');
    expect(() => r.attr('attrs', 'compound')).toThrow(/unsupported type \(compound/);
    r.close();
  });
});

describe('createH5', () => {
  it('writes groups, datasets and attributes that read back exactly', async () => {
    const w = createH5();
    const t = tensor([
      [1.5, -2],
      [3, 4.25],
    ]);
    w.group('layers/dense/vars')
      .attr('layers/dense/vars', 'name', 'dense')
      .dataset('layers/dense/vars/0', t)
      .dataset('layers/dense/vars/1', { shape: [3], data: new Float32Array([0.1, 0.2, 0.3]) })
      .dataset('x/f64', { shape: [2], data: new Float64Array([1 / 3, 2]) })
      .dataset('x/i32', { shape: [2, 1], data: new Int32Array([-7, 9]) })
      .dataset('x/u8', { shape: [2], data: new Uint8Array([0, 255]) })
      .dataset('x/i64', { shape: [], data: new BigInt64Array([42n]) })
      .dataset('x/empty', { shape: [0], data: new Float32Array(0) })
      .attr('/', 'text', 'héllo')
      .attr('/', 'list', ['a', 'b'])
      .attr('/', 'ints', [1, 2, 3])
      .attr('/', 'floats', [0.5, 1e300])
      .attr('/', 'big', 2n ** 50n)
      .attr('/', 'empty', [])
      .attr('x/i32', 'on_dataset', 1);
    const bytes = await w.bytes();
    const r = await openH5(bytes);
    expect(r.keys()).toEqual(['layers', 'x']);
    expect(r.attrs('/')).toEqual({
      text: 'héllo',
      list: ['a', 'b'],
      ints: [1, 2, 3],
      floats: [0.5, 1e300],
      big: 2 ** 50,
      empty: [],
    });
    expect(r.attrs('layers/dense/vars')).toEqual({ name: 'dense' });
    expect(r.attr('x/i32', 'on_dataset')).toBe(1);
    expect(r.readDataset('layers/dense/vars/0')).toMatchObject({ shape: [2, 2], dtype: 'float32' });
    expect(Array.from(r.readDataset('layers/dense/vars/0').data)).toEqual([1.5, -2, 3, 4.25]);
    expect(r.readDataset('layers/dense/vars/1').data).toEqual(new Float32Array([0.1, 0.2, 0.3]));
    expect(r.readDataset('x/f64', { keepFloat64: true }).data).toEqual(
      new Float64Array([1 / 3, 2]),
    );
    expect(r.readDataset('x/i32')).toMatchObject({ shape: [2, 1], dtype: 'int32' });
    expect(Array.from(r.readDataset('x/u8').data)).toEqual([0, 255]);
    expect(r.readDataset('x/i64')).toMatchObject({ shape: [], storedDtype: 'int64' });
    expect(r.readDataset('x/empty').shape).toEqual([0]);
    r.close();
  });

  it('refuses invalid structure', () => {
    const w = createH5();
    w.dataset('a/b', { shape: [1], data: new Float32Array(1) });
    expect(() => w.group('a/b/c')).toThrow(/is a dataset/);
    expect(() => w.dataset('a/b', { shape: [1], data: new Float32Array(1) })).toThrow(
      /already exists/,
    );
    expect(() => w.dataset('c', { shape: [2], data: new Float32Array(3) })).toThrow(
      /does not match 3 values/,
    );
    expect(() => w.attr('missing', 'x', 1)).toThrow(/create the group first/);
    expect(() => w.attr('a', 'x', Number.NaN)).toThrow(/unsupported value/);
    expect(() => w.group('../x')).toThrow(/'\.\.' segment/);
  });
});

describe('damaged and hostile files', () => {
  it('refuses what is not HDF5, and truncated files, with a FormatError (in this thread too)', async () => {
    await expect(openH5(new Uint8Array(0))).rejects.toThrow(/not an HDF5 file/);
    await expect(openH5(new Uint8Array(100))).rejects.toThrow(/not an HDF5 file/);
    const good = file(`${KERAS}/mlp/mlp.weights.h5`);
    for (const isolate of [true, false]) {
      for (const n of [8, 100, 512, 2048, good.length >> 1, good.length - 1]) {
        const err = await openH5(good.slice(0, n), { isolate }).catch((e) => e);
        expect(err, `${n} bytes, isolate ${isolate}`).toBeInstanceOf(FormatError);
      }
    }
    const err = await openH5(good.slice(0, 600), { isolate: false }).catch((e) => e);
    expect(err.message).toMatch(/openH5: opening the file: truncated file/);
  });

  it('never prints HDF5 diagnostics', async () => {
    const spyErr = vi.spyOn(console, 'error');
    const spyWrite = vi.spyOn(process.stderr, 'write');
    const good = file(`${KERAS}/mlp/mlp.weights.h5`);
    await openH5(good.slice(0, 700), { isolate: false }).catch(() => null);
    await openH5(good.slice(0, 700)).catch(() => null);
    const bad = good.slice();
    bad[2058] = 0x77;
    await readAll(bad, { isolate: false }).catch(() => null);
    await new Promise((r) => setTimeout(r, 50)); // the worker's stderr arrives asynchronously
    const printed = [...spyErr.mock.calls, ...spyWrite.mock.calls].map((c) => String(c[0]));
    expect(printed.filter((s) => s.includes('HDF5'))).toEqual([]);
  });

  it('gives only FormatErrors on randomly corrupted files, never a crash (fuzz)', async () => {
    const sources = ['mlp/mlp.h5', 'lstm/lstm.weights.h5', 'cnn/cnn.h5'].map((p) =>
      file(`${KERAS}/${p}`),
    );
    const rand = rng(42);
    let failures = 0;
    for (let i = 0; i < 45; i++) {
      const b = sources[i % sources.length]!.slice();
      const edits = 1 + Math.floor(rand() * 6);
      for (let k = 0; k < edits; k++)
        b[Math.floor(rand() * Math.min(b.length, 8192))] = rand() * 256;
      try {
        await readAll(b, { timeoutMs: 10_000 });
      } catch (e) {
        expect(e).toBeInstanceOf(FormatError);
        failures++;
      }
    }
    expect(failures).toBeGreaterThan(0);
    // The worker still serves good files afterwards.
    expect(await readAll(sources[1]!)).toBe(9);
  });

  it('stops a file that makes HDF5 loop forever (damaged global heap) by its time limit', async () => {
    // Three bytes changed in a real Keras file: HDF5 then spins forever reading the `name`
    // attribute's string from the global heap. Found by fuzzing.
    const b = file(`${KERAS}/lstm/lstm.weights.h5`);
    b[575] = 0o40;
    b[2057] = 0o21;
    b[4370] = 0o10;
    const t0 = Date.now();
    const err = await readAll(b, { timeoutMs: 1500 }).catch((e) => e);
    expect(err).toBeInstanceOf(FormatError);
    expect(err.message).toMatch(/did not finish reading the file within 1500 ms/);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(await readAll(file(`${KERAS}/mlp/mlp.weights.h5`))).toBe(4);
  });

  it('enforces size and object limits', async () => {
    const bytes = file(`${KERAS}/mlp/mlp.weights.h5`);
    await expect(openH5(bytes, { maxFileBytes: 1000 })).rejects.toThrow(/maxFileBytes/);
    await expect(openH5(bytes, { maxObjects: 5 })).rejects.toThrow(/more than 5 objects/);
    const r = await openH5(bytes, { maxDatasetBytes: 10_000 });
    expect(() => r.readDataset('layers/dense/vars/0')).toThrow(
      /200704 bytes, more than the limit of 10000/,
    );
    expect(r.readDataset('layers/dense/vars/1').data.length).toBe(64);
    r.close();
    const r2 = await openH5(bytes, { maxTotalBytes: 201_000 });
    expect(r2.readDataset('layers/dense/vars/0').data.length).toBe(784 * 64);
    expect(() => r2.readDataset('layers/dense_1/vars/0')).toThrow(/in all/);
    r2.close();
  });
});
