/**
 * Symbolic tensors and nodes: the graph that the functional API builds before any data flows.
 * A `SymbolicTensor` knows its shape (batch axis `null`), dtype and the node that produced it;
 * a `Node` records one application of a layer to symbolic inputs.
 */
import type { DType } from '../tensor/dtype.js';
import type { Layer } from './layer.js';

/** A shape whose unknown axes (the batch axis, variable lengths) are `null`. */
export type SymbolicShape = readonly (number | null)[];

/**
 * The dtype of a symbolic tensor: a numeric dtype, or `'string'` for text inputs (an
 * `input({ dtype: 'string' })` feeding the text layers, which turn it into numbers).
 */
export type SymbolicDType = DType | 'string';

let nextSymbolicId = 0;

/**
 * A placeholder for a tensor in a model graph: what `input()` returns and what layers return
 * when applied to placeholders.
 *
 * Shape: `shape[0]` is the batch axis, `null` until data flows.
 * @example
 * const x = input({ shape: [784] });      // SymbolicTensor, shape [null, 784]
 * const h = new Dense({ units: 64 }).apply(x); // shape [null, 64]
 */
export class SymbolicTensor {
  readonly id = nextSymbolicId++;
  constructor(
    readonly shape: SymbolicShape,
    readonly dtype: SymbolicDType,
    /** The layer application that produced it. */
    readonly node: Node,
    /** Which of the node's outputs it is. */
    readonly index: number,
    readonly name: string,
  ) {}

  /** The layer that produced this tensor. */
  get layer(): Layer {
    return this.node.layer;
  }

  get rank(): number {
    return this.shape.length;
  }

  toString(): string {
    return `SymbolicTensor(shape=[${this.shape.map((d) => (d === null ? 'None' : d)).join(', ')}], dtype=${this.dtype}, from '${this.node.layer.name}')`;
  }
}

/** One call of a layer on symbolic inputs, linking input tensors to output tensors. */
export class Node {
  outputs: SymbolicTensor[] = [];
  constructor(
    readonly layer: Layer,
    readonly inputs: readonly SymbolicTensor[],
    /** Extra call arguments recorded with the node (e.g. `{training: false}`). */
    readonly callArgs: Readonly<Record<string, unknown>> = {},
  ) {}
}

/** Formats a symbolic shape the Keras way: `(None, 64)`. */
export function fmtSymbolic(shape: SymbolicShape): string {
  const parts = shape.map((d) => (d === null ? 'None' : String(d)));
  return `(${parts.join(', ')}${parts.length === 1 ? ',' : ''})`;
}

/** Formats a symbolic shape for error messages: `[null, 64]`. */
export function fmtShapeNull(shape: SymbolicShape): string {
  return `[${shape.map((d) => (d === null ? 'null' : d)).join(', ')}]`;
}
