import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../test/helpers/expect_close.js';
import {
  Generator,
  ShapeError,
  type Tensor,
  ValueError,
  isGradEnabled,
  sigmoid,
  tensor,
  variable,
} from './index.js';
import * as L from './losses.js';
import * as M from './metrics.js';
import { type SerializedObject, deserialize } from './serialization.js';

const B = 6;
const C = 4;

function uniform(n: number, seed: number, lo = 0, hi = 1): number[] {
  const g = new Generator(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * g.uniform());
}

function rows(values: number[], width = C): number[][] {
  return Array.from({ length: values.length / width }, (_, i) =>
    values.slice(i * width, (i + 1) * width),
  );
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const values = (t: tf.Tensor) => Array.from(t.dataSync());
const t2 = (v: number[][]) => tf.tensor2d(v);

/** Two batches of 6 samples with 4 classes / outputs, seeded. */
function batch(seed: number) {
  const probs = rows(uniform(B * C, seed));
  const classes = uniform(B, seed + 1).map((u) => Math.floor(u * C));
  return {
    probs,
    binaryLabels: rows(uniform(B * C, seed + 2).map((u) => (u < 0.5 ? 0 : 1))),
    classes,
    oneHot: classes.map((k) => Array.from({ length: C }, (_, j): number => (j === k ? 1 : 0))),
    targets: rows(uniform(B * C, seed + 3, -2, 2)),
    predictions: rows(uniform(B * C, seed + 4, -2, 2)),
  };
}
const b1 = batch(10);
const b2 = batch(20);

/** Updates a fresh metric with both batches, checks the result, resets, and checks it is clean. */
function accumulate(
  metric: M.Metric,
  pick: (b: ReturnType<typeof batch>) => [unknown, unknown],
  expected: number,
): void {
  for (const b of [b1, b2]) {
    const [t, p] = pick(b);
    metric.updateState(t as Tensor, p as Tensor);
  }
  expectClose(metric.result(), expected);
  metric.resetState();
  expect(metric.result()).toBe(0);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('metrics against TensorFlow.js (two batches, then reset)', () => {
  it('BinaryAccuracy matches tf.metrics.binaryAccuracy', () => {
    const ref = mean(
      [b1, b2].flatMap((b) => values(tf.metrics.binaryAccuracy(t2(b.binaryLabels), t2(b.probs)))),
    );
    accumulate(new M.BinaryAccuracy(), (b) => [b.binaryLabels, b.probs], ref);
  });

  it('CategoricalAccuracy matches tf.metrics.categoricalAccuracy', () => {
    const ref = mean(
      [b1, b2].flatMap((b) => values(tf.metrics.categoricalAccuracy(t2(b.oneHot), t2(b.probs)))),
    );
    expect(ref).toBeGreaterThan(0);
    accumulate(new M.CategoricalAccuracy(), (b) => [b.oneHot, b.probs], ref);
  });

  it('SparseCategoricalAccuracy matches tf.metrics.sparseCategoricalAccuracy', () => {
    const ref = mean(
      [b1, b2].flatMap((b) =>
        values(tf.metrics.sparseCategoricalAccuracy(tf.tensor1d(b.classes), t2(b.probs))),
      ),
    );
    accumulate(new M.SparseCategoricalAccuracy(), (b) => [b.classes, b.probs], ref);
    accumulate(
      new M.SparseCategoricalAccuracy(),
      (b) => [tensor(b.classes, [B, 1], 'int32'), b.probs],
      ref,
    );
  });

  it('top-k accuracies follow Keras in_top_k (tfjs has no implementation)', () => {
    // Keras: the label is in the top k when fewer than k predictions exceed its own.
    const inTopK = (k: number) =>
      mean(
        [b1, b2].flatMap((b) =>
          b.probs.map((r, i) => (r.filter((v) => v > r[b.classes[i]!]!).length < k ? 1 : 0)),
        ),
      );
    for (const k of [1, 2, 3]) {
      accumulate(new M.TopKCategoricalAccuracy({ k }), (b) => [b.oneHot, b.probs], inTopK(k));
      accumulate(
        new M.SparseTopKCategoricalAccuracy({ k }),
        (b) => [b.classes, b.probs],
        inTopK(k),
      );
    }
    accumulate(new M.SparseTopKCategoricalAccuracy(), (b) => [b.classes, b.probs], 1);
  });

  it('Precision and Recall match tf.metrics.precision / recall on the thresholded predictions', () => {
    // tfjs's precision/recall expect 0/1 predictions: they are thresholded at 0.5 first.
    const labels = tf.concat([t2(b1.binaryLabels), t2(b2.binaryLabels)]);
    const preds = tf
      .concat([t2(b1.probs), t2(b2.probs)])
      .greater(0.5)
      .cast('float32');
    accumulate(
      new M.Precision(),
      (b) => [b.binaryLabels, b.probs],
      values(tf.metrics.precision(labels, preds))[0]!,
    );
    accumulate(
      new M.Recall(),
      (b) => [b.binaryLabels, b.probs],
      values(tf.metrics.recall(labels, preds))[0]!,
    );
  });

  it('MeanSquaredError, MeanAbsoluteError, RootMeanSquaredError match tf.metrics', () => {
    const mse = mean(
      [b1, b2].flatMap((b) => values(tf.metrics.MSE(t2(b.targets), t2(b.predictions)))),
    );
    const mae = mean(
      [b1, b2].flatMap((b) =>
        values(tf.metrics.meanAbsoluteError(t2(b.targets), t2(b.predictions))),
      ),
    );
    accumulate(new M.MeanSquaredError(), (b) => [b.targets, b.predictions], mse);
    accumulate(new M.MeanAbsoluteError(), (b) => [b.targets, b.predictions], mae);
    accumulate(new M.RootMeanSquaredError(), (b) => [b.targets, b.predictions], Math.sqrt(mse));
  });

  it('R2Score matches tf.metrics.r2Score for one output', () => {
    const col = (b: ReturnType<typeof batch>, key: 'targets' | 'predictions') =>
      b[key].map((r) => [r[0]!]);
    const ref = tf.metrics.r2Score(
      tf.concat([t2(col(b1, 'targets')), t2(col(b2, 'targets'))]),
      tf.concat([t2(col(b1, 'predictions')), t2(col(b2, 'predictions'))]),
    );
    const m = new M.R2Score();
    for (const b of [b1, b2]) m.updateState(col(b, 'targets'), col(b, 'predictions'));
    expectClose(m.result(), values(ref)[0]!);
  });

  it('R2Score averages per-output scores (Keras; tfjs pools all outputs into one)', () => {
    const all = [...b1.targets, ...b2.targets];
    const pred = [...b1.predictions, ...b2.predictions];
    const perOutput = Array.from({ length: C }, (_, j) => {
      const y = all.map((r) => r[j]!);
      const ybar = mean(y);
      const ssRes = y.reduce((a, v, i) => a + (v - pred[i]![j]!) ** 2, 0);
      const ssTot = y.reduce((a, v) => a + (v - ybar) ** 2, 0);
      return 1 - ssRes / ssTot;
    });
    const m = new M.R2Score();
    for (const b of [b1, b2]) m.updateState(b.targets, b.predictions);
    expectClose(m.results(), perOutput);
    expectClose(m.result(), mean(perOutput));
    // After a reset the state is that of a fresh metric.
    m.resetState();
    expect(m.results()).toEqual([]);
    m.updateState(b1.targets, b1.predictions);
    const fresh = new M.R2Score();
    fresh.updateState(b1.targets, b1.predictions);
    expectClose(m.result(), fresh.result());
  });

  it('AUC approaches the exact ROC AUC as thresholds get dense', () => {
    const labels = [...b1.binaryLabels, ...b2.binaryLabels].flat();
    const scores = [...b1.probs, ...b2.probs].flat();
    // Exact AUC = P(score of a positive > score of a negative).
    let wins = 0;
    let pairs = 0;
    labels.forEach((l, i) => {
      if (l !== 1) return;
      labels.forEach((m, j) => {
        if (m !== 0) return;
        pairs++;
        wins += scores[i]! > scores[j]! ? 1 : 0;
      });
    });
    const m = new M.AUC({ numThresholds: 20001 });
    for (const b of [b1, b2]) m.updateState(b.binaryLabels, b.probs);
    expectClose(m.result(), wins / pairs, { atol: 1e-4 });
    const coarse = new M.AUC();
    for (const b of [b1, b2]) coarse.updateState(b.binaryLabels, b.probs);
    expectClose(coarse.result(), wins / pairs, { atol: 1e-2 });
    coarse.resetState();
    expect(coarse.result()).toBe(0);
  });
});

describe('hand-computed cases (Keras docstring numbers)', () => {
  it('accuracies, with and without sample weights', () => {
    const cases: [M.Metric, unknown, unknown, number[], number, number][] = [
      [
        new M.BinaryAccuracy(),
        [[1], [1], [0], [0]],
        [[0.98], [1], [0], [0.6]],
        [1, 0, 0, 1],
        0.75,
        0.5,
      ],
      [
        new M.CategoricalAccuracy(),
        [
          [0, 0, 1],
          [0, 1, 0],
        ],
        [
          [0.1, 0.9, 0.8],
          [0.05, 0.95, 0],
        ],
        [0.7, 0.3],
        0.5,
        0.3,
      ],
      [
        new M.SparseCategoricalAccuracy(),
        [[2], [1]],
        [
          [0.1, 0.6, 0.3],
          [0.05, 0.95, 0],
        ],
        [0.7, 0.3],
        0.5,
        0.3,
      ],
      [
        new M.TopKCategoricalAccuracy({ k: 1 }),
        [
          [0, 0, 1],
          [0, 1, 0],
        ],
        [
          [0.1, 0.9, 0.8],
          [0.05, 0.95, 0],
        ],
        [0.7, 0.3],
        0.5,
        0.3,
      ],
      [
        new M.SparseTopKCategoricalAccuracy({ k: 1 }),
        [2, 1],
        [
          [0.1, 0.9, 0.8],
          [0.05, 0.95, 0],
        ],
        [0.7, 0.3],
        0.5,
        0.3,
      ],
      [
        new M.MeanSquaredError(),
        [
          [0, 1],
          [0, 0],
        ],
        [
          [1, 1],
          [0, 0],
        ],
        [1, 0],
        0.25,
        0.5,
      ],
      [
        new M.MeanAbsoluteError(),
        [
          [0, 1],
          [0, 0],
        ],
        [
          [1, 1],
          [0, 0],
        ],
        [1, 0],
        0.25,
        0.5,
      ],
      [
        new M.RootMeanSquaredError(),
        [
          [0, 1],
          [0, 0],
        ],
        [
          [1, 1],
          [0, 0],
        ],
        [1, 0],
        0.5,
        Math.SQRT1_2,
      ],
    ];
    for (const [m, t, p, w, plain, weighted] of cases) {
      m.updateState(t as Tensor, p as Tensor);
      expectClose(m.result(), plain);
      m.resetState();
      m.updateState(t as Tensor, p as Tensor, w);
      expectClose(m.result(), weighted);
    }
  });

  it('Precision and Recall: thresholds, weights, topK and classId', () => {
    const p = new M.Precision();
    p.updateState([0, 1, 1, 1], [1, 0, 1, 1]);
    expectClose(p.result(), 2 / 3);
    p.resetState();
    p.updateState([0, 1, 1, 1], [1, 0, 1, 1], [0, 0, 1, 0]);
    expectClose(p.result(), 1);
    const top2 = new M.Precision({ topK: 2 });
    top2.updateState([0, 0, 1, 1], [1, 1, 1, 1]);
    expect(top2.result()).toBe(0); // ties keep the lower indices: [0, 1], both negatives
    const top4 = new M.Precision({ topK: 4 });
    top4.updateState([0, 0, 1, 1], [1, 1, 1, 1]);
    expectClose(top4.result(), 0.5);
    const r = new M.Recall();
    r.updateState([0, 1, 1, 1], [1, 0, 1, 1]);
    expectClose(r.result(), 2 / 3);
    r.resetState();
    r.updateState([0, 1, 1, 1], [1, 0, 1, 1], [0, 0, 1, 0]);
    expectClose(r.result(), 1);

    // Row 0 keeps classes 3 (0.7) and 1 (0.6): one hit, one miss; row 1 keeps 0 (0.9) and 2
    // (0.4): one hit, one miss. Labels missed: row 0 class 2, row 1 class 3.
    const yt = [
      [0, 1, 1, 0],
      [1, 0, 0, 1],
    ];
    const yp = [
      [0.1, 0.6, 0.2, 0.7],
      [0.9, 0.3, 0.4, 0.05],
    ];
    const pk = new M.Precision({ topK: 2 });
    const rk = new M.Recall({ topK: 2 });
    pk.updateState(yt, yp);
    rk.updateState(yt, yp);
    expectClose(pk.result(), 0.5);
    expectClose(rk.result(), 0.5);
    // Class 1 alone: predictions [0.6, 0.3], labels [1, 0] → TP 1, FP 0, FN 0.
    const pc = new M.Precision({ classId: 1 });
    const rc = new M.Recall({ classId: 1 });
    pc.updateState(yt, yp);
    rc.updateState(yt, yp);
    expectClose(pc.result(), 1);
    expectClose(rc.result(), 1);
    // Class 2: predictions [0.2, 0.4] are both below 0.5 → no positive prediction reads 0.
    const pc2 = new M.Precision({ classId: 2 });
    pc2.updateState(yt, yp);
    expect(pc2.result()).toBe(0);

    const multi = new M.Precision({ thresholds: [0.3, 0.5, 0.8] });
    multi.updateState([1, 0, 1, 0], [0.9, 0.6, 0.4, 0.2]);
    expectClose(multi.results(), [2 / 3, 1 / 2, 1]);
    expect(() => multi.result()).toThrow(/use results\(\)/);
  });

  it('AUC: ROC and PR with each summation method', () => {
    // Thresholds [−ε, 0.5, 1 + ε]: TP [2, 1, 0], FP [2, 0, 0], TN [0, 2, 2], FN [0, 1, 2].
    const t = [0, 0, 1, 1];
    const p = [0, 0.5, 0.3, 0.9];
    const auc = (opts: M.AUCOptions, w?: number[]) => {
      const m = new M.AUC({ numThresholds: 3, ...opts });
      m.updateState(t, p, w);
      return m.result();
    };
    // ROC: FPR [1, 0, 0], TPR [1, 0.5, 0] → (1 − 0)·(1 + 0.5)/2 = 0.75.
    expectClose(auc({}), 0.75);
    expectClose(auc({}, [1, 0, 0, 1]), 1);
    expectClose(auc({ summationMethod: 'minoring' }), 0.5);
    expectClose(auc({ summationMethod: 'majoring' }), 1);
    // PR (x = recall [1, 0.5, 0], y = precision [0.5, 1, 0]).
    expectClose(auc({ curve: 'PR', summationMethod: 'minoring' }), 0.25);
    expectClose(auc({ curve: 'PR', summationMethod: 'majoring' }), 1);
    // Interpolated PR: interval 1 has slope 1/3, intercept 2/3, P ratio 4 → (1 + (2/3)·ln 4)/(3·2);
    // interval 2 has slope 1, intercept 0 → 1/2.
    expectClose(auc({ curve: 'PR' }), (1 + (2 / 3) * Math.log(4)) / 6 + 0.5);
    // fromLogits applies a sigmoid first.
    const logit = (q: number) => Math.log(q / (1 - q));
    const m = new M.AUC({ fromLogits: true });
    m.updateState(t, [0.01, 0.5, 0.3, 0.9].map(logit));
    const ref = new M.AUC();
    ref.updateState(t, [0.01, 0.5, 0.3, 0.9]);
    expectClose(m.result(), ref.result());
  });

  it('R2Score: Keras example, weights, aggregations, adjusted score', () => {
    const m = new M.R2Score();
    m.updateState([[1], [4], [3]], [[2], [4], [4]]);
    // ȳ = 8/3; SS_res = 2; SS_tot = 42/9 → 1 − 2·9/42 = 4/7.
    expectClose(m.result(), 4 / 7);
    const w = new M.R2Score();
    w.updateState([1, 4, 3], [2, 4, 4], [1, 1, 2]);
    // Weighted: ȳ = (1 + 4 + 6)/4 = 2.75; SS_res = 1 + 0 + 2 = 3; SS_tot = 3.0625 + 1.5625 + 2·0.0625 = 4.75.
    expectClose(w.result(), 1 - 3 / 4.75);
    const yt = [
      [1, 0],
      [2, 0],
      [3, 1],
      [4, 1],
      [5, 2],
    ];
    const yp = [
      [1, 0],
      [2, 1],
      [3, 1],
      [5, 1],
      [5, 2],
    ];
    // Output 0: SS_res 1, SS_tot 10 → 0.9; output 1: SS_res 1, SS_tot 2.8 → 1 − 1/2.8.
    const scores = [0.9, 1 - 1 / 2.8];
    const check = (opts: M.R2ScoreOptions, expected: number) => {
      const r = new M.R2Score(opts);
      r.updateState(yt, yp);
      expectClose(r.result(), expected);
    };
    check({}, mean(scores));
    check(
      { classAggregation: 'variance_weighted_average' },
      (10 * scores[0]! + 2.8 * scores[1]!) / 12.8,
    );
    // Adjusted with n = 10 elements (Keras counts elements) and r = 2: 1 − (1 − R²)·9/7.
    check({ numRegressors: 2 }, 1 - ((1 - mean(scores)) * 9) / 7);
    const none = new M.R2Score({ classAggregation: null });
    none.updateState(yt, yp);
    expectClose(none.results(), scores);
    expect(() => none.result()).toThrow(/use results\(\)/);
  });

  it('Mean and MeanMetricWrapper average values per sample', () => {
    const m = new M.Mean();
    m.updateState([1, 3, 5, 7]);
    expectClose(m.result(), 4);
    // Rows average to [2, 6]; weights [1, 0] add 2 with weight 1.
    m.updateState(
      [
        [1, 3],
        [5, 7],
      ],
      [1, 0],
    );
    expectClose(m.result(), 18 / 5);
    const h = new M.MeanMetricWrapper(L.huber, { name: 'huber', fnOptions: { delta: 0.5 } });
    h.updateState(b1.targets, b1.predictions);
    h.updateState(b2.targets, b2.predictions);
    const ref = mean(
      [b1, b2].flatMap((b) =>
        Array.from(L.huber(b.targets, b.predictions, { delta: 0.5 }).dataSync()),
      ),
    );
    expectClose(h.result(), ref);
  });
});

describe('resolveAccuracy and getMetric', () => {
  it('resolves accuracy like Keras', () => {
    const cases: [M.AccuracyContext, M.AccuracyId][] = [
      [{ yTrueShape: [32, 1], yPredShape: [32, 1] }, 'binaryAccuracy'],
      [{ yTrueShape: [32], yPredShape: [32, 1] }, 'binaryAccuracy'],
      [{ loss: 'binary_crossentropy', yTrueShape: [32, 5], yPredShape: [32, 5] }, 'binaryAccuracy'],
      [{ loss: new L.BinaryCrossentropy({ fromLogits: true }) }, 'binaryAccuracy'],
      [{ loss: 'bce' }, 'binaryAccuracy'],
      [{ yTrueShape: [32], yPredShape: [32, 10] }, 'sparseCategoricalAccuracy'],
      [{ yTrueShape: [32, 1], yPredShape: [32, 10] }, 'sparseCategoricalAccuracy'],
      [{ yTrueShape: [8, 20], yPredShape: [8, 20, 5] }, 'sparseCategoricalAccuracy'],
      [{ loss: 'sparse_categorical_crossentropy' }, 'sparseCategoricalAccuracy'],
      [{ loss: new L.SparseCategoricalCrossentropy() }, 'sparseCategoricalAccuracy'],
      [{ yTrueShape: [32, 10], yPredShape: [32, 10] }, 'categoricalAccuracy'],
      [{ loss: 'categorical_crossentropy' }, 'categoricalAccuracy'],
      [{}, 'categoricalAccuracy'],
    ];
    for (const [ctx, id] of cases) expect(M.resolveAccuracy(ctx), JSON.stringify(ctx)).toBe(id);
  });

  it("getMetric('accuracy') builds the resolved class under the given name", () => {
    const a = M.getMetric('accuracy', { yTrueShape: [32], yPredShape: [32, 10] });
    expect(a).toBeInstanceOf(M.SparseCategoricalAccuracy);
    expect(a.name).toBe('accuracy');
    const b = M.getMetric('acc', { loss: 'binary_crossentropy' });
    expect(b).toBeInstanceOf(M.BinaryAccuracy);
    expect(b.name).toBe('acc');
    expect(M.getMetric('Accuracy' as M.MetricId, {})).toBeInstanceOf(M.CategoricalAccuracy);
  });

  it('ids, snake_case aliases, short forms and loss ids', () => {
    const cases: [M.MetricId, new (...args: never[]) => M.Metric][] = [
      ['binaryAccuracy', M.BinaryAccuracy],
      ['binary_accuracy', M.BinaryAccuracy],
      ['categorical_accuracy', M.CategoricalAccuracy],
      ['sparse_categorical_accuracy', M.SparseCategoricalAccuracy],
      ['top_k_categorical_accuracy', M.TopKCategoricalAccuracy],
      ['sparse_top_k_categorical_accuracy', M.SparseTopKCategoricalAccuracy],
      ['precision', M.Precision],
      ['recall', M.Recall],
      ['auc', M.AUC],
      ['AUC', M.AUC],
      ['mse', M.MeanSquaredError],
      ['mae', M.MeanAbsoluteError],
      ['mean_squared_error', M.MeanSquaredError],
      ['root_mean_squared_error', M.RootMeanSquaredError],
      ['r2_score', M.R2Score],
      ['huber', M.MeanMetricWrapper],
      ['categorical_crossentropy', M.MeanMetricWrapper],
    ];
    for (const [id, cls] of cases) {
      const m = M.getMetric(id);
      expect(m, id).toBeInstanceOf(cls);
      expect(m.name).toBe(id);
    }
    expect(new M.BinaryAccuracy().name).toBe('binary_accuracy');
    const fn = M.getMetric((t, p) => L.meanAbsoluteError(t, p));
    expect(fn).toBeInstanceOf(M.MeanMetricWrapper);
    const m = new M.Recall();
    expect(M.getMetric(m)).toBe(m);
  });

  it('an unknown id gives a ValueError listing the valid ids', () => {
    expect(() => M.getMetric('nope' as M.MetricId)).toThrow(ValueError);
    expect(() => M.getMetric('nope' as M.MetricId)).toThrow(
      /unknown metric 'nope'.*Valid ids: accuracy, binaryAccuracy/,
    );
    expect(() => M.getMetric({ className: 'Nope', config: {} })).toThrow(
      /unknown metric class 'Nope'/,
    );
  });

  it('bad shapes and options raise clear errors', () => {
    expect(() =>
      new M.CategoricalAccuracy().updateState(
        [0, 1],
        [
          [0.9, 0.1],
          [0.2, 0.8],
        ],
      ),
    ).toThrow(ShapeError);
    expect(() =>
      new M.CategoricalAccuracy().updateState(
        [0, 1],
        [
          [0.9, 0.1],
          [0.2, 0.8],
        ],
      ),
    ).toThrow(/sparseCategoricalAccuracy/);
    expect(() => new M.BinaryAccuracy().updateState([[1, 0]], [[0.3, 0.2, 0.1]])).toThrow(
      /binaryAccuracy: labels of shape \[1, 2\]/,
    );
    expect(() => new M.Precision({ thresholds: 1.5 })).toThrow(/\[0, 1\]/);
    expect(() => new M.AUC({ numThresholds: 1 })).toThrow(/> 1/);
    expect(() => new M.AUC({ curve: 'XY' as 'PR' })).toThrow(ValueError);
    expect(() => new M.Precision({ classId: 5 }).updateState([[0, 1]], [[0.2, 0.8]])).toThrow(
      /classId 5/,
    );
    expect(() => M.BinaryAccuracy.fromConfig({ treshold: 0.2 })).toThrow(
      /unknown option 'treshold'/,
    );
  });
});

describe('metrics record no gradients', () => {
  it('updating every metric on tensors that require grad leaves no node and no .grad', () => {
    const w = variable(tensor(b1.probs.map((r) => r.map((v) => 2 * v - 1))));
    const yPred = sigmoid(w);
    expect(yPred.node).not.toBeNull();
    const recorded: Tensor[] = [];
    let gradSeen = true;
    const spy = new M.MeanMetricWrapper((t, p) => {
      gradSeen = isGradEnabled();
      const v = L.meanSquaredError(t, p);
      recorded.push(v);
      return v;
    });
    const metrics: [M.Metric, unknown][] = [
      [spy, b1.probs],
      [new M.BinaryAccuracy(), b1.binaryLabels],
      [new M.CategoricalAccuracy(), b1.oneHot],
      [new M.SparseCategoricalAccuracy(), b1.classes],
      [new M.TopKCategoricalAccuracy({ k: 2 }), b1.oneHot],
      [new M.SparseTopKCategoricalAccuracy({ k: 2 }), b1.classes],
      [new M.Precision(), b1.binaryLabels],
      [new M.Recall({ topK: 1 }), b1.binaryLabels],
      [new M.AUC(), b1.binaryLabels],
      [new M.MeanSquaredError(), b1.probs],
      [new M.MeanAbsoluteError(), b1.probs],
      [new M.RootMeanSquaredError(), b1.probs],
      [new M.R2Score(), b1.probs],
      [new M.MeanMetricWrapper(L.binaryCrossentropy), b1.binaryLabels],
    ];
    for (const [m, t] of metrics) m.updateState(t as Tensor, yPred);
    const mean = new M.Mean();
    mean.updateState(yPred);
    expect(gradSeen).toBe(false);
    expect(recorded[0]!.node).toBeNull();
    expect(recorded[0]!.requiresGrad).toBe(false);
    expect(w.grad).toBeNull();
    // A loss computed afterwards backpropagates exactly as it would without the metrics.
    new L.MeanSquaredError().apply(b1.probs, yPred).backward();
    const alone = variable(tensor(b1.probs.map((r) => r.map((v) => 2 * v - 1))));
    new L.MeanSquaredError().apply(b1.probs, sigmoid(alone)).backward();
    expectClose(w.grad!, alone.grad!);
  });
});

describe('serialization', () => {
  const instances: [M.Metric, unknown, unknown][] = [
    [new M.Mean({ name: 'avg' }), [1, 2, 3], undefined],
    [
      new M.MeanMetricWrapper('huber', { name: 'h', fnOptions: { delta: 0.5 } }),
      b1.targets,
      b1.predictions,
    ],
    [
      new M.MeanMetricWrapper(M.binaryAccuracy, { fnOptions: { threshold: 0.3 } }),
      b1.binaryLabels,
      b1.probs,
    ],
    [new M.BinaryAccuracy({ threshold: 0.7, name: 'ba' }), b1.binaryLabels, b1.probs],
    [new M.CategoricalAccuracy(), b1.oneHot, b1.probs],
    [new M.SparseCategoricalAccuracy(), b1.classes, b1.probs],
    [new M.TopKCategoricalAccuracy({ k: 2 }), b1.oneHot, b1.probs],
    [new M.SparseTopKCategoricalAccuracy({ k: 3 }), b1.classes, b1.probs],
    [new M.Precision({ thresholds: [0.4], classId: 1 }), b1.binaryLabels, b1.probs],
    [new M.Recall({ topK: 2 }), b1.binaryLabels, b1.probs],
    [
      new M.AUC({ curve: 'PR', summationMethod: 'majoring', numThresholds: 50 }),
      b1.binaryLabels,
      b1.probs,
    ],
    [new M.AUC({ thresholds: [0.2, 0.4, 0.9], fromLogits: true }), b1.binaryLabels, b1.targets],
    [new M.MeanSquaredError(), b1.targets, b1.predictions],
    [new M.MeanAbsoluteError({ name: 'l1' }), b1.targets, b1.predictions],
    [new M.RootMeanSquaredError(), b1.targets, b1.predictions],
    [
      new M.R2Score({ classAggregation: 'variance_weighted_average', numRegressors: 1 }),
      b1.targets,
      b1.predictions,
    ],
  ];

  it('getConfig → JSON → fromConfig rebuilds every class with the same config and results', () => {
    for (const [m, t, p] of instances) {
      const cls = m.constructor as typeof M.Metric;
      const json: SerializedObject = JSON.parse(
        JSON.stringify({ className: cls.className, config: m.getConfig() }),
      );
      const back = deserialize<M.Metric>('metric', json);
      expect(back.constructor, cls.className).toBe(m.constructor);
      expect(back.getConfig()).toEqual(m.getConfig());
      for (const x of [m, back]) x.updateState(t as Tensor, p as Tensor);
      expectClose(back.result(), m.result());
    }
  });

  it('a wrapper of a custom function refuses to serialize', () => {
    expect(() => new M.MeanMetricWrapper((t, p) => L.hinge(t, p)).getConfig()).toThrow(
      /custom function cannot be serialized/,
    );
  });
});
