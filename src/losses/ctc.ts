/**
 * The CTC loss for `compile`, as Keras 3's `keras.losses.ctc` / `keras.losses.CTC`: padded
 * integer labels in, per-frame logits out, lengths inferred.
 */
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { ctcLoss } from '../ops/ctc.js';
import { registerSerializable } from '../serialization.js';
import { type Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import { Loss, type LossOptions, checkOptionKeys, toPredictions } from './core.js';

/**
 * CTC loss with Keras 3's length inference: class 0 is the blank and the padding, every sample
 * uses all the frames of `yPred`, and a sample's label length is its number of non-zero
 * entries. Labels must therefore be left-aligned and padded with 0 at the end; a 0 before a
 * label is an error here (Keras would silently read the wrong labels). See {@link ctcLoss} for
 * the computation, the +∞ of impossible alignments and the error for labels longer than the
 * input.
 *
 * Formula: `ctcLoss(yTrue, yPred, Σ_j [yTrue[:, j] ≠ 0], maxTime, {maskIndex: 0})`.
 *
 * Shape: `yTrue` `[batch, maxLabelLength]` integer (or integer-valued float) labels in
 * [1, numClasses); `yPred` `[batch, maxTime, numClasses]` logits (not softmax outputs); the
 * result is `[batch]`.
 * @example ctc([[1, 2, 0]], logits) // logits of shape [1, T, numClasses], T ≥ 2
 */
export function ctc(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const op = 'ctc';
  const p = toPredictions(yPred, op);
  const t = convertToTensor(yTrue, op, 'yTrue');
  if (t.rank !== 2) {
    throw new ShapeError(
      `${op}: labels yTrue must have shape [batch, maxLabelLength] (integer labels padded with 0), got ${fmtShape(t.shape)}`,
    );
  }
  if (p.rank !== 3) {
    throw new ShapeError(
      `${op}: predictions yPred must have shape [batch, maxTime, numClasses] (logits per frame), got ${fmtShape(p.shape)}`,
    );
  }
  if (t.shape[0] !== p.shape[0]) {
    throw new ShapeError(
      `${op}: labels of shape ${fmtShape(t.shape)} and predictions of shape ${fmtShape(p.shape)} differ in batch size`,
    );
  }
  const [batch, width] = t.shape as [number, number];
  const v = t.dataSync();
  const labelLength = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    let n = 0;
    for (let j = 0; j < width; j++) {
      if (v[b * width + j] === 0) continue;
      if (v[b * width + j] === -1) {
        throw new ValueError(
          `${op}: sample ${b}: label -1 at position ${j}; pad labels with 0 (the blank), not -1`,
        );
      }
      if (n < j) {
        throw new ValueError(
          `${op}: sample ${b}: label ${v[b * width + j]} at position ${j} follows a 0; class 0 is the blank and the padding, so labels must come first and 0s only at the end`,
        );
      }
      n++;
    }
    labelLength[b] = n;
  }
  const inputLength = new Int32Array(batch).fill(p.shape[1]!);
  return ctcLoss(t, p, labelLength, inputLength, { maskIndex: 0 });
}

/**
 * {@link ctc} as a loss object for `compile`, Keras 3's `keras.losses.CTC` (default name
 * `'ctc'`).
 *
 * Formula: `reduce(ctc(yTrue, yPred) · w)`; the default reduction averages over the batch.
 *
 * Shape: as {@link ctc}; `apply` returns a scalar unless `reduction` is `'none'`.
 * @example model.compile({ optimizer: 'adam', loss: new CTC() }) // yTrue: labels padded with 0
 */
export class CTC extends Loss {
  static override readonly className = 'CTC';
  readonly options = {};

  constructor(opts: LossOptions = {}) {
    super(opts, 'ctc');
    checkOptionKeys('CTC', opts, ['name', 'reduction']);
  }

  call(yTrue: TensorLike, yPred: TensorLike): Tensor {
    return ctc(yTrue, yPred);
  }
}

registerSerializable('loss', CTC);
