/**
 * csvDataset on files written here: columns by name and type, a label column, missing values
 * with defaults, packed features, batched rows equal to unbatched ones stacked, training on it
 * equals training on the same numbers as tensors, and the errors name the row and column.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Dense } from '../layers/dense.js';
import { Sequential } from '../models/sequential.js';
import { tensor } from '../ops/creation.js';
import { setSeed } from '../ops/random.js';
import type { StringTensor } from '../tensor/string_tensor.js';
import type { Tensor } from '../tensor/tensor.js';
import { csvDataset } from './csv.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

const plain = (e: unknown): unknown => {
  if (e && typeof e === 'object' && 'dataSync' in (e as object)) {
    const t = e as Tensor;
    return t.rank === 0 ? t.dataSync()[0] : t.arraySync();
  }
  if (Array.isArray(e)) return e.map(plain);
  return Object.fromEntries(Object.entries(e as object).map(([k, v]) => [k, plain(v)]));
};

describe('csvDataset', () => {
  const text = 'id,size,"the, price",kind\r\n1,2.5,10,3\r\n2,,20,1\r\n3,4,"30",2\r\n';

  it('reads named columns with their types, a label and defaults for missing values', async () => {
    const path = file('a.csv', text);
    const ds = csvDataset(path, {
      labelName: 'the, price',
      columnTypes: { id: 'int32', kind: 'int32' },
      columnDefaults: { size: -1 },
    });
    const rows = (await ds.toArray()).map(plain);
    expect(rows).toEqual([
      [{ id: 1, size: 2.5, kind: 3 }, 10],
      [{ id: 2, size: -1, kind: 1 }, 20],
      [{ id: 3, size: 4, kind: 2 }, 30],
    ]);
    const first = (await ds.toArray())[0] as [Record<string, Tensor>, Tensor];
    expect(first[0].id!.dtype).toBe('int32');
    expect(first[1].dtype).toBe('float32');
  });

  it('batches rows straight into tensors, equal to the rows stacked; packs features on request', async () => {
    const path = file('b.csv', text);
    const opts = {
      labelName: 'kind',
      selectColumns: ['size', 'id'],
      columnDefaults: { size: 0 },
      packFeatures: true,
    };
    const one = (await csvDataset(path, opts).toArray()).map(plain) as [number[], number][];
    expect(one.map((r) => r[0])).toEqual([
      [2.5, 1],
      [0, 2],
      [4, 3],
    ]);
    const batched = (await csvDataset(path, { ...opts, batchSize: 2 }).toArray()).map(plain) as [
      number[][],
      number[],
    ][];
    expect(batched.flatMap((b) => b[0])).toEqual(one.map((r) => r[0]));
    expect(batched.flatMap((b) => b[1])).toEqual(one.map((r) => r[1]));
    expect(
      await csvDataset(path, { ...opts, batchSize: 2, dropRemainder: true }).toArray(),
    ).toHaveLength(1);
    // Without a header, columnNames name the columns.
    const headless = csvDataset({ text: '1,2\n3,4\n' }, { header: false, columnNames: ['a', 'b'] });
    expect((await headless.toArray()).map(plain)).toEqual([
      { a: 1, b: 2 },
      { a: 3, b: 4 },
    ]);
  });

  it('trains a model exactly as the same numbers given as tensors', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => [i / 10, (i % 7) / 3, Math.sin(i)]);
    const path = file('train.csv', `x1,x2,y\n${rows.map((r) => r.join(',')).join('\n')}\n`);
    const model = () => {
      setSeed(3);
      const m = new Sequential({ layers: [new Dense({ units: 1, inputShape: [2] })] });
      m.compile({ optimizer: 'sgd', loss: 'mse' });
      return m;
    };
    const a = model();
    await a.fit(csvDataset(path, { labelName: 'y', packFeatures: true, batchSize: 8 }), {
      epochs: 2,
      verbose: 0,
    });
    const b = model();
    const x = tensor(Float32Array.from(rows.flatMap((r) => [r[0]!, r[1]!])), [40, 2]);
    const y = tensor(Float32Array.from(rows.map((r) => r[2]!)), [40]);
    await b.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0 });
    expect(a.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(
      b.getWeights().map((w) => Array.from(w.dataSync())),
    );
  });

  it('reads string columns as string tensors (quoted fields with commas and line breaks intact)', async () => {
    const ds = csvDataset(
      { text: 'text,label\n"great, fun film",1\n"line one\nline two",0\nplain,1\n' },
      { columnTypes: { text: 'string', label: 'int32' }, labelName: 'label', batchSize: 2 },
    );
    const [[f0, y0], [f1]] = (await ds.toArray()) as [Record<string, StringTensor>, Tensor][];
    expect(f0!.text!.stringsSync()).toEqual(['great, fun film', 'line one\nline two']);
    expect(Array.from(y0!.dataSync())).toEqual([1, 0]);
    expect(f1!.text!.stringsSync()).toEqual(['plain']);
    expect(() =>
      csvDataset({ text: 'a\n' }, { columnTypes: { a: 'string' }, packFeatures: true }),
    ).not.toThrow();
    await expect(
      csvDataset(
        { text: 'a,b\nx,1\n' },
        { columnTypes: { a: 'string' }, labelName: 'b', packFeatures: true },
      ).toArray(),
    ).rejects.toThrow(/packFeatures needs numeric feature columns; 'a' is a string column/);
  });

  it('names the row and column of a bad value, a missing one, a short row and an unknown column', async () => {
    await expect(csvDataset({ text: 'a,b\n1,x\n' }).toArray()).rejects.toThrow(
      /row 1, column 'b': 'x' is not a number/,
    );
    await expect(csvDataset({ text: 'a,b\n1,2\n3,\n' }).toArray()).rejects.toThrow(
      /row 2 has no value in column 'b' \(give columnDefaults\['b'\]\)/,
    );
    await expect(csvDataset({ text: 'a,b\n1,2\n3\n' }).toArray()).rejects.toThrow(
      /row 2 has 1 fields; the header has 2/,
    );
    await expect(csvDataset({ text: 'a,b\n1,2\n' }, { labelName: 'c' }).toArray()).rejects.toThrow(
      /has no column 'c' \(columns: a, b\)/,
    );
    await expect(
      csvDataset({ text: 'a\n1.5\n' }, { columnTypes: { a: 'int32' } }).toArray(),
    ).rejects.toThrow(/'1.5' is not an integer/);
    expect(() => csvDataset({ text: '' }, { header: false })).toThrow(/give columnNames/);
  });
});
