import type { Logs } from '../callbacks/callback.js';
/**
 * The messages between a page (or a Node thread) and a worker that trains for it, and the
 * tensors inside them: a tensor travels as its dtype, shape and a copy of its values whose
 * buffer is transferred, never shared, so neither side can see the other change it.
 */
import { ValueError } from '../errors.js';
import { tensor } from '../ops/creation.js';
import type { DType } from '../tensor/dtype.js';
import { StringTensor } from '../tensor/string_tensor.js';
import type { Tensor } from '../tensor/tensor.js';

/** A tensor as it crosses to or from the worker. */
export interface WireTensor {
  dtype: DType;
  shape: number[];
  data: ArrayBufferView;
}

/** Tensor data in a message: one tensor, or a list of them (models with several inputs). */
export type WireData = WireTensor | WireTensor[];

/** The fit options that cross to the worker (everything of `FitArgs` but functions and tensors). */
export interface WireFitArgs {
  epochs?: number;
  batchSize?: number;
  shuffle?: boolean;
  validationSplit?: number;
  validationBatchSize?: number;
  validationFreq?: number | number[];
  classWeight?: Record<number, number>;
  initialEpoch?: number;
}

/** What the page sends. */
export type ToWorker =
  | {
      kind: 'init';
      id: number;
      modelJson: string;
      weights: WireTensor[];
      compileConfig: unknown;
    }
  | {
      kind: 'fit';
      id: number;
      x: WireData;
      y: WireData;
      validation: [WireData, WireData] | null;
      args: WireFitArgs;
      /** Batch events wanted (a callback has a batch hook); epoch events always come. */
      batchEvents: boolean;
    }
  | { kind: 'evaluate'; id: number; x: WireData; y: WireData; batchSize?: number }
  | { kind: 'predict'; id: number; x: WireData; batchSize?: number }
  | { kind: 'weights'; id: number }
  /** The page's answer to an epoch's end: go on, or stop (a callback set `stopTraining`). */
  | { kind: 'continue'; id: number; stop: boolean };

/** What the worker sends back. */
export type FromWorker =
  | { kind: 'ready'; id: number; backend: string }
  | { kind: 'trainBegin'; id: number; params: Record<string, unknown> }
  | { kind: 'epochBegin'; id: number; epoch: number }
  | { kind: 'batchEnd'; id: number; batch: number; logs: Logs }
  | { kind: 'epochEnd'; id: number; epoch: number; logs: Logs }
  | { kind: 'done'; id: number; history?: Record<string, number[]>; weights: WireTensor[] }
  | { kind: 'result'; id: number; values: WireTensor[] }
  | { kind: 'logs'; id: number; logs: Logs }
  | { kind: 'error'; id: number; name: string; message: string };

/**
 * Copies a tensor's values out for a message (the copy's buffer can be transferred).
 *
 * Formula: wire.data[i] = t.data[i]. Shape: wire.shape = t.shape.
 *
 * @example endpoint.postMessage({ x: toWire(x, 'fit') });
 */
export function toWire(t: Tensor, where: string): WireTensor {
  if (t instanceof StringTensor)
    throw new ValueError(`${where}: string tensors cannot be sent to a training worker`);
  const data = t.dataSync().slice();
  return { dtype: t.dtype, shape: [...t.shape], data };
}

/**
 * The tensor a message carried.
 *
 * Formula: t.data[i] = wire.data[i]. Shape: t.shape = wire.shape.
 *
 * @example const x = fromWire(msg.x);
 */
export function fromWire(w: WireTensor): Tensor {
  return tensor(w.data as Float32Array, w.shape, w.dtype);
}

/**
 * The buffers to transfer with a message holding these tensors.
 *
 * Formula: one buffer per tensor, in order. Shape: none.
 *
 * @example endpoint.postMessage(msg, buffersOf(msg.x, msg.y));
 */
export function buffersOf(...ws: (WireData | WireTensor[] | null | undefined)[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const w of ws) {
    if (!w) continue;
    for (const t of Array.isArray(w) ? w : [w]) out.push(t.data.buffer as ArrayBuffer);
  }
  return out;
}

/**
 * A message channel as both platforms give it: a browser `Worker`/`DedicatedWorkerGlobalScope`
 * (`addEventListener('message', e => e.data)`) or Node's `worker_threads` `Worker`/`parentPort`
 * (`on('message', data)`).
 */
export interface Endpoint {
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
  addEventListener?(type: 'message', listener: (e: { data: unknown }) => void): void;
  removeEventListener?(type: 'message', listener: (e: { data: unknown }) => void): void;
  on?(type: 'message' | 'error', listener: (data: unknown) => void): unknown;
  off?(type: 'message' | 'error', listener: (data: unknown) => void): unknown;
}

/**
 * Listens for messages on either kind of endpoint; returns the function that stops listening.
 *
 * Formula: onMessage(data) for each message, in order. Shape: none.
 *
 * @example const stop = listen(worker, (data) => console.log(data));
 */
export function listen(ep: Endpoint, onMessage: (data: unknown) => void): () => void {
  if (typeof ep.on === 'function') {
    ep.on('message', onMessage);
    return () => ep.off?.('message', onMessage);
  }
  if (typeof ep.addEventListener === 'function') {
    const l = (e: { data: unknown }) => onMessage(e.data);
    ep.addEventListener('message', l);
    return () => ep.removeEventListener?.('message', l);
  }
  throw new ValueError(
    'worker training: the endpoint has neither on() nor addEventListener() (pass a Worker, a worker_threads Worker or its parentPort)',
  );
}
