/**
 * histogramCallbacks: after each epoch, each chosen layer's kernel and activation histograms
 * are drawn and recorded; the counts equal a histogram computed by hand from the same values.
 */
import { describe, expect, it } from 'vitest';
import { Dense } from '../layers/dense.js';
import { Sequential } from '../models/sequential.js';
import { randomNormal, setSeed } from '../ops/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { histogramCallbacks } from './histogram_callback.js';

/** Equal-width bins between min and max; the max lands in the last bin. */
function handHistogram(values: ArrayLike<number>, bins: number): number[] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    lo = Math.min(lo, values[i]!);
    hi = Math.max(hi, values[i]!);
  }
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const b =
      hi === lo ? 0 : Math.min(bins - 1, Math.floor(((values[i]! - lo) / (hi - lo)) * bins));
    counts[b]!++;
  }
  return counts;
}

function setup() {
  setSeed(4);
  const m = new Sequential({
    layers: [
      new Dense({ units: 6, activation: 'relu', inputShape: [5], name: 'hidden' }),
      new Dense({ units: 2, name: 'out' }),
    ],
  });
  m.compile({ optimizer: 'sgd', loss: 'mse' });
  const x = randomNormal([32, 5]);
  return { m, x, y: x.slice([0, 0], [32, 2]) };
}

describe('histogramCallbacks', () => {
  it('draws and records kernel and activation histograms per epoch', async () => {
    const { m, x, y } = setup();
    const drawn: string[] = [];
    const sample = x.slice([0, 0], [8, 5]);
    const cb = histogramCallbacks((html) => drawn.push(html), { sample, bins: 7 });
    await m.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0, callbacks: [cb] });
    expect(cb.records.map((r) => r.epoch)).toEqual([0, 1, 2]);
    expect(drawn.length).toBe(3);
    // Two layers, two pictures each.
    expect(drawn[2]!.match(/<svg/g)!.length).toBe(4);
    expect(drawn[2]).toContain('hidden kernel, epoch 3');
    const last = cb.records[2]!;
    expect(last.layers.map((l) => l.name)).toEqual(['hidden', 'out']);
    const kernel = (m.layers[0]!.getWeights()[0] as Tensor).dataSync();
    expect(last.layers[0]!.kernel).toEqual(handHistogram(kernel, 7));
    const act = (m.layers[0]!.apply(sample) as Tensor).dataSync();
    expect(last.layers[0]!.activation).toEqual(handHistogram(act, 7));
    expect(last.layers[1]!.activation!.reduce((a, b) => a + b, 0)).toBe(8 * 2);
    // The kernel moved between epochs: the first and last pictures differ.
    expect(cb.records[0]!.layers[0]!.kernel).not.toEqual(last.layers[0]!.kernel);
  });

  it('draws only the named layers, every n epochs, into an element', async () => {
    const { m, x, y } = setup();
    const el = { innerHTML: '' };
    const cb = histogramCallbacks(el, { layers: ['out'], every: 2 });
    await m.fit(x, y, { epochs: 4, batchSize: 16, verbose: 0, callbacks: [cb] });
    expect(cb.records.map((r) => r.epoch)).toEqual([0, 2]);
    expect(cb.records[1]!.layers.map((l) => l.name)).toEqual(['out']);
    expect(cb.records[1]!.layers[0]!.activation).toBeUndefined();
    expect(el.innerHTML.match(/<svg/g)!.length).toBe(1);
    const bad = histogramCallbacks(el, { layers: ['nope'] });
    await expect(m.fit(x, y, { epochs: 1, verbose: 0, callbacks: [bad] })).rejects.toThrow(
      "histogramCallbacks: no layer named 'nope' (layers: hidden, out)",
    );
  });
});
