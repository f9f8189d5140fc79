/**
 * timeseriesDatasetFromArray against the windows Keras's docstring spells out (indices 0…98,
 * sequenceLength 10, samplingRate 2, sequenceStride 3) and hand-derived targets and bounds.
 */
import { describe, expect, it } from 'vitest';
import { numpyPermutation } from '../datasets/keras_files.js';
import { arange, tensor } from '../ops/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { timeseriesDatasetFromArray } from './timeseries.js';

async function windows(ds: ReturnType<typeof timeseriesDatasetFromArray>): Promise<number[][]> {
  const out: number[][] = [];
  for await (const b of ds) {
    const x = (Array.isArray(b) ? b[0] : b) as Tensor;
    out.push(...(x.arraySync() as number[][]));
  }
  return out;
}

describe('timeseriesDatasetFromArray', () => {
  it('gives the windows of Keras’s docstring example', async () => {
    const ds = timeseriesDatasetFromArray(arange(0, 99), null, 10, {
      samplingRate: 2,
      sequenceStride: 3,
      batchSize: 5,
    });
    const w = await windows(ds);
    expect(w[0]).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    expect(w[1]).toEqual([3, 5, 7, 9, 11, 13, 15, 17, 19, 21]);
    expect(w[2]).toEqual([6, 8, 10, 12, 14, 16, 18, 20, 22, 24]);
    expect(w.at(-1)).toEqual([78, 80, 82, 84, 86, 88, 90, 92, 94, 96]);
    // 99 − 9·2 = 81 start positions, every 3rd: 27 windows, in batches of 5.
    expect(w).toHaveLength(27);
    expect(ds.cardinality()).toBe(6);
  });

  it('pairs each window with the target at its start (counted from startIndex)', async () => {
    const data = tensor(Array.from({ length: 12 }, (_, i) => [i, -i]));
    const targets = arange(100, 112);
    const ds = timeseriesDatasetFromArray(data, targets, 3, {
      startIndex: 2,
      endIndex: 10,
      batchSize: 2,
    });
    const batches = await ds.toArray();
    const xs = batches.flatMap((b) => (b as Tensor[])[0]!.arraySync() as number[][][]);
    const ys = batches.flatMap((b) => Array.from((b as Tensor[])[1]!.dataSync()));
    // Windows start at timesteps 2 … 7 (8 − 3 + 1 = 6 windows inside [2, 10)).
    expect(xs.map((w) => w.map((r) => r[0]))).toEqual([
      [2, 3, 4],
      [3, 4, 5],
      [4, 5, 6],
      [5, 6, 7],
      [6, 7, 8],
      [7, 8, 9],
    ]);
    expect(ys).toEqual([102, 103, 104, 105, 106, 107]);
    expect((batches[0] as Tensor[])[0]!.shape).toEqual([2, 3, 2]);
  });

  it('forecasting as in Keras’s example: targets shifted by the window length', async () => {
    // Predict x[t + 10] from x[t … t + 9]: targets = data[10:].
    const data = arange(0, 30);
    const targets = arange(10, 30);
    const w = await timeseriesDatasetFromArray(data, targets, 10, { batchSize: null }).toArray();
    expect(w).toHaveLength(20);
    const [x0, y0] = w[0] as Tensor[];
    expect(Array.from(x0!.dataSync())).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(y0!.dataSync()[0]).toBe(10);
    expect(y0!.shape).toEqual([]);
  });

  it('shuffles the windows with NumPy’s RandomState(seed), as Keras', async () => {
    const ds = timeseriesDatasetFromArray(arange(0, 20), null, 3, {
      batchSize: 4,
      shuffle: true,
      seed: 7,
    });
    const firsts = (await windows(ds)).map((w) => w[0]!);
    expect(Array.from(firsts)).toEqual(Array.from(numpyPermutation(18, 7)));
  });

  it('refuses bounds and rates Keras refuses', () => {
    const d = arange(0, 10);
    expect(() => timeseriesDatasetFromArray(d, null, 3, { samplingRate: 0 })).toThrow(
      /samplingRate must be higher than 0/,
    );
    expect(() => timeseriesDatasetFromArray(d, null, 3, { sequenceStride: 10 })).toThrow(
      /sequenceStride must be lower than the length of the data \(10\)/,
    );
    expect(() => timeseriesDatasetFromArray(d, null, 3, { startIndex: 5, endIndex: 4 })).toThrow(
      /endIndex must be in \(5, 10\)/,
    );
    expect(() => timeseriesDatasetFromArray(d, null, 20)).toThrow(/no window of 20 steps/);
  });
});
