/**
 * The page's side of training in a worker: {@link trainInWorker} hands a model to a worker that
 * runs {@link serveTraining}, and the returned {@link WorkerTrainer} fits, evaluates and
 * predicts there while the page's own thread stays free to draw. The page's callbacks run on
 * the page, driven by the worker's events, and the page's model gets the trained weights.
 */
import {
  type Callback,
  type CallbackHooks,
  CallbackList,
  History,
  type Logs,
  type TrainingParams,
} from '../callbacks/callback.js';
import { TesseraError, ValueError } from '../errors.js';
import { compileConfigToKeras } from '../io/keras_config.js';
import { modelToJson } from '../io/keras_config/to_keras.js';
import type { Model } from '../models/model.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  type Endpoint,
  type FromWorker,
  type ToWorker,
  type WireData,
  type WireFitArgs,
  buffersOf,
  fromWire,
  listen,
  toWire,
} from './protocol.js';

/** Options of {@link WorkerTrainer.fit}: `fit`'s options that make sense across threads. */
export interface WorkerFitArgs extends WireFitArgs {
  /** `[x, y]` held out for validation after each epoch. */
  validationData?: readonly [Tensor | Tensor[], Tensor | Tensor[]];
  /**
   * Callbacks run on the page as the worker trains (e.g. `fitCallbacks(element)` for live
   * curves); one that sets `model.stopTraining` stops the worker after the epoch.
   */
  callbacks?: readonly (Callback | CallbackHooks)[];
  /** Copy the worker's weights into the page's model after every epoch (default: at the end). */
  syncWeightsEachEpoch?: boolean;
}

/** An error the worker reported, with the name of the error it threw there. */
export class WorkerTrainingError extends TesseraError {
  static override readonly errorName = 'WorkerTrainingError';
  constructor(
    message: string,
    /** The name of the error thrown in the worker (e.g. `ValueError`). */
    readonly workerErrorName: string,
  ) {
    super(message);
  }
}

function wire(x: Tensor | Tensor[], where: string): WireData {
  return Array.isArray(x) ? x.map((t) => toWire(t, where)) : toWire(x, where);
}

/**
 * A model's twin inside a worker, made by {@link trainInWorker}. Calls run one at a time, in
 * the order they were made.
 */
export class WorkerTrainer {
  private nextId = 1;
  private readonly waiting = new Map<number, (m: FromWorker) => void>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly stopListening: () => void;
  /** The backend the worker trains on (`backendInfo().name` there). */
  backend = '';

  /** @internal Use {@link trainInWorker}. */
  constructor(
    private readonly endpoint: Endpoint,
    /** The page's model: it gets the trained weights. */
    readonly model: Model,
  ) {
    this.stopListening = listen(endpoint, (raw) => {
      const m = raw as FromWorker;
      this.waiting.get(m.id)?.(m);
    });
  }

  /** Sends a request and calls `onMessage` with each message of its answer until it resolves. */
  private request<T>(
    msg: ToWorker,
    transfer: ArrayBuffer[],
    onMessage: (m: FromWorker, finish: (v: T) => void) => void | Promise<void>,
  ): Promise<T> {
    const run = () =>
      new Promise<T>((resolve, reject) => {
        const finish = (v: T) => {
          this.waiting.delete(msg.id);
          resolve(v);
        };
        // The answer's messages are handled one after another, in order, even when a handler
        // awaits (a page callback that returns a promise).
        let chain: Promise<void> = Promise.resolve();
        this.waiting.set(msg.id, (m) => {
          if (m.kind === 'error') {
            this.waiting.delete(msg.id);
            reject(new WorkerTrainingError(`training worker: ${m.name}: ${m.message}`, m.name));
            return;
          }
          chain = chain
            .then(() => onMessage(m, finish))
            .catch((e: unknown) => {
              this.waiting.delete(msg.id);
              reject(e);
            });
        });
        this.endpoint.postMessage(msg, transfer);
      });
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private id(): number {
    return this.nextId++;
  }

  /** @internal Sends the model; resolves when the worker has built and compiled its twin. */
  async init(): Promise<void> {
    const weights = this.model.getWeights().map((w) => toWire(w, 'trainInWorker'));
    const msg: ToWorker = {
      kind: 'init',
      id: this.id(),
      modelJson: modelToJson(this.model),
      weights,
      compileConfig: this.model.compiled ? compileConfigToKeras(this.model) : null,
    };
    this.backend = await this.request<string>(msg, buffersOf(weights), (m, finish) => {
      if (m.kind === 'ready') finish(m.backend);
    });
  }

  /**
   * Trains the worker's model on `x`, `y` as `model.fit` would, running `callbacks` on the page
   * at each event, and copies the trained weights into the page's model.
   *
   * Formula: as `fit`; the page's weights become the worker's at the end (or each epoch).
   *
   * Shape: x `[samples, ...inputShape]`, y `[samples, ...outputShape]` (lists for several).
   *
   * @example
   * const history = await trainer.fit(x, y, { epochs: 5, batchSize: 32, callbacks: [fitCallbacks(div)] });
   */
  fit(x: Tensor | Tensor[], y: Tensor | Tensor[], args: WorkerFitArgs = {}): Promise<History> {
    if (!this.model.compiled)
      throw new ValueError('WorkerTrainer.fit: compile the model on the page before trainInWorker');
    const { validationData, callbacks = [], syncWeightsEachEpoch = false, ...rest } = args;
    const batchEvents = callbacks.some((c) => {
      const h = c as CallbackHooks;
      return typeof h.onTrainBatchEnd === 'function' || typeof h.onBatchEnd === 'function';
    });
    const wx = wire(x, 'WorkerTrainer.fit');
    const wy = wire(y, 'WorkerTrainer.fit');
    const validation: [WireData, WireData] | null = validationData
      ? [wire(validationData[0], 'WorkerTrainer.fit'), wire(validationData[1], 'WorkerTrainer.fit')]
      : null;
    const id = this.id();
    const msg: ToWorker = {
      kind: 'fit',
      id,
      x: wx,
      y: wy,
      validation,
      args: rest,
      batchEvents,
    };
    const history = new History();
    let list: CallbackList | null = null;
    const model = this.model;
    return this.request<History>(
      msg,
      buffersOf(wx, wy, ...(validation ?? [])),
      async (m, finish) => {
        switch (m.kind) {
          case 'trainBegin':
            model.stopTraining = false;
            list = new CallbackList(
              [history, ...callbacks],
              model,
              m.params as unknown as TrainingParams,
            );
            await list.call('onTrainBegin', {});
            return;
          case 'epochBegin':
            await list?.call('onEpochBegin', m.epoch, {});
            return;
          case 'batchEnd':
            await list?.call('onTrainBatchEnd', m.batch, m.logs);
            return;
          case 'epochEnd': {
            if (syncWeightsEachEpoch) await this.pullWeights(true);
            await list?.call('onEpochEnd', m.epoch, m.logs);
            this.endpoint.postMessage(
              {
                kind: 'continue',
                id,
                stop: model.stopTraining,
              } satisfies ToWorker,
              [],
            );
            return;
          }
          case 'done': {
            model.setWeights(m.weights.map(fromWire));
            const last: Logs = {};
            for (const [k, v] of Object.entries(history.history)) last[k] = v[v.length - 1]!;
            await list?.call('onTrainEnd', last);
            finish(history);
            return;
          }
        }
      },
    );
  }

  /**
   * Loss and metrics of the worker's model on `x`, `y` (test mode), as `model.evaluate`.
   *
   * Shape: x `[samples, ...inputShape]`, y `[samples, ...outputShape]`.
   *
   * @example const { loss, accuracy } = await trainer.evaluate(xTest, yTest);
   */
  evaluate(
    x: Tensor | Tensor[],
    y: Tensor | Tensor[],
    args: { batchSize?: number } = {},
  ): Promise<Record<string, number>> {
    const wx = wire(x, 'WorkerTrainer.evaluate');
    const wy = wire(y, 'WorkerTrainer.evaluate');
    const msg: ToWorker = {
      kind: 'evaluate',
      id: this.id(),
      x: wx,
      y: wy,
      batchSize: args.batchSize,
    };
    return this.request(msg, buffersOf(wx, wy), (m, finish) => {
      if (m.kind === 'logs') finish(m.logs);
    });
  }

  /**
   * The worker model's outputs for `x`, as `model.predict`.
   *
   * Shape: x `[samples, ...inputShape]` → `[samples, ...outputShape]`.
   *
   * @example const probs = await trainer.predict(xTest);
   */
  predict(x: Tensor | Tensor[], args: { batchSize?: number } = {}): Promise<Tensor | Tensor[]> {
    const wx = wire(x, 'WorkerTrainer.predict');
    const msg: ToWorker = { kind: 'predict', id: this.id(), x: wx, batchSize: args.batchSize };
    return this.request(msg, buffersOf(wx), (m, finish) => {
      if (m.kind !== 'result') return;
      const out = m.values.map(fromWire);
      finish(out.length === 1 ? out[0]! : out);
    });
  }

  /** Copies the worker model's current weights into the page's model. */
  async pullWeights(duringFit = false): Promise<void> {
    const msg: ToWorker = { kind: 'weights', id: this.id() };
    if (duringFit) {
      // Inside fit's own request: ask directly, outside the queue the fit is holding.
      await new Promise<void>((resolve) => {
        this.waiting.set(msg.id, (m) => {
          if (m.kind !== 'done') return;
          this.waiting.delete(msg.id);
          this.model.setWeights(m.weights.map(fromWire));
          resolve();
        });
        this.endpoint.postMessage(msg, []);
      });
      return;
    }
    await this.request<void>(msg, [], (m, finish) => {
      if (m.kind !== 'done') return;
      this.model.setWeights(m.weights.map(fromWire));
      finish();
    });
  }

  /** Stops listening to the worker (the worker itself is the caller's to terminate). */
  close(): void {
    this.stopListening();
  }
}

/**
 * Hands `model` (built, and compiled if it will be trained) to a worker running
 * {@link serveTraining}, and resolves to a {@link WorkerTrainer} that fits, evaluates and
 * predicts there, so that a page stays responsive while it trains. The worker rebuilds the
 * model from its Keras JSON, weights and compile config; custom layers must be registered in
 * the worker's script too.
 *
 * Formula: trainer.fit(x, y, args) ≡ model.fit(x, y, args), computed in the worker.
 *
 * Shape: the model's own.
 *
 * @example
 * const worker = new Worker(new URL('./train.worker.js', import.meta.url), { type: 'module' });
 * const trainer = await trainInWorker(worker, model);
 * await trainer.fit(x, y, { epochs: 10, callbacks: [fitCallbacks(div)] });
 * model.predict(xTest); // the page's model has the trained weights
 */
export async function trainInWorker(worker: Endpoint, model: Model): Promise<WorkerTrainer> {
  const t = new WorkerTrainer(worker, model);
  try {
    await t.init();
  } catch (e) {
    t.close();
    throw e;
  }
  return t;
}
