/**
 * `Callback`: hooks called by `fit`, `evaluate` and `predict` at the start and end of
 * training, epochs and batches; `CallbackList` dispatches to several; `History` records every
 * epoch's logs and is what `fit` returns.
 */
/**
 * The model types callbacks see, filled in by the models folder through declaration merging
 * (`declare module '…/callback.js' { interface CallbackModelTypes { model: Model } }` in
 * models/model.ts). So `callback.model` has the full `Model` type while this folder imports
 * nothing from models: models imports callbacks (the trainer runs them), never the reverse.
 */
import { nodeBuiltin } from '../io/node_builtin.js';
import { historyChart } from '../vis/charts.js';
import { svgToPng } from '../vis/png.js';

// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging in models/model.ts.
export interface CallbackModelTypes {}

/** The model a callback is attached to: Tessera's `Model`. */
export type Model = CallbackModelTypes extends { model: infer M } ? M : never;

/** Numbers logged by the trainer: `loss`, metric names, `val_` versions, `learning_rate`. */
export type Logs = Record<string, number>;

/** The hooks of a callback; every one is optional and may return a promise. */
export interface CallbackHooks {
  onTrainBegin?(logs: Logs): void | Promise<void>;
  onTrainEnd?(logs: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs): void | Promise<void>;
  onTrainBatchBegin?(batch: number, logs: Logs): void | Promise<void>;
  onTrainBatchEnd?(batch: number, logs: Logs): void | Promise<void>;
  onTestBegin?(logs: Logs): void | Promise<void>;
  onTestEnd?(logs: Logs): void | Promise<void>;
  onTestBatchBegin?(batch: number, logs: Logs): void | Promise<void>;
  onTestBatchEnd?(batch: number, logs: Logs): void | Promise<void>;
  onPredictBegin?(logs: Logs): void | Promise<void>;
  onPredictEnd?(logs: Logs): void | Promise<void>;
  onPredictBatchBegin?(batch: number, logs: Logs): void | Promise<void>;
  onPredictBatchEnd?(batch: number, logs: Logs): void | Promise<void>;
  /** Alias of `onTrainBatchEnd`, as in TensorFlow.js. */
  onBatchEnd?(batch: number, logs: Logs): void | Promise<void>;
  /** Alias of `onTrainBatchBegin`. */
  onBatchBegin?(batch: number, logs: Logs): void | Promise<void>;
}

/** What the trainer tells callbacks about the run. */
export interface TrainingParams {
  epochs: number;
  /**
   * Batches per epoch (or per evaluation/prediction); null while a dataset of unknown length
   * runs its first epoch (then the count that epoch had).
   */
  steps: number | null;
  verbose: number;
  /** Number of samples (null for a dataset). */
  samples: number | null;
  /** Samples per batch (null for a dataset, which is batched already). */
  batchSize: number | null;
}

/**
 * The base class of callbacks; subclass it and override the hooks you need.
 * @example
 * class Printer extends Callback { override onEpochEnd(e: number, logs: Logs) { console.log(e, logs.loss); } }
 */
export class Callback {
  /** The model being trained; set before `onTrainBegin`. */
  model: Model | null = null;
  params: TrainingParams = { epochs: 1, steps: 0, verbose: 0, samples: 0, batchSize: 0 };

  setModel(model: Model): void {
    this.model = model;
  }

  setParams(params: TrainingParams): void {
    this.params = params;
  }
}

type HookName = Exclude<keyof CallbackHooks, 'onBatchEnd' | 'onBatchBegin'>;

/** Calls every callback's hooks in order; accepts plain `{onEpochEnd, …}` objects. */
export class CallbackList {
  readonly callbacks: (Callback | CallbackHooks)[];

  constructor(
    callbacks: readonly (Callback | CallbackHooks)[],
    model: Model,
    params: TrainingParams,
  ) {
    this.callbacks = [...callbacks];
    for (const c of this.callbacks) {
      if (c instanceof Callback) {
        c.setModel(model);
        c.setParams(params);
      }
    }
  }

  /**
   * Calls `hook` on every callback without waiting (evaluate and predict are synchronous, as in
   * Keras); a hook that returns a rejected promise has its error reported, not lost.
   */
  callSync(hook: HookName, ...args: [number, Logs] | [Logs]): void {
    for (const c of this.callbacks) {
      const r = this.hookOf(c, hook)?.apply(c, args);
      if (r && typeof (r as Promise<void>).then === 'function') {
        (r as Promise<void>).catch((err: unknown) =>
          console.error(`callback ${hook} failed:`, err),
        );
      }
    }
  }

  private hookOf(
    c: Callback | CallbackHooks,
    hook: HookName,
  ): ((...a: unknown[]) => unknown) | undefined {
    const h = c as CallbackHooks;
    let fn = h[hook] as ((...a: unknown[]) => unknown) | undefined;
    if (!fn && hook === 'onTrainBatchEnd') fn = h.onBatchEnd as typeof fn;
    if (!fn && hook === 'onTrainBatchBegin') fn = h.onBatchBegin as typeof fn;
    return fn;
  }

  /** Calls `hook` on every callback; awaits only those that return a promise. */
  async call(hook: HookName, ...args: [number, Logs] | [Logs]): Promise<void> {
    for (const c of this.callbacks) {
      const r = this.hookOf(c, hook)?.apply(c, args);
      if (r && typeof (r as Promise<void>).then === 'function') await r;
    }
  }
}

/**
 * Records the logs of every epoch: `history.history.loss[e]`, `history.history.val_loss[e]`…
 * `fit` returns it.
 */
export class History extends Callback {
  /** Epoch indices seen. */
  epoch: number[] = [];
  /** Per log key, one value per epoch. */
  history: Record<string, number[]> = {};

  onTrainBegin(): void {
    this.epoch = [];
    this.history = {};
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) {
      this.history[k] ??= [];
      this.history[k].push(v);
    }
  }

  /**
   * The training curves as an SVG picture (a panel per metric, its `val_` twin beside it). With
   * a path (Node), also writes it there: as SVG, or as PNG when the path ends in `.png` (that
   * needs the optional renderer `@resvg/resvg-wasm`; without it the PNG is refused with what
   * to install).
   *
   * Shape: panels of 480 × 300 pixels, stacked.
   * @example const h = await model.fit(x, y, { epochs: 10 }); await h.plot('curves.svg');
   */
  async plot(path?: string): Promise<string> {
    const svg = historyChart(this.history);
    if (path !== undefined) {
      const fs = nodeBuiltin<typeof import('node:fs/promises')>('fs/promises');
      await fs.writeFile(path, /\.png$/i.test(path) ? await svgToPng(svg) : svg);
    }
    return svg;
  }
}
