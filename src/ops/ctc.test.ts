import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeBackends } from '../../test/helpers/describe_backends.js';
import { expectClose } from '../../test/helpers/expect_close.js';
import { gradCheck, randomValues } from '../../test/helpers/grad_check.js';
import { rng } from '../../test/helpers/rng.js';
import { grad } from '../autograd/grad.js';
import { ShapeError, ValueError } from '../errors.js';
import { CTC, ctc } from '../losses/ctc.js';
import { getLoss } from '../losses/registry.js';
import { deserialize } from '../serialization.js';
import type { Tensor } from '../tensor/tensor.js';
import { tensor } from './creation.js';
import { ctcDecode, ctcLoss } from './ctc.js';
import { matmul } from './matmul.js';

function randomLogits(shape: [number, number, number], seed: number, scale = 2): number[][][] {
  const r = rng(seed);
  return Array.from({ length: shape[0] }, () =>
    Array.from({ length: shape[1] }, () =>
      Array.from({ length: shape[2] }, () => scale * (2 * r() - 1)),
    ),
  );
}

const softmax = (row: readonly number[]): number[] => {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

const f64 = (v: number[][][]) => tensor(v, undefined, 'float64');

/**
 * Brute force over every path of one sample: the probability of each collapsed labeling
 * (repeats merged, blanks dropped), keyed by its labels joined with ','.
 */
function enumerateLabelings(frames: number[][], blank: number): Map<string, number> {
  const probs = frames.map(softmax);
  const T = frames.length;
  const C = frames[0]?.length ?? 0;
  const out = new Map<string, number>();
  const total = T === 0 ? 1 : C ** T;
  for (let code = 0; code < total; code++) {
    let rest = code;
    let p = 1;
    const labels: number[] = [];
    let prev = -1;
    for (let t = 0; t < T; t++) {
      const k = rest % C;
      rest = Math.floor(rest / C);
      p *= probs[t]![k]!;
      if (k !== blank && k !== prev) labels.push(k);
      prev = k;
    }
    const key = labels.join(',');
    out.set(key, (out.get(key) ?? 0) + p);
  }
  return out;
}

describeBackends('ctcLoss: hand-computed cases', () => {
  it('one label over one frame: −log softmax(x)[label]', () => {
    const x = [1, 2, 0.5];
    const loss = ctcLoss([[1]], f64([[x]]), [1], [1]);
    expect(loss.shape).toEqual([1]);
    expect(loss.dtype).toBe('float64');
    expectClose(loss, [-Math.log(softmax(x)[1]!)], { rtol: 1e-12 });
  });

  it('one label over two frames: the alignments a·a, a·blank, blank·a', () => {
    const x0 = [0.3, -1, 2];
    const x1 = [1.5, 0.2, -0.4];
    const [y0, y1] = [softmax(x0), softmax(x1)];
    const label = 2;
    const p = y0[label]! * y1[label]! + y0[label]! * y1[0]! + y0[0]! * y1[label]!;
    expectClose(ctcLoss([[label]], f64([[x0, x1]]), [1], [2]), [-Math.log(p)], { rtol: 1e-12 });
  });

  it('"aa" over two frames has no alignment (a blank must separate them): +∞, zero gradient', () => {
    const x = f64([
      [
        [0.1, 0.7],
        [-0.3, 0.2],
      ],
    ]);
    const loss = ctcLoss([[1, 1]], x, [2], [2]);
    expect(loss.dataSync()[0]).toBe(Number.POSITIVE_INFINITY);
    const g = grad((o) => ctcLoss([[1, 1]], o, [2], [2]).sum())(x);
    expect(Array.from(g.dataSync())).toEqual([0, 0, 0, 0]);
  });

  it('"aa" over three frames: the single alignment a·blank·a', () => {
    const frames = [
      [0.2, 1.1, -0.5],
      [0.9, -0.2, 0.4],
      [-1, 0.6, 0.3],
    ];
    const y = frames.map(softmax);
    // uniform logits would give (1/3)³; here y0(a)·y1(blank)·y2(a)
    const p = y[0]![1]! * y[1]![0]! * y[2]![1]!;
    expectClose(ctcLoss([[1, 1]], f64([frames]), [2], [3]), [-Math.log(p)], { rtol: 1e-12 });
    // uniform over 2 classes: one alignment of probability 1/8
    expectClose(
      ctcLoss(
        [[1, 1]],
        f64([
          [
            [0, 0],
            [0, 0],
            [0, 0],
          ],
        ]),
        [2],
        [3],
      ),
      [Math.log(8)],
    );
  });

  it('a blank-only target (length 0) is −Σ log y_t(blank); the padding of the row is ignored', () => {
    const frames = [
      [0.5, -0.5, 1],
      [2, 0, -1],
    ];
    const y = frames.map(softmax);
    const expected = -Math.log(y[0]![0]!) - Math.log(y[1]![0]!);
    expectClose(ctcLoss([[2, 2, 1]], f64([frames]), [0], [2]), [expected], { rtol: 1e-12 });
  });

  it('an empty target over no frames costs 0 (probability 1)', () => {
    expectClose(ctcLoss([[1]], f64([[[1, 2]]]), [0], [0]), [0]);
  });

  it('frames beyond outputLength change nothing and get zero gradient', () => {
    const a = randomLogits([1, 5, 4], 3);
    const b = a.map((s) => s.map((row, t) => (t >= 3 ? row.map((v) => v + 5) : row)));
    const la = ctcLoss([[1, 3]], f64(a), [2], [3]);
    expectClose(ctcLoss([[1, 3]], f64(b), [2], [3]), la, { rtol: 1e-14 });
    const g = grad((o) => ctcLoss([[1, 3]], o, [2], [3]).sum())(f64(a)).arraySync() as number[][][];
    for (let t = 3; t < 5; t++) expect(g[0]![t]).toEqual([0, 0, 0, 0]);
    // Each used frame's gradient is softmax − occupancy: it sums to 0 over classes.
    for (let t = 0; t < 3; t++)
      expectClose(
        g[0]![t]!.reduce((s, v) => s + v, 0),
        0,
      );
  });

  it('maskIndex moves the blank: the last class as blank (also −1) equals the permuted problem', () => {
    const x = randomLogits([2, 6, 4], 11);
    // Move class 0 to the end: class k → k−1 for k ≥ 1, class 0 → 3.
    const moved = x.map((s) => s.map((row) => [...row.slice(1), row[0]!]));
    const ref = ctcLoss(
      [
        [1, 2, 2],
        [3, 1, 0],
      ],
      f64(x),
      [3, 2],
      [6, 5],
    );
    const last = ctcLoss(
      [
        [0, 1, 1],
        [2, 0, 3],
      ],
      f64(moved),
      [3, 2],
      [6, 5],
      { maskIndex: 3 },
    );
    const neg = ctcLoss(
      [
        [0, 1, 1],
        [2, 0, 3],
      ],
      f64(moved),
      [3, 2],
      [6, 5],
      { maskIndex: -1 },
    );
    expectClose(last, ref, { rtol: 1e-12 });
    expectClose(neg, ref, { rtol: 1e-12 });
  });

  it('keeps float32 outputs in float32 and computes integer outputs as float32', () => {
    const l32 = ctcLoss([[1]], tensor([[[0, 0]]]), [1], [1]);
    expect(l32.dtype).toBe('float32');
    expectClose(l32, [Math.LN2]);
    const li = ctcLoss([[1]], tensor([[[0, 0]]], undefined, 'int32'), [1], [1]);
    expect(li.dtype).toBe('float32');
    expectClose(li, [Math.LN2]);
  });

  it('accepts integer-valued float labels and lengths', () => {
    const x = randomLogits([1, 4, 3], 5);
    const a = ctcLoss(tensor([[1, 2]], undefined, 'int32'), f64(x), [2], [4]);
    const b = ctcLoss(tensor([[1, 2]]), f64(x), tensor([2]), tensor([4]));
    expectClose(b, a, { rtol: 1e-14 });
  });
});

describeBackends('ctcLoss: gradients', () => {
  it('gradCheck on the logits (float64): varied lengths, repeats, empty label, padded frames', () => {
    const target = [
      [1, 2, 2],
      [3, 3, 0],
      [0, 0, 0],
    ];
    gradCheck(
      (x) => ctcLoss(target, x, [3, 2, 0], [6, 4, 3]),
      [randomValues([3, 6, 4], 7, -2, 2)],
      { rtol: 1e-6, atol: 1e-8 },
    );
  });

  it('gradCheck with a non-zero blank', () => {
    gradCheck(
      (x) => ctcLoss([[0, 1, 0]], x, [3], [5], { maskIndex: 2 }),
      [randomValues([1, 5, 3], 8, -3, 3)],
      { rtol: 1e-6, atol: 1e-8 },
    );
  });

  it('autograd flows through a model: gradCheck on the weights of logits = x·w', () => {
    const x = tensor(randomLogits([1, 8, 3], 21)[0]!, undefined, 'float64');
    gradCheck(
      (w) => ctcLoss([[1, 2, 1]], matmul(x, w).reshape([1, 8, 4]), [3], [8]),
      [randomValues([3, 4], 9)],
      { rtol: 1e-6, atol: 1e-8 },
    );
  });

  it('the backward scales by the incoming gradient per sample', () => {
    const x = f64(randomLogits([2, 4, 3], 13));
    const g1 = grad((o) => ctcLoss([[1], [2]], o, [1, 1], [4, 4]))(x);
    const g2 = grad((o) => ctcLoss([[1], [2]], o, [1, 1], [4, 4]))(
      x,
      tensor([2, -3], undefined, 'float64'),
    );
    const a = g1.arraySync() as number[][][];
    const b = g2.arraySync() as number[][][];
    expectClose(
      b[0]!,
      a[0]!.map((r) => r.map((v) => 2 * v)),
      { rtol: 1e-12 },
    );
    expectClose(
      b[1]!,
      a[1]!.map((r) => r.map((v) => -3 * v)),
      { rtol: 1e-12 },
    );
  });
});

interface GoldenCase {
  name: string;
  shape: [number, number, number];
  logits: number[];
  targets: number[][];
  targetLengths: number[];
  inputLengths: number[];
  loss: number[];
  grad: number[];
}

describe('ctcLoss: golden values from PyTorch (scripts/ctc_golden.py)', () => {
  const golden = JSON.parse(
    readFileSync(new URL('../../test/fixtures/ctc_golden.json', import.meta.url), 'utf8'),
  ) as { torch: string; cases: GoldenCase[] };

  it('the fixture holds the expected cases', () => {
    expect(golden.cases.length).toBeGreaterThanOrEqual(7);
    expect(golden.cases.some((c) => c.shape[1] === 200)).toBe(true);
  });

  for (const c of golden.cases) {
    it(`${c.name} ${JSON.stringify(c.shape)}: loss and gradient within 1e-5 (torch ${golden.torch})`, () => {
      const x = tensor(Float64Array.from(c.logits), c.shape, 'float64');
      const loss = ctcLoss(c.targets, x, c.targetLengths, c.inputLengths);
      expectClose(loss, c.loss, { rtol: 1e-5, atol: 0 });
      const g = grad((o) => ctcLoss(c.targets, o, c.targetLengths, c.inputLengths).sum())(x);
      expectClose(g.dataSync(), c.grad, { rtol: 1e-5, atol: 1e-9 });
    });
  }
});

/**
 * Independent reference for long sequences: the forward recursion in linear space with the
 * α of each frame rescaled to sum 1 (Rabiner's scaling), log P = Σ_t log(scale_t).
 */
function scaledForwardLoss(frames: number[][], labels: number[], blank: number): number {
  const ext = [blank];
  for (const l of labels) ext.push(l, blank);
  const S = ext.length;
  let alpha = new Array<number>(S).fill(0);
  let logP = 0;
  frames.forEach((row, t) => {
    const y = softmax(row);
    const next = new Array<number>(S).fill(0);
    for (let s = 0; s < S; s++) {
      if (t === 0) {
        next[s] = s < 2 ? y[ext[s]!]! : 0;
        continue;
      }
      let a = alpha[s]! + (s >= 1 ? alpha[s - 1]! : 0);
      if (s >= 2 && ext[s] !== blank && ext[s] !== ext[s - 2]) a += alpha[s - 2]!;
      next[s] = a * y[ext[s]!]!;
    }
    const c = next.reduce((u, v) => u + v, 0);
    logP += Math.log(c);
    alpha = next.map((v) => v / c);
  });
  return -(logP + Math.log(alpha[S - 1]! + (S > 1 ? alpha[S - 2]! : 0)));
}

describe('ctcLoss: long sequences', () => {
  it('T = 500 (probabilities far below 1e-300) stays finite, in float32 too', () => {
    const T = 500;
    const C = 6;
    const r = rng(99);
    const labels = Array.from({ length: 120 }, () => 1 + Math.floor(r() * (C - 1)));
    // A few forced repeats, which need a blank between them.
    labels[11] = labels[10] = 4;
    labels[51] = labels[50] = 2;
    const target = [labels];
    const x64 = f64(randomLogits([1, T, C], 100, 8));
    const loss = ctcLoss(target, x64, [120], [T]);
    const v = loss.dataSync()[0]!;
    expect(Number.isFinite(v)).toBe(true);
    // exp(−v) underflows a double: the linear-space recursion could not represent it.
    expect(v).toBeGreaterThan(745);
    expectClose(v, scaledForwardLoss(randomLogits([1, T, C], 100, 8)[0]!, labels, 0), {
      rtol: 1e-10,
    });
    const g = grad((o) => ctcLoss(target, o, [120], [T]).sum())(x64).dataSync();
    expect(g.every((e) => Number.isFinite(e))).toBe(true);
    for (let t = 0; t < T; t += 97) {
      let s = 0;
      for (let c = 0; c < C; c++) s += g[t * C + c]!;
      expect(Math.abs(s)).toBeLessThan(1e-9);
    }
    const x32 = tensor(x64.dataSync(), [1, T, C], 'float32');
    const l32 = ctcLoss(target, x32, [120], [T]);
    expect(l32.dtype).toBe('float32');
    expectClose(l32, [v], { rtol: 1e-5 });
  });
});

describe('ctcLoss: bad inputs', () => {
  const x = randomLogits([2, 4, 3], 1);

  it('a label longer than the input is an error naming the sample and both lengths', () => {
    expect(() =>
      ctcLoss(
        [
          [1, 2],
          [1, 2],
        ],
        x,
        [2, 2],
        [4, 1],
      ),
    ).toThrow(ValueError);
    expect(() =>
      ctcLoss(
        [
          [1, 2],
          [1, 2],
        ],
        x,
        [2, 2],
        [4, 1],
      ),
    ).toThrow(/sample 1: the label \(targetLength 2\) is longer than the input \(outputLength 1\)/);
  });

  it('length arrays of the wrong shape', () => {
    expect(() => ctcLoss([[1], [2]], x, [1, 1, 1], [4, 4])).toThrow(ShapeError);
    expect(() => ctcLoss([[1], [2]], x, [1, 1, 1], [4, 4])).toThrow(
      /targetLength must have shape \[2\].*got \[3\]/,
    );
    expect(() => ctcLoss([[1], [2]], x, [1, 1], [[4], [4]])).toThrow(
      /outputLength must have shape \[2\].*got \[2, 1\].*squeeze/,
    );
    expect(() => ctcLoss([[1], [2]], x, 1, [4, 4])).toThrow(ShapeError);
  });

  it('lengths beyond the padded dimensions, negative or fractional', () => {
    expect(() => ctcLoss([[1], [2]], x, [2, 1], [4, 4])).toThrow(
      /targetLength\[0\] = 2 must be an integer in \[0, 1\] \(maxLabelLength is 1\)/,
    );
    expect(() => ctcLoss([[1], [2]], x, [1, 1], [4, 5])).toThrow(
      /outputLength\[1\] = 5 must be an integer in \[0, 4\] \(maxTime is 4\)/,
    );
    expect(() => ctcLoss([[1], [2]], x, [-1, 1], [4, 4])).toThrow(ValueError);
    expect(() => ctcLoss([[1], [2]], x, [1, 1], [4, 2.5])).toThrow(ValueError);
  });

  it('label values ≥ numClasses, negative, fractional, or equal to the blank', () => {
    expect(() => ctcLoss([[1], [3]], x, [1, 1], [4, 4])).toThrow(
      /sample 1: label 3 at position 0 is out of range \[0, 3\)/,
    );
    expect(() => ctcLoss([[1], [-2]], x, [1, 1], [4, 4])).toThrow(/out of range/);
    expect(() => ctcLoss([[1], [1.5]], x, [1, 1], [4, 4])).toThrow(/not an integer/);
    expect(() =>
      ctcLoss(
        [
          [1, 0],
          [2, 1],
        ],
        x,
        [2, 2],
        [4, 4],
      ),
    ).toThrow(/sample 0: label 0 at position 1 is the blank \(maskIndex 0\)/);
    expect(() => ctcLoss([[1], [2]], x, [1, 1], [4, 4], { maskIndex: 2 })).toThrow(/is the blank/);
  });

  it('shapes, ranks and maskIndex', () => {
    expect(() => ctcLoss([[1]], [[0, 1]], [1], [1])).toThrow(
      /output must have shape \[batch, maxTime, numClasses\], got \[1, 2\]/,
    );
    expect(() => ctcLoss([1, 2], x, [1, 1], [4, 4])).toThrow(/target must have shape/);
    expect(() => ctcLoss([[1]], x, [1], [4])).toThrow(/target must have shape/);
    expect(() => ctcLoss([[1], [2]], x, [1, 1], [4, 4], { maskIndex: 3 })).toThrow(
      /maskIndex must be an integer in \[-3, 3\)/,
    );
    expect(() => ctcLoss([[1], [2]], x, [1, 1], [4, 4], { mask_index: 0 } as never)).toThrow(
      /unknown option 'mask_index'/,
    );
  });
});

describe('ctcDecode: greedy', () => {
  // Frame arg-maxes: 1 1 0 1 2 2 (class 0 is the blank).
  const oneHot = (ks: number[], C = 3) =>
    ks.map((k, t) => Array.from({ length: C }, (_, c) => (c === k ? 2 + 0.1 * t : 0)));

  it('merges repeats, keeps a repeat split by a blank, drops blanks; pads with −1', () => {
    const x = [oneHot([1, 1, 0, 1, 2, 2])];
    const { decoded, logProbabilities } = ctcDecode(x, [6]);
    expect(decoded.length).toBe(1);
    expect(decoded[0]!.dtype).toBe('int32');
    expect(decoded[0]!.shape).toEqual([1, 6]);
    expect(decoded[0]!.arraySync()).toEqual([[1, 1, 2, -1, -1, -1]]);
    // −Σ_t max: −(2 + 2.1 + 2.2 + 2.3 + 2.4 + 2.5)
    expect(logProbabilities.shape).toEqual([1, 1]);
    expectClose(logProbabilities, [[-13.5]]);
  });

  it('mergeRepeated false keeps every non-blank frame', () => {
    const { decoded } = ctcDecode([oneHot([1, 1, 0, 1, 2, 2])], [6], { mergeRepeated: false });
    expect(decoded[0]!.arraySync()).toEqual([[1, 1, 1, 2, 2, -1]]);
  });

  it('ignores frames beyond each sequence length; maskIndex picks the blank', () => {
    const x = [oneHot([1, 2, 2, 1]), oneHot([2, 0, 0, 1])];
    const { decoded, logProbabilities } = ctcDecode(x, [4, 2]);
    expect(decoded[0]!.arraySync()).toEqual([
      [1, 2, 1, -1],
      [2, -1, -1, -1],
    ]);
    expectClose(logProbabilities, [[-(2 + 2.1 + 2.2 + 2.3)], [-(2 + 2.1)]]);
    // With class 2 as the blank, class 0 is a label.
    const m = ctcDecode(x, [4, 4], { maskIndex: 2 });
    expect(m.decoded[0]!.arraySync()).toEqual([
      [1, 1, -1, -1],
      [0, 1, -1, -1],
    ]);
  });

  it('ties go to the first class; a zero-length sequence decodes to nothing', () => {
    const { decoded, logProbabilities } = ctcDecode([[[1, 1, 1]], [[0, 5, 5]]], [1, 0]);
    expect(decoded[0]!.arraySync()).toEqual([[-1], [-1]]);
    expectClose(logProbabilities, [[-1], [0]]);
    expect(ctcDecode([[[0, 5, 5]]], [1]).decoded[0]!.arraySync()).toEqual([[1]]);
  });
});

describe('ctcDecode: beam search', () => {
  it('equals exhaustive search over all paths (T ≤ 4, 3 classes), top 3 with log-probabilities', () => {
    for (let T = 1; T <= 4; T++) {
      for (const blank of [0, 2]) {
        const x = randomLogits([3, T, 3], 40 + 10 * T + blank, 2);
        const lens = [T, Math.max(1, T - 1), T];
        const { decoded, logProbabilities } = ctcDecode(x, lens, {
          strategy: 'beamSearch',
          topPaths: 3,
          maskIndex: blank,
        });
        expect(decoded.length).toBe(3);
        const lp = logProbabilities.arraySync() as number[][];
        for (let b = 0; b < 3; b++) {
          const all = [...enumerateLabelings(x[b]!.slice(0, lens[b]!), blank).entries()].sort(
            (p, q) => q[1] - p[1],
          );
          for (let k = 0; k < 3; k++) {
            const got = (decoded[k]!.arraySync() as number[][])[b]!.filter((v) => v >= 0);
            if (k >= all.length) {
              expect(got).toEqual([]);
              expect(lp[b]![k]).toBe(Number.NEGATIVE_INFINITY);
              continue;
            }
            const [key, p] = all[k]!;
            expectClose(lp[b]![k]!, Math.log(p), { rtol: 1e-6, atol: 1e-6 });
            // Equal probabilities may come in either order; otherwise the labels must match.
            const tie = all.some(([k2, p2]) => k2 !== key && Math.abs(p2 - p) < 1e-12);
            if (!tie)
              expect(got.join(','), `T=${T} blank=${blank} sample ${b} path ${k}`).toBe(key);
          }
        }
      }
    }
  });

  it('the best path scores −ctcLoss of its labels (exact when the beam holds every prefix)', () => {
    const x = randomLogits([1, 5, 4], 77, 1.5);
    const { decoded, logProbabilities } = ctcDecode(x, [5], { strategy: 'beam_search' });
    const labels = (decoded[0]!.arraySync() as number[][])[0]!.filter((v) => v >= 0);
    const loss = ctcLoss([labels.length ? labels : [1]], f64(x), [labels.length], [5]);
    expectClose(logProbabilities, [[-loss.dataSync()[0]!]], { rtol: 1e-6 });
  });

  it('fewer labelings than topPaths: the missing paths are all −1 with −∞', () => {
    // One frame, 2 classes: only '' and '1' exist.
    const { decoded, logProbabilities } = ctcDecode([[[0.5, 0]]], [1], {
      strategy: 'beamSearch',
      topPaths: 3,
    });
    expect(decoded.map((d) => d.arraySync())).toEqual([[[-1]], [[1]], [[-1]]]);
    const lp = logProbabilities.dataSync();
    expectClose(
      [lp[0]!, lp[1]!],
      [Math.log(softmax([0.5, 0])[0]!), Math.log(softmax([0.5, 0])[1]!)],
    );
    expect(lp[2]).toBe(Number.NEGATIVE_INFINITY);
  });

  it('a narrow beam still returns the requested paths, best first', () => {
    const x = randomLogits([2, 12, 5], 5, 3);
    const { decoded, logProbabilities } = ctcDecode(x, [12, 9], {
      strategy: 'beamSearch',
      beamWidth: 4,
      topPaths: 2,
    });
    expect(decoded.length).toBe(2);
    const lp = logProbabilities.arraySync() as number[][];
    for (const row of lp) expect(row[0]!).toBeGreaterThanOrEqual(row[1]!);
  });
});

describe('ctcDecode: bad inputs', () => {
  const x = randomLogits([1, 3, 3], 2);
  it('names the problem', () => {
    expect(() => ctcDecode(x, [3], { strategy: 'beam' as never })).toThrow(
      /strategy must be 'greedy' or 'beamSearch'/,
    );
    expect(() => ctcDecode(x, [3], { strategy: 'beamSearch', beamWidth: 2, topPaths: 3 })).toThrow(
      /topPaths \(3\) must be <= beamWidth \(2\)/,
    );
    expect(() => ctcDecode(x, [3], { beamWidth: 0 })).toThrow(/beamWidth must be an integer >= 1/);
    expect(() => ctcDecode(x, [3, 3])).toThrow(/sequenceLengths must have shape \[1\]/);
    expect(() => ctcDecode(x, [4])).toThrow(
      /sequenceLengths\[0\] = 4 must be an integer in \[0, 3\]/,
    );
    expect(() => ctcDecode([[1, 2]], [1])).toThrow(ShapeError);
    expect(() => ctcDecode(x, [3], { maskIndex: 5 })).toThrow(/maskIndex/);
    expect(() => ctcDecode(x, [3], { merge_repeated: false } as never)).toThrow(
      /unknown option 'merge_repeated'/,
    );
  });
});

describe('CTC loss class (Keras 3 keras.losses.CTC)', () => {
  const logits = randomLogits([3, 6, 4], 31);

  it('infers label lengths as the non-zero count and uses every frame', () => {
    const yTrue = [
      [1, 2, 0],
      [3, 3, 1],
      [2, 0, 0],
    ];
    const expected = ctcLoss(yTrue, f64(logits), [2, 3, 1], [6, 6, 6]);
    expectClose(ctc(yTrue, f64(logits)), expected, { rtol: 1e-14 });
    const loss = new CTC();
    expect(loss.name).toBe('ctc');
    const e = expected.dataSync();
    expectClose(loss.apply(yTrue, f64(logits)), (e[0]! + e[1]! + e[2]!) / 3, { rtol: 1e-12 });
    expectClose(new CTC({ reduction: 'sum' }).apply(yTrue, f64(logits)), e[0]! + e[1]! + e[2]!, {
      rtol: 1e-12,
    });
    expectClose(new CTC({ reduction: 'none' }).apply(yTrue, f64(logits)), expected);
    // Labels as floats (as fit passes them) work the same.
    expectClose(ctc(tensor(yTrue), f64(logits)), expected, { rtol: 1e-14 });
  });

  it('resolves by id and class name, and serializes', () => {
    expect(getLoss('ctc')).toBeInstanceOf(CTC);
    expect(getLoss('CTC')).toBeInstanceOf(CTC);
    const l = new CTC({ name: 'my_ctc', reduction: 'sum' });
    const back = deserialize<CTC>(
      'loss',
      JSON.parse(JSON.stringify({ className: 'CTC', config: l.getConfig() })),
    );
    expect(back).toBeInstanceOf(CTC);
    expect(back.getConfig()).toEqual({ name: 'my_ctc', reduction: 'sum' });
    expect(() => new CTC({ maskIndex: 1 } as never)).toThrow(/unknown option 'maskIndex'/);
  });

  it('errors: ranks, a 0 before a label, −1 padding, labels longer than the frames', () => {
    expect(() => ctc([1, 2], f64(logits))).toThrow(
      /yTrue must have shape \[batch, maxLabelLength\]/,
    );
    expect(() => ctc([[1, 2]], [[1, 2]])).toThrow(
      /yPred must have shape \[batch, maxTime, numClasses\]/,
    );
    expect(() => ctc([[1], [2]], f64(logits))).toThrow(/differ in batch size/);
    expect(() =>
      ctc(
        [
          [1, 0, 2],
          [1, 0, 0],
          [1, 0, 0],
        ],
        f64(logits),
      ),
    ).toThrow(/sample 0: label 2 at position 2 follows a 0/);
    expect(() =>
      ctc(
        [
          [1, -1, -1],
          [1, 0, 0],
          [1, 0, 0],
        ],
        f64(logits),
      ),
    ).toThrow(/pad labels with 0 \(the blank\), not -1/);
    const long = [Array.from({ length: 7 }, () => 1)];
    expect(() =>
      ctc(
        long.map((r) => r.map((v, i) => v + (i % 2))),
        f64([logits[0]!]),
      ),
    ).toThrow(/longer than the input/);
  });

  it('gradients flow through the class (gradCheck)', () => {
    const loss = new CTC();
    gradCheck(
      (x: Tensor) =>
        loss.apply(
          [
            [1, 2],
            [3, 0],
          ],
          x,
        ),
      [randomValues([2, 5, 4], 3)],
      {
        rtol: 1e-6,
        atol: 1e-8,
      },
    );
  });
});
