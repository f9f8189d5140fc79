import { getBackend } from '../backend/registry.js';
/**
 * The worker's side of training in a worker: {@link serveTraining} answers the page's messages
 * (see `trainer_client.ts`) with a model of its own, rebuilt from the page model's Keras JSON,
 * weights and compile config, so that the page's thread stays free while this one trains.
 */
import { Callback, type Logs } from '../callbacks/callback.js';
import { TesseraError, ValueError } from '../errors.js';
import { compileArgsFromKeras } from '../io/keras_config.js';
import { modelFromJson } from '../io/keras_config/from_keras.js';
import { nodeBuiltin } from '../io/node_builtin.js';
import type { Model } from '../models/model.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  type Endpoint,
  type FromWorker,
  type ToWorker,
  type WireData,
  buffersOf,
  fromWire,
  listen,
  toWire,
} from './protocol.js';

/** The endpoint a worker talks to its page through: `self` in a browser, `parentPort` in Node. */
function defaultEndpoint(): Endpoint {
  const g = globalThis as unknown as Partial<Endpoint> & { document?: unknown };
  if (
    typeof g.postMessage === 'function' &&
    typeof g.addEventListener === 'function' &&
    !g.document
  )
    return g as Endpoint;
  const port = nodeBuiltin<{ parentPort: Endpoint | null }>('worker_threads').parentPort;
  if (!port)
    throw new ValueError(
      'serveTraining: not running in a worker (no worker global scope, no worker_threads parentPort)',
    );
  return port;
}

function data(w: WireData): Tensor | Tensor[] {
  return Array.isArray(w) ? w.map(fromWire) : fromWire(w);
}

/** Posts the page each epoch's end and waits for its answer (a callback there may stop fit). */
class Relay extends Callback {
  constructor(
    private readonly send: (m: FromWorker) => void,
    private readonly id: number,
    private readonly batchEvents: boolean,
    private readonly answer: () => Promise<boolean>,
  ) {
    super();
  }

  onTrainBegin(): void {
    this.send({ kind: 'trainBegin', id: this.id, params: { ...this.params } });
  }

  onEpochBegin(epoch: number): void {
    this.send({ kind: 'epochBegin', id: this.id, epoch });
  }

  onTrainBatchEnd(batch: number, logs: Logs): void {
    if (this.batchEvents) this.send({ kind: 'batchEnd', id: this.id, batch, logs: { ...logs } });
  }

  async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    this.send({ kind: 'epochEnd', id: this.id, epoch, logs: { ...logs } });
    if (await this.answer()) this.model!.stopTraining = true;
  }
}

/**
 * Serves a page's training requests from inside a worker: call it once in the worker's script.
 * The page drives it with {@link trainInWorker}; the model, its optimizer state and the data of
 * each call live here, and the page gets the trained weights, the logs of every epoch (its own
 * callbacks run there) and the results of `evaluate` and `predict`.
 *
 * Formula: page.fit(x, y) ≡ worker.fit(x, y), then page.setWeights(worker.getWeights()).
 *
 * Shape: tensors cross as copies of their values; the model's input and output shapes are the
 * page model's.
 *
 * @example
 * // train.worker.js (bundled as a module worker)
 * import { serveTraining } from 'tessera-ml';
 * serveTraining();
 */
export function serveTraining(endpoint: Endpoint = defaultEndpoint()): void {
  let model: Model | null = null;
  let pendingAnswer: ((stop: boolean) => void) | null = null;
  const send = (m: FromWorker, transfer: ArrayBuffer[] = []) => endpoint.postMessage(m, transfer);
  const needModel = (): Model => {
    if (!model) throw new ValueError('serveTraining: no model yet (the page sends it first)');
    return model;
  };

  const handle = async (msg: ToWorker): Promise<void> => {
    switch (msg.kind) {
      case 'init': {
        const m = modelFromJson(msg.modelJson);
        m.setWeights(msg.weights.map(fromWire));
        if (msg.compileConfig) {
          const args = compileArgsFromKeras({ compile_config: msg.compileConfig });
          if (args) m.compile(args);
        }
        model = m;
        send({ kind: 'ready', id: msg.id, backend: getBackend().name });
        return;
      }
      case 'fit': {
        const m = needModel();
        const relay = new Relay(
          send,
          msg.id,
          msg.batchEvents,
          () =>
            new Promise<boolean>((resolve) => {
              pendingAnswer = resolve;
            }),
        );
        const history = await m.fit(data(msg.x), data(msg.y), {
          ...msg.args,
          validationData: msg.validation
            ? [data(msg.validation[0]), data(msg.validation[1])]
            : undefined,
          verbose: 0,
          callbacks: [relay],
        });
        const weights = m.getWeights().map((w) => toWire(w, 'serveTraining'));
        send({ kind: 'done', id: msg.id, history: history.history, weights }, buffersOf(weights));
        return;
      }
      case 'evaluate': {
        const logs = needModel().evaluate(data(msg.x), data(msg.y), { batchSize: msg.batchSize });
        send({ kind: 'logs', id: msg.id, logs });
        return;
      }
      case 'predict': {
        const out = needModel().predict(data(msg.x), { batchSize: msg.batchSize });
        const values = (Array.isArray(out) ? out : [out]).map((t) => toWire(t, 'serveTraining'));
        send({ kind: 'result', id: msg.id, values }, buffersOf(values));
        return;
      }
      case 'weights': {
        const weights = needModel()
          .getWeights()
          .map((w) => toWire(w, 'serveTraining'));
        send({ kind: 'done', id: msg.id, weights }, buffersOf(weights));
        return;
      }
      case 'continue': {
        const answer = pendingAnswer;
        pendingAnswer = null;
        answer?.(msg.stop);
        return;
      }
    }
  };

  listen(endpoint, (raw) => {
    const msg = raw as ToWorker;
    handle(msg).catch((e: unknown) => {
      const err = e instanceof Error ? e : new Error(String(e));
      send({
        kind: 'error',
        id: msg.id,
        name: err instanceof TesseraError ? err.name : err.name || 'Error',
        message: err.message,
      });
    });
  });
}
