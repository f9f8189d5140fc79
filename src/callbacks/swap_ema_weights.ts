/**
 * `SwapEMAWeights`: evaluates and predicts with the optimizer's moving averages of the weights
 * (Keras 3's `keras.callbacks.SwapEMAWeights`).
 */
import { noGrad } from '../autograd/tape.js';
import { ValueError } from '../errors.js';
import { Callback } from './callback.js';

/** Options of {@link SwapEMAWeights}. */
export interface SwapEMAWeightsArgs {
  /**
   * Also swap at each epoch's end (and back at the next epoch's start), so that callbacks
   * running after it at epoch end (e.g. `ModelCheckpoint`) see the EMA weights; after the last
   * epoch the model keeps them. Default false.
   */
  swapOnEpoch?: boolean;
}

/**
 * Swaps the model's weights with the optimizer's exponential moving averages (Polyak
 * averaging) around evaluation and prediction, and swaps them back afterwards, so that
 * training continues from the raw weights. The optimizer must have `useEma: true`.
 *
 * Each swap exchanges, for every trainable variable `w` with average `ŵ`: `w ↔ ŵ`. With
 * `swapOnEpoch`, the swap also happens at every epoch's end; after the last epoch the averages
 * are kept in the model (`ŵ ← w`), as Keras's `finalize`.
 *
 * Differences from Keras 3.15: Keras never swaps back after prediction (its `on_predict_end`
 * tests the wrong flag); this swaps back. Tessera's `fit` runs its validation without the
 * callbacks' test hooks, so validation during `fit` uses the raw weights.
 * @throws ValueError at the first swap when the model's optimizer has no EMA.
 * @example
 * model.compile({ optimizer: new SGD({ useEma: true }), loss: 'mse' });
 * await model.fit(x, y, { epochs: 10, callbacks: [new SwapEMAWeights({ swapOnEpoch: true })] });
 * model.evaluate(xTest, yTest, { callbacks: [new SwapEMAWeights()] });
 */
export class SwapEMAWeights extends Callback {
  readonly swapOnEpoch: boolean;
  private emaInModel = false;

  constructor(args: SwapEMAWeightsArgs = {}) {
    super();
    const s = args.swapOnEpoch ?? false;
    if (typeof s !== 'boolean')
      throw new ValueError(`SwapEMAWeights: swapOnEpoch must be a boolean, got ${String(s)}`);
    this.swapOnEpoch = s;
  }

  private optimizer() {
    const opt = this.model?.optimizer ?? null;
    if (!opt || !opt.useEma) {
      throw new ValueError(
        `SwapEMAWeights: the model's optimizer must be created with useEma: true, got ${opt ? `${(opt.constructor as { className?: string }).className} with useEma=false` : 'no optimizer (compile the model first)'}`,
      );
    }
    return opt;
  }

  private swap(): void {
    this.optimizer().swapEmaWeights();
  }

  onEpochBegin(): void {
    if (this.swapOnEpoch && this.emaInModel) {
      this.swap();
      this.emaInModel = false;
    }
  }

  onEpochEnd(epoch: number): void {
    if (this.swapOnEpoch && !this.emaInModel) {
      this.swap();
      this.emaInModel = true;
      if (epoch === this.params.epochs - 1) {
        // Keep the averages in the model: the averages take the (swapped-in) EMA values.
        const opt = this.optimizer();
        if (opt.built) {
          noGrad(() => {
            for (const v of this.model!.trainableWeights) {
              const avg = opt.getSlot(v, 'average');
              avg.assign(v.value());
            }
          });
        }
      }
    }
  }

  onTestBegin(): void {
    if (!this.emaInModel) {
      this.swap();
      this.emaInModel = true;
    }
  }

  onTestEnd(): void {
    if (this.emaInModel) {
      this.swap();
      this.emaInModel = false;
    }
  }

  onPredictBegin(): void {
    this.onTestBegin();
  }

  onPredictEnd(): void {
    this.onTestEnd();
  }
}
