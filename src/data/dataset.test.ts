/**
 * Dataset: every operation against hand-derived sequences (ranges, small tensors), the
 * cardinalities tf.data documents for them, and the failure cases with their messages.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DTypeError, ShapeError, ValueError } from '../errors.js';
import { FormatError } from '../io/errors.js';
import { tensor } from '../ops/creation.js';
import { setSeed } from '../ops/random.js';
import { Tensor } from '../tensor/tensor.js';
import { Dataset, DatasetError, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY } from './dataset.js';
import type { Element } from './structure.js';

/** An element as plain numbers: a tensor → nested array, tuples and records kept. */
function plain(e: Element): unknown {
  if (e instanceof Tensor) return e.rank === 0 ? e.dataSync()[0] : e.arraySync();
  if (Array.isArray(e)) return e.map(plain);
  return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, plain(v as Element)]));
}

async function values(ds: Dataset): Promise<unknown[]> {
  return (await ds.toArray()).map(plain);
}

const dirs: string[] = [];
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'tessera-ds-'));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('sources', () => {
  it('range, fromTensors and fromTensorSlices give the documented elements and counts', async () => {
    expect(await values(Dataset.range(5))).toEqual([0, 1, 2, 3, 4]);
    expect(await values(Dataset.range(2, 10, 3))).toEqual([2, 5, 8]);
    expect(await values(Dataset.range(5, 0, -2))).toEqual([5, 3, 1]);
    expect(Dataset.range(2, 10, 3).cardinality()).toBe(3);
    expect((await Dataset.range(1).toArray())[0]!.dtype).toBe('int32');
    const one = Dataset.fromTensors([tensor([1, 2]), 3]);
    expect(one.cardinality()).toBe(1);
    expect(await values(one)).toEqual([[[1, 2], 3]]);
    const x = tensor([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const sl = Dataset.fromTensorSlices({ a: x, b: tensor([7, 8, 9]) });
    expect(sl.cardinality()).toBe(3);
    expect(await values(sl)).toEqual([
      { a: [1, 2], b: 7 },
      { a: [3, 4], b: 8 },
      { a: [5, 6], b: 9 },
    ]);
    // Plain nested number arrays are one tensor's values, as numpy arrays in Keras.
    expect(
      await values(
        Dataset.fromTensorSlices([
          [1, 2],
          [3, 4],
        ]),
      ),
    ).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('fromTensorSlices refuses leaves with different row counts, naming both', () => {
    expect(() => Dataset.fromTensorSlices([tensor([1, 2, 3]), tensor([1, 2])])).toThrow(
      /Dataset.fromTensorSlices: \[1\] has 2 rows but \[0\] has 3/,
    );
    expect(() => Dataset.fromTensorSlices(tensor(3))).toThrow(ShapeError);
  });

  it('fromGenerator calls the function again at each iteration; sync and async both work', async () => {
    let calls = 0;
    const sync = Dataset.fromGenerator(function* () {
      calls++;
      for (let i = 0; i < 3; i++) yield [i, i * 10];
    });
    expect(sync.cardinality()).toBe(UNKNOWN_CARDINALITY);
    expect(await values(sync)).toEqual([
      [0, 0],
      [1, 10],
      [2, 20],
    ]);
    expect(await values(sync)).toHaveLength(3);
    expect(calls).toBe(2);
    const asyncDs = Dataset.fromGenerator(async function* () {
      for (let i = 0; i < 2; i++) {
        await new Promise((r) => setTimeout(r, 1));
        yield { x: new Float32Array([i, i + 0.5]) };
      }
    });
    expect(await values(asyncDs)).toEqual([{ x: [0, 0.5] }, { x: [1, 1.5] }]);
    expect(() => Dataset.fromGenerator(3 as never)).toThrow(/expected a generator function/);
  });

  it('a generator value that is not an element is refused with its index', async () => {
    const ds = Dataset.fromGenerator(function* () {
      yield 1;
      yield null as never;
    });
    await expect(ds.toArray()).rejects.toThrow(/Dataset.fromGenerator: element 1 is null/);
  });

  it('from() iterates arrays and iterables; zip pairs datasets and stops at the shortest', async () => {
    expect(await values(Dataset.from([1, 2, 3]))).toEqual([1, 2, 3]);
    expect(Dataset.from([1, 2, 3]).cardinality()).toBe(3);
    const z = Dataset.zip([Dataset.range(3), Dataset.range(10, 20)]);
    expect(z.cardinality()).toBe(3);
    expect(await values(z)).toEqual([
      [0, 10],
      [1, 11],
      [2, 12],
    ]);
    expect(
      await values(Dataset.zip({ a: Dataset.range(2), b: Dataset.range(5).repeat() })),
    ).toEqual([
      { a: 0, b: 0 },
      { a: 1, b: 1 },
    ]);
    expect(Dataset.zip({ a: Dataset.range(2), b: Dataset.range(5).repeat() }).cardinality()).toBe(
      2,
    );
  });
});

describe('transformations', () => {
  it('batch stacks rows, keeps the remainder unless dropRemainder, and counts batches', async () => {
    const ds = Dataset.range(7);
    expect(await values(ds.batch(3))).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(ds.batch(3).cardinality()).toBe(3);
    expect(await values(ds.batch(3, { dropRemainder: true }))).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    expect(ds.batch(3, { dropRemainder: true }).cardinality()).toBe(2);
    expect(() => ds.batch(0)).toThrow(/batchSize must be a positive integer, got 0/);
  });

  it('batching rows of tensors in memory equals stacking them one by one', async () => {
    const x = tensor(Array.from({ length: 10 }, (_, i) => [i, -i, i * i]));
    const y = tensor(
      Array.from({ length: 10 }, (_, i) => i % 3),
      [10],
      'int32',
    );
    const fast = Dataset.fromTensorSlices([x, y]).batch(4);
    const slow = Dataset.fromTensorSlices([x, y])
      .map((e) => e as Element as never)
      .batch(4);
    const a = await fast.toArray();
    expect(a.map(plain)).toEqual((await slow.toArray()).map(plain));
    expect((a[0] as Tensor[])[1]!.dtype).toBe('int32');
    expect((a[2] as Tensor[])[0]!.shape).toEqual([2, 3]);
  });

  it('batch refuses elements whose shape, dtype or structure changes, naming the element', async () => {
    const shapes = Dataset.from([tensor([1, 2]), tensor([1, 2, 3])]).batch(2);
    await expect(shapes.toArray()).rejects.toThrow(ShapeError);
    await expect(shapes.toArray()).rejects.toThrow(
      /Dataset.batch: element 1 has element of shape \[3\] but element 0 had \[2\]/,
    );
    const dtypes = Dataset.from([tensor([1], [1], 'int32'), tensor([1.5])]).batch(2);
    await expect(dtypes.toArray()).rejects.toThrow(DTypeError);
    const structure = Dataset.from([[tensor(1), tensor(2)], [tensor(1)]]).batch(2);
    await expect(structure.toArray()).rejects.toThrow(/element 1 has structure \[float32\[\]\]/);
  });

  it('unbatch undoes batch', async () => {
    const ds = Dataset.range(5).batch(2).unbatch();
    expect(await values(ds)).toEqual([0, 1, 2, 3, 4]);
    expect(ds.cardinality()).toBe(UNKNOWN_CARDINALITY);
    const rec = Dataset.fromTensors({ a: tensor([[1], [2]]), b: tensor([3, 4]) }).unbatch();
    expect(await values(rec)).toEqual([
      { a: [1], b: 3 },
      { a: [2], b: 4 },
    ]);
  });

  it('map applies in order, awaits async functions and runs numParallelCalls of them at once', async () => {
    expect(await values(Dataset.range(4).map((x) => x.mul(2)))).toEqual([0, 2, 4, 6]);
    let inFlight = 0;
    let most = 0;
    const slow = Dataset.range(8).map(
      async (x) => {
        inFlight++;
        most = Math.max(most, inFlight);
        // Later elements finish first: order must still hold.
        await new Promise((r) => setTimeout(r, 20 - (x.dataSync()[0] as number) * 2));
        inFlight--;
        return x;
      },
      { numParallelCalls: 4 },
    );
    expect(await values(slow)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(4);
    expect(() => Dataset.range(2).map((x) => x, { numParallelCalls: 0 })).toThrow(
      /numParallelCalls must be a positive integer/,
    );
  });

  it('a failing map function surfaces as a DatasetError naming the element, with the cause', async () => {
    const boom = new Error('bad pixel');
    const ds = Dataset.range(5).map((x) => {
      if (x.dataSync()[0] === 3) throw boom;
      return x;
    });
    const err = await ds.toArray().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as Error).message).toMatch(
      /Dataset.map: the function failed on element 3: bad pixel/,
    );
    expect((err as Error).cause).toBe(boom);
  });

  it('filter keeps what a boolean or a scalar tensor says to keep', async () => {
    expect(
      await values(Dataset.range(10).filter((x) => (x.dataSync()[0] as number) % 3 === 0)),
    ).toEqual([0, 3, 6, 9]);
    expect(await values(Dataset.range(6).filter((x) => x.greater(3)))).toEqual([4, 5]);
    expect(
      Dataset.range(6)
        .filter(() => true)
        .cardinality(),
    ).toBe(UNKNOWN_CARDINALITY);
    await expect(
      Dataset.range(2)
        .filter(() => tensor([true, false]))
        .toArray(),
    ).rejects.toThrow(/predicate returned a tensor of shape \[2\] for element 0/);
  });

  it('repeat, take, skip and concatenate give the sequences and counts tf.data documents', async () => {
    expect(await values(Dataset.range(3).repeat(2))).toEqual([0, 1, 2, 0, 1, 2]);
    expect(Dataset.range(3).repeat(2).cardinality()).toBe(6);
    expect(Dataset.range(3).repeat().cardinality()).toBe(INFINITE_CARDINALITY);
    expect(await values(Dataset.range(3).repeat().take(7))).toEqual([0, 1, 2, 0, 1, 2, 0]);
    expect(Dataset.range(3).repeat().take(7).cardinality()).toBe(7);
    expect(await values(Dataset.range(5).take(-1))).toEqual([0, 1, 2, 3, 4]);
    expect(await values(Dataset.range(5).take(0))).toEqual([]);
    expect(await values(Dataset.range(5).skip(3))).toEqual([3, 4]);
    expect(Dataset.range(5).skip(9).cardinality()).toBe(0);
    expect(await values(Dataset.range(2).concatenate(Dataset.range(5, 7)))).toEqual([0, 1, 5, 6]);
    expect(Dataset.range(2).concatenate(Dataset.range(5, 7)).cardinality()).toBe(4);
    // An empty dataset repeated forever ends instead of spinning.
    expect(await values(Dataset.range(0).repeat().take(3))).toEqual([]);
    expect(() => Dataset.range(3).take(1.5)).toThrow(/count must be a non-negative integer or -1/);
    await expect(Dataset.range(1).repeat().toArray()).rejects.toThrow(/infinite/);
  });
});

describe('shuffle', () => {
  const order = async (ds: Dataset) => (await values(ds)) as number[];

  it('gives a permutation, reproducible with a seed, different at each iteration', async () => {
    const ds = Dataset.range(50).shuffle(50, { seed: 7 });
    const a = await order(ds);
    const b = await order(ds);
    expect([...a].sort((p, q) => p - q)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(a).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(b).not.toEqual(a);
    // The same seed in a new pipeline repeats both epochs.
    const again = Dataset.range(50).shuffle(50, { seed: 7 });
    expect(await order(again)).toEqual(a);
    expect(await order(again)).toEqual(b);
    const fixed = Dataset.range(50).shuffle(50, { seed: 7, reshuffleEachIteration: false });
    expect(await order(fixed)).toEqual(await order(fixed));
  });

  it('without a seed follows setSeed', async () => {
    setSeed(11);
    const a = await order(Dataset.range(20).shuffle(20));
    setSeed(11);
    expect(await order(Dataset.range(20).shuffle(20))).toEqual(a);
  });

  it('a buffer of B moves no element more than B − 1 places early; B = 1 keeps the order', async () => {
    expect(await order(Dataset.range(10).shuffle(1, { seed: 1 }))).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
    const out = await order(Dataset.range(200).shuffle(5, { seed: 3 }));
    out.forEach((v, k) => expect(v).toBeLessThanOrEqual(k + 4));
    expect([...out].sort((p, q) => p - q)).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });
});

describe('cache and prefetch', () => {
  it('cache() reads the source once, after one complete iteration', async () => {
    let calls = 0;
    const ds = Dataset.fromGenerator(function* () {
      calls++;
      yield* [1, 2, 3];
    }).cache();
    // An iteration stopped early caches nothing.
    expect(await values(ds.take(1))).toEqual([1]);
    expect(await values(ds)).toEqual([1, 2, 3]);
    expect(await values(ds)).toEqual([1, 2, 3]);
    expect(calls).toBe(2);
  });

  it('cache(file) writes the first complete iteration and later pipelines read the file', async () => {
    const file = join(await tmp(), 'c.bin');
    let calls = 0;
    const make = () =>
      Dataset.fromGenerator(function* () {
        calls++;
        for (let i = 0; i < 3; i++)
          yield { x: tensor([i, i + 0.25]), y: tensor([i], [], 'int32'), m: tensor([i > 0]) };
      }).cache(file);
    const first = await values(make());
    expect(calls).toBe(1);
    const second = await make().toArray();
    expect(calls).toBe(1);
    expect(second.map(plain)).toEqual(first);
    expect((second[0] as Record<string, Tensor>).y!.dtype).toBe('int32');
    expect((second[0] as Record<string, Tensor>).m!.dtype).toBe('bool');
  });

  it('a damaged or foreign cache file is refused before anything it declares is allocated', async () => {
    const dir = await tmp();
    const foreign = join(dir, 'foreign.bin');
    await writeFile(foreign, 'hello world, not a cache');
    await expect(Dataset.range(1).cache(foreign).toArray()).rejects.toThrow(FormatError);
    await expect(Dataset.range(1).cache(foreign).toArray()).rejects.toThrow(
      /not a Tessera dataset cache/,
    );
    // A header that claims a 2^31-element tensor in a 60-byte file.
    const head = Buffer.from(JSON.stringify({ t: ['float32', [2 ** 31]] }));
    const len = Buffer.alloc(4);
    len.writeUInt32LE(head.length);
    const hostile = join(dir, 'hostile.bin');
    await writeFile(hostile, Buffer.concat([Buffer.from('TSRDSC01'), len, head]));
    await expect(Dataset.range(1).cache(hostile).toArray()).rejects.toThrow(
      /needs 8589934592 bytes .* but the file has 0 left/,
    );
    const huge = Buffer.alloc(4);
    huge.writeUInt32LE(0xffffffff);
    const bigHeader = join(dir, 'big.bin');
    await writeFile(bigHeader, Buffer.concat([Buffer.from('TSRDSC01'), huge]));
    await expect(Dataset.range(1).cache(bigHeader).toArray()).rejects.toThrow(/header declares/);
  });

  it('prefetch pulls ahead of the consumer and keeps the order', async () => {
    let produced = 0;
    const ds = Dataset.fromGenerator(function* () {
      for (let i = 0; i < 6; i++) {
        produced++;
        yield i;
      }
    }).prefetch(2);
    const it = ds[Symbol.asyncIterator]();
    const r0 = await it.next();
    expect(plain(r0.value as Element)).toBe(0);
    await new Promise((r) => setTimeout(r, 5));
    expect(produced).toBeGreaterThanOrEqual(3);
    await it.return?.();
    expect(await values(ds)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(() => ds.prefetch(0)).toThrow(ValueError);
  });
});
