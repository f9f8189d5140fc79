import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../test/helpers/expect_close.js';
import { gradCheck } from '../test/helpers/grad_check.js';
import {
  Generator,
  ShapeError,
  type Tensor,
  ValueError,
  grad,
  sigmoid,
  softmax,
  tensor,
} from './index.js';
import * as L from './losses.js';
import { type SerializedObject, deserialize } from './serialization.js';

const B = 6;
const C = 4;

/** `n` seeded uniform values in [lo, hi). */
function uniform(n: number, seed: number, lo: number, hi: number): number[] {
  const g = new Generator(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * g.uniform());
}

/** Rows of `C` values, as nested arrays. */
function rows(values: number[]): number[][] {
  return Array.from({ length: values.length / C }, (_, i) => values.slice(i * C, (i + 1) * C));
}

const softmaxRow = (r: number[]) => {
  const m = Math.max(...r);
  const e = r.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

// Fixed inputs: a batch of 6 with 4 classes / outputs.
const logits = rows(uniform(B * C, 1, -3, 3));
const probs = logits.map(softmaxRow);
const unnormalized = rows(uniform(B * C, 2, 0.1, 2));
const binaryProbs = rows(uniform(B * C, 3, 0.05, 0.95));
const binaryLabels = rows(uniform(B * C, 4, 0, 1).map((v) => (v < 0.5 ? 0 : 1)));
const signedLabels = binaryLabels.map((r) => r.map((v) => 2 * v - 1));
const classes = [0, 3, 1, 2, 3, 0];
const oneHot: number[][] = classes.map((k) =>
  Array.from({ length: C }, (_, j) => (j === k ? 1 : 0)),
);
const targets = rows(uniform(B * C, 5, 0.5, 3));
const predictions = rows(uniform(B * C, 6, 0.5, 3));
const softTargets = rows(uniform(B * C, 7, -2, 2)).map(softmaxRow);

const t2 = (v: number[][]) => tf.tensor2d(v);
const values = (t: tf.Tensor) => Array.from(t.dataSync());

/** Per-sample mean over the last axis of a tfjs elementwise result. */
const rowMeans = (t: tf.Tensor) =>
  rows(values(t)).map((r) => r.reduce((a, b) => a + b, 0) / r.length);

/**
 * The tfjs-layers loss function behind a string id (the functions Keras's tfjs port uses in
 * `compile`; tfjs does not export them directly).
 */
function tfLoss(id: string): (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor {
  const input = tf.input({ shape: [C] });
  const output = tf.layers.activation({ activation: 'linear' }).apply(input) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output });
  model.compile({ optimizer: 'sgd', loss: id });
  return model.lossFunctions[0] as (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('losses against TensorFlow.js and Keras formulas', () => {
  it('meanSquaredError, meanAbsoluteError, meanAbsolutePercentageError match tf.metrics', () => {
    expectClose(
      L.meanSquaredError(targets, predictions),
      values(tf.metrics.meanSquaredError(t2(targets), t2(predictions))),
    );
    expectClose(
      L.meanAbsoluteError(targets, predictions),
      values(tf.metrics.meanAbsoluteError(t2(targets), t2(predictions))),
    );
    expectClose(
      L.meanAbsolutePercentageError(targets, predictions),
      values(tf.metrics.MAPE(t2(targets), t2(predictions))),
    );
  });

  it('meanSquaredLogarithmicError, logCosh, poisson match tfjs-layers', () => {
    const pairs: [Tensor, tf.Tensor][] = [
      [
        L.meanSquaredLogarithmicError(targets, predictions),
        tfLoss('meanSquaredLogarithmicError')(t2(targets), t2(predictions)),
      ],
      [L.logCosh(targets, predictions), tfLoss('logcosh')(t2(targets), t2(predictions))],
      [L.poisson(targets, predictions), tfLoss('poisson')(t2(targets), t2(predictions))],
    ];
    for (const [mine, ref] of pairs) expectClose(mine, values(ref));
  });

  it('huber matches tf.losses.huberLoss averaged over the last axis (delta 1 and 0.5)', () => {
    for (const delta of [1, 0.5]) {
      const ref = tf.losses.huberLoss(
        t2(targets),
        t2(predictions),
        undefined,
        delta,
        tf.Reduction.NONE,
      );
      expectClose(L.huber(targets, predictions, { delta }), rowMeans(ref));
    }
  });

  it('hinge and squaredHinge match tfjs-layers for −1/1 labels', () => {
    const p = rows(uniform(B * C, 8, -2, 2));
    expectClose(L.hinge(signedLabels, p), values(tfLoss('hinge')(t2(signedLabels), t2(p))));
    expectClose(
      L.squaredHinge(signedLabels, p),
      values(tfLoss('squaredHinge')(t2(signedLabels), t2(p))),
    );
  });

  it('hinge and squaredHinge map 0/1 labels to −1/1 (Keras 3; tfjs does not)', () => {
    const p = rows(uniform(B * C, 8, -2, 2));
    // Keras 3's formula, written out: y = 2·label − 1 when every label is 0 or 1.
    const ref = (sq: boolean) =>
      binaryLabels.map((r, i) => {
        const terms = r.map((l, j) => Math.max(1 - (2 * l - 1) * p[i]![j]!, 0) ** (sq ? 2 : 1));
        return terms.reduce((a, b) => a + b, 0) / C;
      });
    expectClose(L.hinge(binaryLabels, p), ref(false));
    expectClose(L.squaredHinge(binaryLabels, p), ref(true));
  });

  it('categoricalHinge matches tfjs-layers', () => {
    const p = rows(uniform(B * C, 9, -2, 2));
    expectClose(
      L.categoricalHinge(oneHot, p),
      values(tfLoss('categoricalHinge')(t2(oneHot), t2(p))),
    );
  });

  it('kullbackLeiblerDivergence matches tfjs-layers for positive labels', () => {
    expectClose(
      L.kullbackLeiblerDivergence(softTargets, probs),
      values(tfLoss('kullbackLeiblerDivergence')(t2(softTargets), t2(probs))),
    );
  });

  it('kullbackLeiblerDivergence multiplies by the clipped labels (Keras 3; tfjs uses the raw ones)', () => {
    const eps = 1e-7;
    const ref = oneHot.map((r, i) =>
      r.reduce((a, y, j) => {
        const yc = Math.min(Math.max(y, eps), 1);
        return a + yc * Math.log(yc / Math.min(Math.max(probs[i]![j]!, eps), 1));
      }, 0),
    );
    expectClose(L.kullbackLeiblerDivergence(oneHot, probs), ref);
  });

  it('cosineSimilarity matches tfjs-layers cosineProximity (both −cos)', () => {
    const a = rows(uniform(B * C, 10, -1, 1));
    const b = rows(uniform(B * C, 11, -1, 1));
    expectClose(L.cosineSimilarity(a, b), values(tfLoss('cosineProximity')(t2(a), t2(b))));
    expectClose(
      L.cosineSimilarity(
        [
          [0, 1],
          [1, 1],
          [1, 1],
        ],
        [
          [1, 0],
          [1, 1],
          [-1, -1],
        ],
      ),
      [0, -1, 1],
    );
  });

  it('binaryCrossentropy on probabilities matches tf.metrics.binaryCrossentropy', () => {
    expectClose(
      L.binaryCrossentropy(binaryLabels, binaryProbs),
      values(tf.metrics.binaryCrossentropy(t2(binaryLabels), t2(binaryProbs))),
    );
    // Keras's docstring example.
    expectClose(
      L.binaryCrossentropy(
        [
          [0, 1],
          [0, 0],
        ],
        [
          [0.6, 0.4],
          [0.4, 0.6],
        ],
      ),
      [0.9162907, 0.7135581],
    );
  });

  it('binaryCrossentropy on logits matches tf.losses.sigmoidCrossEntropy, with and without smoothing', () => {
    for (const labelSmoothing of [0, 0.2]) {
      const ref = tf.losses.sigmoidCrossEntropy(
        t2(binaryLabels),
        t2(logits),
        undefined,
        labelSmoothing,
        tf.Reduction.NONE,
      );
      expectClose(
        L.binaryCrossentropy(binaryLabels, logits, { fromLogits: true, labelSmoothing }),
        rowMeans(ref),
      );
    }
  });

  it('categoricalCrossentropy on probabilities (normalized first) matches tf.metrics', () => {
    for (const p of [probs, unnormalized]) {
      expectClose(
        L.categoricalCrossentropy(oneHot, p),
        values(tf.metrics.categoricalCrossentropy(t2(oneHot), t2(p))),
      );
    }
    expectClose(
      L.categoricalCrossentropy(
        [
          [0, 1, 0],
          [0, 0, 1],
        ],
        [
          [0.05, 0.95, 0],
          [0.1, 0.8, 0.1],
        ],
      ),
      [0.0512933, Math.LN10],
    );
  });

  it('categoricalCrossentropy on logits matches tf.losses.softmaxCrossEntropy, with and without smoothing', () => {
    for (const labelSmoothing of [0, 0.1]) {
      const ref = tf.losses.softmaxCrossEntropy(
        t2(oneHot),
        t2(logits),
        undefined,
        labelSmoothing,
        tf.Reduction.NONE,
      );
      expectClose(
        L.categoricalCrossentropy(oneHot, logits, { fromLogits: true, labelSmoothing }),
        values(ref),
      );
    }
  });

  it('sparseCategoricalCrossentropy matches tfjs (probabilities) and the one-hot softmax form (logits)', () => {
    const ref = tfLoss('sparseCategoricalCrossentropy')(tf.tensor1d(classes), t2(probs));
    expectClose(L.sparseCategoricalCrossentropy(classes, probs), values(ref));
    expectClose(
      L.sparseCategoricalCrossentropy(tensor(classes, [B, 1], 'int32'), probs),
      values(ref),
    );
    // tfjs-layers' sparse loss clips its input to [ε, 1 − ε] even for logits, so the logits form
    // is checked against tf.losses.softmaxCrossEntropy on one-hot labels (Keras's formula).
    const refLogits = tf.losses.softmaxCrossEntropy(
      t2(oneHot),
      t2(logits),
      undefined,
      0,
      tf.Reduction.NONE,
    );
    expectClose(
      L.sparseCategoricalCrossentropy(classes, logits, { fromLogits: true }),
      values(refLogits),
    );
  });
});

describe('logits forms', () => {
  it('equal the probability forms applied to sigmoid / softmax', () => {
    const x = tensor(logits);
    expectClose(
      L.binaryCrossentropy(binaryLabels, x, { fromLogits: true }),
      L.binaryCrossentropy(binaryLabels, sigmoid(x)),
    );
    expectClose(
      L.categoricalCrossentropy(oneHot, x, { fromLogits: true }),
      L.categoricalCrossentropy(oneHot, softmax(x)),
    );
    expectClose(
      L.sparseCategoricalCrossentropy(classes, x, { fromLogits: true }),
      L.sparseCategoricalCrossentropy(classes, softmax(x)),
    );
  });

  it('stay finite, values and gradients, for logits of ±100', () => {
    const x = [[100, -100, 100, -100]];
    // max(x, 0) − x·z + log(1 + e^(−|x|)) is 0 where the sign agrees with the label, |x| otherwise.
    expectClose(L.binaryCrossentropy([[1, 0, 0, 1]], x, { fromLogits: true }), [50]);
    expectClose(L.categoricalCrossentropy([[0, 1, 0, 0]], x, { fromLogits: true }), [
      200 + Math.log(2),
    ]);
    expectClose(L.sparseCategoricalCrossentropy([1], x, { fromLogits: true }), [200 + Math.log(2)]);
    const fns = [
      (p: Tensor) => L.binaryCrossentropy([[1, 0, 0, 1]], p, { fromLogits: true }).sum(),
      (p: Tensor) => L.categoricalCrossentropy([[0, 1, 0, 0]], p, { fromLogits: true }).sum(),
      (p: Tensor) => L.sparseCategoricalCrossentropy([1], p, { fromLogits: true }).sum(),
    ];
    for (const f of fns) {
      const g = grad(f)(tensor(x)).dataSync();
      expect(Array.from(g).every(Number.isFinite)).toBe(true);
    }
  });
});

describe('label smoothing (hand-computed)', () => {
  it('binaryCrossentropy moves labels to y·(1 − s) + s/2', () => {
    // s = 0.2: labels [1, 0] become [0.9, 0.1].
    const expected =
      -(0.9 * Math.log(0.9) + 0.1 * Math.log(0.1) + (0.1 * Math.log(0.2) + 0.9 * Math.log(0.8))) /
      2;
    expectClose(L.binaryCrossentropy([[1, 0]], [[0.9, 0.2]], { labelSmoothing: 0.2 }), [expected]);
  });

  it('categoricalCrossentropy moves labels to y·(1 − s) + s/numClasses', () => {
    // s = 0.3, 3 classes: [0, 1, 0] becomes [0.1, 0.8, 0.1].
    const expected = -(0.1 * Math.log(0.2) + 0.8 * Math.log(0.7) + 0.1 * Math.log(0.1));
    expectClose(
      L.categoricalCrossentropy([[0, 1, 0]], [[0.2, 0.7, 0.1]], { labelSmoothing: 0.3 }),
      [expected],
    );
  });
});

describe('gradients with respect to yPred (float64 central differences)', () => {
  const v = (x: number[][]) => ({ values: x.flat(), shape: [x.length, x[0]!.length] });
  // Errors kept away from the kinks: |p − y| away from 0 (MAE) and from δ = 1 (Huber).
  const offsets = rows(uniform(B * C, 12, 0.2, 0.8)).map((r, i) =>
    r.map((o, j) => ((i + j) % 2 ? o : o + 1.3) * ((i * C + j) % 3 ? 1 : -1)),
  );
  const shifted = targets.map((r, i) => r.map((y, j) => y + offsets[i]![j]!));
  // Margins 1 − y·p kept away from 0 (hinge): |p| in [0.2, 0.7] ∪ [1.3, 2].
  const hingePreds = rows(uniform(B * C, 13, 0.2, 0.7)).map((r, i) =>
    r.map((p, j) => (j % 2 ? p : p + 1.1) * (i % 2 ? -1 : 1)),
  );
  const cases: [string, (p: Tensor) => Tensor, number[][]][] = [
    ['binaryCrossentropy', (p) => L.binaryCrossentropy(binaryLabels, p), binaryProbs],
    [
      'binaryCrossentropy (logits, smoothing)',
      (p) => L.binaryCrossentropy(binaryLabels, p, { fromLogits: true, labelSmoothing: 0.1 }),
      logits,
    ],
    ['categoricalCrossentropy', (p) => L.categoricalCrossentropy(softTargets, p), unnormalized],
    [
      'categoricalCrossentropy (logits)',
      (p) => L.categoricalCrossentropy(oneHot, p, { fromLogits: true }),
      logits,
    ],
    [
      'sparseCategoricalCrossentropy',
      (p) => L.sparseCategoricalCrossentropy(classes, p),
      unnormalized,
    ],
    [
      'sparseCategoricalCrossentropy (logits)',
      (p) => L.sparseCategoricalCrossentropy(classes, p, { fromLogits: true }),
      logits,
    ],
    ['meanSquaredError', (p) => L.meanSquaredError(targets, p), shifted],
    ['meanAbsoluteError', (p) => L.meanAbsoluteError(targets, p), shifted],
    ['meanAbsolutePercentageError', (p) => L.meanAbsolutePercentageError(targets, p), shifted],
    ['meanSquaredLogarithmicError', (p) => L.meanSquaredLogarithmicError(targets, p), predictions],
    ['huber', (p) => L.huber(targets, p), shifted],
    ['logCosh', (p) => L.logCosh(targets, p), shifted],
    ['hinge', (p) => L.hinge(signedLabels, p), hingePreds],
    ['squaredHinge', (p) => L.squaredHinge(signedLabels, p), hingePreds],
    ['categoricalHinge', (p) => L.categoricalHinge(oneHot, p), rows(uniform(B * C, 14, -2, 2))],
    ['kullbackLeiblerDivergence', (p) => L.kullbackLeiblerDivergence(softTargets, p), probs],
    ['poisson', (p) => L.poisson(targets, p), predictions],
    ['cosineSimilarity', (p) => L.cosineSimilarity(targets, p), rows(uniform(B * C, 15, -1, 1))],
  ];

  it('inputs stay away from the kinks the checks must avoid', () => {
    for (let i = 0; i < B; i++) {
      for (let j = 0; j < C; j++) {
        const e = Math.abs(shifted[i]![j]! - targets[i]![j]!);
        expect(Math.min(e, Math.abs(e - 1))).toBeGreaterThan(0.05);
        expect(Math.abs(1 - signedLabels[i]![j]! * hingePreds[i]![j]!)).toBeGreaterThan(0.05);
      }
    }
  });

  for (const [name, fn, input] of cases) {
    it(name, () => {
      gradCheck(fn, [v(input)]);
    });
  }
});

describe('sample weights and reductions (hand-computed)', () => {
  // Per-sample MSE: [0.5, 0.5, 1].
  const yTrue = [
    [0, 1],
    [0, 0],
    [1, 1],
  ];
  const yPred = [
    [1, 1],
    [1, 0],
    [0, 0],
  ];

  it('call gives per-sample losses; apply reduces them', () => {
    expectClose(new L.MeanSquaredError().call(yTrue, yPred), [0.5, 0.5, 1]);
    expectClose(new L.MeanSquaredError().apply(yTrue, yPred), 2 / 3);
    expectClose(new L.MeanSquaredError({ reduction: 'sum' }).apply(yTrue, yPred), 2);
    expectClose(new L.MeanSquaredError({ reduction: 'none' }).apply(yTrue, yPred), [0.5, 0.5, 1]);
  });

  it('weights multiply the per-sample losses; sum_over_batch_size divides by the number of losses', () => {
    const w = [1, 2, 0.5];
    // Weighted: [0.5, 1, 0.5].
    expectClose(new L.MeanSquaredError().apply(yTrue, yPred, w), 2 / 3);
    expectClose(new L.MeanSquaredError({ reduction: 'sum' }).apply(yTrue, yPred, w), 2);
    expectClose(
      new L.MeanSquaredError({ reduction: 'none' }).apply(yTrue, yPred, w),
      [0.5, 1, 0.5],
    );
    expectClose(
      new L.MeanSquaredError({ reduction: 'none' }).apply(yTrue, yPred, [[1], [2], [0.5]]),
      [0.5, 1, 0.5],
    );
    expectClose(new L.MeanSquaredError({ reduction: 'sum' }).apply(yTrue, yPred, 3), 6);
    expectClose(new L.MeanSquaredError().apply(yTrue, yPred, [0, 0, 1]), 1 / 3);
  });

  it('one weight per sample broadcasts over per-timestep losses', () => {
    // Shape [2, 3, 1]: losses [2, 3] = squared errors.
    const t = [
      [[0], [0], [0]],
      [[0], [0], [0]],
    ];
    const p = [
      [[1], [2], [3]],
      [[1], [1], [1]],
    ];
    const loss = new L.MeanSquaredError();
    expectClose(loss.call(t, p), [
      [1, 4, 9],
      [1, 1, 1],
    ]);
    expectClose(loss.apply(t, p, [1, 0]), 14 / 6);
    expectClose(
      new L.MeanSquaredError({ reduction: 'sum' }).apply(t, p, [
        [1, 0, 0],
        [1, 1, 1],
      ]),
      4,
    );
  });

  it('weights that do not fit the losses raise a ShapeError', () => {
    expect(() => new L.MeanSquaredError().apply(yTrue, yPred, [1, 2])).toThrow(ShapeError);
    expect(() => new L.MeanSquaredError().apply(yTrue, yPred, [[1, 2, 3]])).toThrow(
      /sample weights of shape \[1, 3\]/,
    );
  });

  it('ignoreClass zeroes those samples and averages over the others', () => {
    const p = [
      [0.05, 0.95, 0],
      [0, 0, 0],
      [0.1, 0.8, 0.1],
    ];
    const loss = new L.SparseCategoricalCrossentropy({ ignoreClass: -1 });
    const kept = [-Math.log(0.95), -Math.log(0.1)];
    expectClose(loss.call([1, -1, 2], p), [kept[0]!, 0, kept[1]!]);
    expectClose(loss.apply([1, -1, 2], p), (kept[0]! + kept[1]!) / 2);
    expectClose(loss.apply([[1], [-1], [2]], p, [2, 5, 1]), (2 * kept[0]! + kept[1]!) / 2);
    expectClose(
      new L.SparseCategoricalCrossentropy({ ignoreClass: -1, reduction: 'sum' }).apply(
        [1, -1, 2],
        p,
      ),
      kept[0]! + kept[1]!,
    );
    const g = grad((x) => loss.apply([1, -1, 2], x))(tensor(p)).arraySync() as number[][];
    expect(g[1]).toEqual([0, 0, 0]);
  });

  it('an invalid reduction is refused', () => {
    expect(() => new L.MeanSquaredError({ reduction: 'mean' as L.Reduction })).toThrow(
      /reduction must be one of/,
    );
  });
});

describe('shape and label errors', () => {
  it('categoricalCrossentropy with class-index labels names both shapes and the sparse loss', () => {
    const labels = tensor(new Array(32).fill(1));
    const preds = tensor(new Array(320).fill(0.1), [32, 10]);
    const call = () => L.categoricalCrossentropy(labels, preds);
    expect(call).toThrow(ShapeError);
    expect(call).toThrow(
      /categoricalCrossentropy: labels of shape \[32\] do not fit predictions of shape \[32, 10\].*sparseCategoricalCrossentropy/,
    );
    expect(() =>
      new L.CategoricalCrossentropy().apply(tensor(new Array(32).fill(1), [32, 1]), preds),
    ).toThrow(/sparseCategoricalCrossentropy/);
  });

  it('elementwise losses name the loss and both shapes', () => {
    expect(() => L.meanSquaredError(targets, [[1, 2, 3]])).toThrow(
      /meanSquaredError: labels of shape \[6, 4\] do not fit predictions of shape \[1, 3\]/,
    );
    expect(() => L.hinge([1, 2, 3], [[1, 2]])).toThrow(ShapeError);
    expect(() => L.binaryCrossentropy(classes, probs)).toThrow(/sparseCategoricalCrossentropy/);
  });

  it('categoricalCrossentropy refuses a single class', () => {
    expect(() => L.categoricalCrossentropy([[1], [0]], [[0.3], [0.6]])).toThrow(
      /binaryCrossentropy/,
    );
  });

  it('sparseCategoricalCrossentropy checks label values and shapes', () => {
    expect(() => L.sparseCategoricalCrossentropy([0, 4, 1, 2, 3, 0], probs)).toThrow(ValueError);
    expect(() => L.sparseCategoricalCrossentropy([0, 4, 1, 2, 3, 0], probs)).toThrow(
      /label 4 .*out of range \[0, 4\)/,
    );
    expect(() => L.sparseCategoricalCrossentropy([0, -1, 1, 2, 3, 0], probs)).toThrow(/label -1/);
    expect(() => L.sparseCategoricalCrossentropy([0, 1.5, 1, 2, 3, 0], probs)).toThrow(
      /label 1.5 .*not an integer/,
    );
    expect(() => L.sparseCategoricalCrossentropy(oneHot, probs)).toThrow(
      /look one-hot: use categoricalCrossentropy/,
    );
    expect(() => L.sparseCategoricalCrossentropy([0, 1], probs)).toThrow(ShapeError);
  });

  it('options are validated', () => {
    expect(() => new L.BinaryCrossentropy({ labelSmoothing: 2 })).toThrow(
      /labelSmoothing must be a number in \[0, 1\]/,
    );
    expect(() => L.huber(targets, predictions, { delta: -1 })).toThrow(ValueError);
    expect(() => L.categoricalCrossentropy(oneHot, probs, { axis: 2 })).toThrow(
      /axis 2 is out of range/,
    );
    expect(() => L.BinaryCrossentropy.fromConfig({ fromLogit: true })).toThrow(
      /unknown option 'fromLogit'/,
    );
  });
});

describe('ids and getLoss', () => {
  const expected: [L.LossId, string][] = [
    ['binaryCrossentropy', 'BinaryCrossentropy'],
    ['binary_crossentropy', 'BinaryCrossentropy'],
    ['bce', 'BinaryCrossentropy'],
    ['categorical_crossentropy', 'CategoricalCrossentropy'],
    ['sparse_categorical_crossentropy', 'SparseCategoricalCrossentropy'],
    ['mse', 'MeanSquaredError'],
    ['MSE', 'MeanSquaredError'],
    ['mean_squared_error', 'MeanSquaredError'],
    ['mae', 'MeanAbsoluteError'],
    ['mape', 'MeanAbsolutePercentageError'],
    ['msle', 'MeanSquaredLogarithmicError'],
    ['huber', 'Huber'],
    ['log_cosh', 'LogCosh'],
    ['logcosh', 'LogCosh'],
    ['hinge', 'Hinge'],
    ['squared_hinge', 'SquaredHinge'],
    ['categorical_hinge', 'CategoricalHinge'],
    ['kld', 'KLDivergence'],
    ['kl_divergence', 'KLDivergence'],
    ['kullbackLeiblerDivergence', 'KLDivergence'],
    ['poisson', 'Poisson'],
    ['cosine_similarity', 'CosineSimilarity'],
    ['Huber', 'Huber'],
  ];

  it('every id and alias resolves to its class with Keras default names', () => {
    for (const [id, cls] of expected) {
      const loss = L.getLoss(id);
      expect((loss.constructor as typeof L.Loss).className, id).toBe(cls);
    }
    expect(L.getLoss('mse').name).toBe('mean_squared_error');
    expect(L.getLoss('huber').name).toBe('huber_loss');
    expect(L.getLossFunction('mse')).toBe(L.meanSquaredError);
  });

  it('getLoss passes losses through, wraps functions, and deserializes configs', () => {
    const loss = new L.Huber({ delta: 2 });
    expect(L.getLoss(loss)).toBe(loss);
    const custom = L.getLoss((t, p) => L.meanAbsoluteError(t, p).mul(2));
    expect(custom).toBeInstanceOf(L.LossFunctionWrapper);
    expectClose(custom.apply([[0, 1]], [[1, 1]]), 1);
    const huber = L.getLoss({ className: 'Huber', config: { delta: 2 } });
    expect(huber).toBeInstanceOf(L.Huber);
    expect((huber as L.Huber).options.delta).toBe(2);
  });

  it('an unknown id gives a ValueError listing the valid ids', () => {
    expect(() => L.getLoss('nope' as L.LossId)).toThrow(ValueError);
    expect(() => L.getLoss('nope' as L.LossId)).toThrow(
      /unknown loss 'nope'.*Valid ids: binaryCrossentropy, categoricalCrossentropy/,
    );
    expect(() => L.getLoss('Mean_Squared_Error' as L.LossId)).toThrow(
      /Did you mean 'meanSquaredError'/,
    );
    expect(() => L.getLoss('softmaxCrossEntropy' as L.LossId)).toThrow(
      /Did you mean 'categoricalCrossentropy'/,
    );
    expect(() => L.getLoss({ className: 'Nope', config: {} })).toThrow(/unknown loss class 'Nope'/);
  });
});

describe('serialization', () => {
  const instances: L.Loss[] = [
    new L.BinaryCrossentropy({
      fromLogits: true,
      labelSmoothing: 0.1,
      axis: -1,
      name: 'bce',
      reduction: 'sum',
    }),
    new L.CategoricalCrossentropy({ fromLogits: true, labelSmoothing: 0.2 }),
    new L.SparseCategoricalCrossentropy({ fromLogits: true, ignoreClass: 2, reduction: 'none' }),
    new L.SparseCategoricalCrossentropy(),
    new L.MeanSquaredError({ name: 'm' }),
    new L.MeanAbsoluteError(),
    new L.MeanAbsolutePercentageError(),
    new L.MeanSquaredLogarithmicError(),
    new L.Huber({ delta: 0.7 }),
    new L.LogCosh(),
    new L.Hinge(),
    new L.SquaredHinge(),
    new L.CategoricalHinge(),
    new L.KLDivergence(),
    new L.Poisson(),
    new L.CosineSimilarity({ axis: 1 }),
    new L.LossFunctionWrapper('mape', { reduction: 'sum' }),
  ];

  it('getConfig → JSON → fromConfig rebuilds every class with the same config and values', () => {
    const t = [
      [0, 1, 0, 0],
      [0, 0, 0, 1],
    ];
    const sparse = [1, 3];
    const p = [
      [0.2, 0.5, 0.2, 0.1],
      [0.1, 0.2, 0.3, 0.4],
    ];
    for (const loss of instances) {
      const cls = loss.constructor as typeof L.Loss;
      const json: SerializedObject = JSON.parse(
        JSON.stringify({ className: cls.className, config: loss.getConfig() }),
      );
      const back = deserialize<L.Loss>('loss', json);
      expect(back.constructor).toBe(loss.constructor);
      expect(back.getConfig()).toEqual(loss.getConfig());
      const labels = loss instanceof L.SparseCategoricalCrossentropy ? sparse : t;
      expectClose(back.apply(labels, p), loss.apply(labels, p));
    }
  });

  it('a wrapper of a custom function refuses to serialize', () => {
    expect(() => new L.LossFunctionWrapper((t, p) => L.meanSquaredError(t, p)).getConfig()).toThrow(
      /custom function cannot be serialized/,
    );
  });
});
