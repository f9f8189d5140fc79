/**
 * The SVG charts, read back as numbers: line positions follow the values, NaN breaks a line,
 * panels pair metrics with their val_ twins, confusion counts and histogram counts are the
 * hand-counted ones; History.plot writes its picture after a real fit, and the live chart
 * redraws during fit.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fitCallbacks } from '../callbacks/live_chart.js';
import { ValueError } from '../errors.js';
import { Dense } from '../layers/dense.js';
import { Sequential } from '../models/sequential.js';
import { randomNormal, setSeed } from '../ops/random.js';
import { confusionMatrixChart, histogramChart, historyChart, lineChart } from './charts.js';

/** Each polyline's points as [x, y] pairs, with its series name. */
function lines(svg: string): { name: string; pts: [number, number][] }[] {
  return [
    ...svg.matchAll(/<polyline class="series" data-name="([^"]*)"[^>]*points="([^"]*)"/g),
  ].map((m) => ({
    name: m[1]!,
    pts: m[2]!.split(' ').map((p) => p.split(',').map(Number) as [number, number]),
  }));
}

describe('charts', () => {
  it('lineChart places points by value (higher is up) and breaks lines at NaN', () => {
    const svg = lineChart([
      { name: 'a<b', values: [3, 1, 2] },
      { name: 'b', values: [1, Number.NaN, 2, 4] },
    ]);
    expect(svg.startsWith('<svg')).toBe(true);
    const ls = lines(svg);
    expect(ls.map((l) => l.name)).toEqual(['a&lt;b', 'b']);
    const a = ls[0]!.pts;
    expect(a).toHaveLength(3);
    // x increases; y is smallest for the largest value.
    expect(a[0]![0]).toBeLessThan(a[1]![0]);
    expect(a[0]![1]).toBeLessThan(a[2]![1]);
    expect(a[2]![1]).toBeLessThan(a[1]![1]);
    // b: a lone point before the NaN (a circle) and a line of two after it.
    expect(ls[1]!.pts).toHaveLength(2);
    expect(svg).toMatch(/<circle class="series" data-name="b"/);
    expect(() => lineChart([{ name: 'x' } as never])).toThrow(ValueError);
  });

  it('historyChart draws a panel per metric with its val_ twin', () => {
    const svg = historyChart({
      loss: [1, 0.5],
      accuracy: [0.5, 0.8],
      val_loss: [1.2, 0.7],
      val_accuracy: [0.4, 0.7],
    });
    expect(lines(svg).map((l) => l.name)).toEqual(['loss', 'val_loss', 'accuracy', 'val_accuracy']);
    expect(svg).toMatch(/viewBox="0 0 480 600"/);
  });

  it('confusionMatrixChart counts by hand and shows each class accuracy', () => {
    const { counts, svg } = confusionMatrixChart([0, 0, 1, 1, 1, 2], [0, 1, 1, 1, 2, 2], 3, {
      classNames: ['cat', 'dog', 'eel'],
    });
    expect(counts).toEqual([
      [1, 1, 0],
      [0, 2, 1],
      [0, 0, 1],
    ]);
    const acc = [...svg.matchAll(/class="class-accuracy"[^>]*>([^<]*)</g)].map((m) => m[1]);
    expect(acc).toEqual(['50.0%', '66.7%', '100.0%']);
    expect(() => confusionMatrixChart([0, 3], [0, 0], 3)).toThrow(/entry 1 .* not a class/);
  });

  it('histogramChart counts every finite value into equal bins', () => {
    const { counts, edges } = histogramChart([0, 0.1, 0.2, 0.9, 1, Number.NaN], { bins: 2 });
    expect(edges).toEqual([0, 0.5, 1]);
    expect(counts).toEqual([3, 2]);
    expect(() => histogramChart([1], { bins: 0 })).toThrow(/bins must be a positive integer/);
    // A large kernel: no spread of its values into Math.min (the call stack would overflow).
    const big = Float32Array.from({ length: 2_000_000 }, (_, i) => (i % 1000) / 1000);
    expect(histogramChart(big, { bins: 10 }).counts.reduce((a, b) => a + b, 0)).toBe(2_000_000);
  });

  it('History.plot writes the curves of a real fit, and the live chart redraws during fit', async () => {
    setSeed(3);
    const m = new Sequential({ layers: [new Dense({ units: 1, inputShape: [2] })] });
    m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae'] });
    const x = randomNormal([32, 2]);
    const y = x.sum(-1, true);
    const target = { innerHTML: '' };
    const live = fitCallbacks(target, { batchIntervalMs: 0 });
    const h = await m.fit(x, y, {
      epochs: 4,
      batchSize: 8,
      verbose: 0,
      validationSplit: 0.25,
      callbacks: [live],
    });
    const dir = mkdtempSync(join(tmpdir(), 'tessera-plot-'));
    try {
      const svg = await h.plot(join(dir, 'curves.svg'));
      expect(readFileSync(join(dir, 'curves.svg'), 'utf8')).toBe(svg);
      const ls = lines(svg);
      expect(ls.map((l) => l.name)).toEqual(['loss', 'val_loss', 'mae', 'val_mae']);
      expect(ls[0]!.pts).toHaveLength(4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(live.draws).toBe(4);
    expect(lines(target.innerHTML)[0]!.pts).toHaveLength(4);
    expect(live.history.loss).toEqual(h.history.loss);
  });
});
