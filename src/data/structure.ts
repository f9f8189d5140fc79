/**
 * The shape of a dataset element: a tensor, an array of elements (a tuple, Keras's `(x, y)`),
 * or a record of elements (named inputs). These helpers walk that structure: normalising the
 * leaves to tensors, stacking elements into a batch and taking a batch apart again, with
 * errors that name the dataset operation, the element and the path of the leaf.
 */
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { slice, squeeze, stack } from '../ops/movement.js';
import {
  StringTensor,
  isStringValues,
  stackStrings,
  stringTensor,
} from '../tensor/string_tensor.js';
import { Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';

/** A leaf of an element: a numeric tensor or a string tensor. */
export type Leaf = Tensor | StringTensor;

function isLeaf(v: unknown): v is Leaf {
  return v instanceof Tensor || v instanceof StringTensor;
}

/**
 * One dataset element: a tensor, a tuple of elements, or a record of named elements.
 * Arrays are always structure (a tuple); a leaf is a tensor.
 */
export type Element = Leaf | readonly Element[] | { readonly [name: string]: Element };

/**
 * What sources accept as an element: as {@link Element}, with leaves that convert to tensors
 * (a number, a boolean, a typed array — a 1-D tensor).
 */
export type ElementLike =
  | Tensor
  | StringTensor
  | string
  | number
  | boolean
  | Float32Array
  | Float64Array
  | Int32Array
  | Uint8Array
  | readonly number[]
  | readonly (readonly number[])[]
  | readonly ElementLike[]
  | { readonly [name: string]: ElementLike };

/** Whether `v` is a plain record (not a tensor, array or typed array). */
function isPlainRecord(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/** Whether `v` is a non-empty nested array of numbers or booleans only (a tensor's values). */
function isNumericArray(v: unknown): boolean {
  if (!Array.isArray(v) || v.length === 0) return false;
  return v.every((x) => typeof x === 'number' || typeof x === 'boolean' || isNumericArray(x));
}

/**
 * Converts every leaf of an element to a tensor (numbers, booleans, typed arrays, and nested
 * arrays holding only numbers, which are one tensor's values as numpy arrays are in Keras); any
 * other array is a tuple of elements. `op` names the operation in errors.
 * @example toElement([1, new Float32Array([2, 3])], 'Dataset.fromGenerator') // [scalar, [2]]
 */
export function toElement(v: unknown, op: string, path = 'element'): Element {
  if (isLeaf(v)) return v;
  // Strings, or nested arrays of them, are one string tensor's values.
  if (typeof v === 'string' || isStringValues(v)) return stringTensor(v as string);
  if (typeof v === 'number' || typeof v === 'boolean' || ArrayBuffer.isView(v))
    return convertToTensor(v as TensorLike, op, path);
  if (isNumericArray(v)) return convertToTensor(v as TensorLike, op, path);
  if (Array.isArray(v)) return v.map((e, i) => toElement(e, op, `${path}[${i}]`));
  if (isPlainRecord(v)) {
    const out: Record<string, Element> = {};
    for (const [k, e] of Object.entries(v)) out[k] = toElement(e, op, `${path}.${k}`);
    return out;
  }
  throw new ValueError(
    `${op}: ${path} is ${v === null ? 'null' : typeof v}; a dataset element is a tensor, a number, a typed array, or an array or record of them`,
  );
}

/**
 * The leaves of an element in a fixed order (depth first; record keys in insertion order).
 * @example flattenElement([a, { b, c }]) // [a, b, c]
 */
export function flattenElement(e: Element): Leaf[] {
  const out: Leaf[] = [];
  const walk = (v: Element) => {
    if (isLeaf(v)) out.push(v);
    else if (Array.isArray(v)) for (const x of v) walk(x);
    else for (const x of Object.values(v)) walk(x as Element);
  };
  walk(e);
  return out;
}

/**
 * Builds an element of the same structure as `like` from leaves in {@link flattenElement}'s
 * order.
 * @example packElement([a, { b, c }], [x, y, z]) // [x, { b: y, c: z }]
 */
export function packElement(like: Element, leaves: readonly Leaf[]): Element {
  let i = 0;
  const walk = (v: Element): Element => {
    if (isLeaf(v)) return leaves[i++]!;
    if (Array.isArray(v)) return v.map(walk);
    const out: Record<string, Element> = {};
    for (const [k, x] of Object.entries(v)) out[k] = walk(x as Element);
    return out;
  };
  return walk(like);
}

/**
 * A description of an element's structure with each leaf's dtype and shape, used to check that
 * a dataset's elements agree (`[float32[28,28], int32[]]`).
 * @example describeElement([x, y]) // "[float32[28, 28], int32[]]"
 */
export function describeElement(e: Element): string {
  if (isLeaf(e)) return `${e.dtype}${fmtShape(e.shape)}`;
  if (Array.isArray(e)) return `[${e.map((x) => describeElement(x)).join(', ')}]`;
  return `{${Object.entries(e)
    .map(([k, x]) => `${k}: ${describeElement(x as Element)}`)
    .join(', ')}}`;
}

/** The structure of an element without its leaves' dtypes and shapes (`[T, {a: T}]`). */
function structureKey(e: Element): string {
  if (isLeaf(e)) return 'T';
  if (Array.isArray(e)) return `[${e.map(structureKey).join(',')}]`;
  return `{${Object.entries(e)
    .map(([k, x]) => `${JSON.stringify(k)}:${structureKey(x as Element)}`)
    .join(',')}}`;
}

/** Names each leaf by its path in the element (`[0]`, `[1].b`), in flatten order. */
export function leafPaths(e: Element): string[] {
  const out: string[] = [];
  const walk = (v: Element, p: string) => {
    if (isLeaf(v)) out.push(p || 'element');
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${p}[${i}]`));
    else for (const [k, x] of Object.entries(v)) walk(x as Element, p ? `${p}.${k}` : k);
  };
  walk(e, '');
  return out;
}

/**
 * Stacks equal-structured elements into one batch element (each leaf gains a leading axis).
 * `first` is the index of `elems[0]` in the dataset, for messages.
 * @example stackElements([[x0, y0], [x1, y1]], 'Dataset.batch', 0) // [x [2, …], y [2, …]]
 */
export function stackElements(elems: readonly Element[], op: string, first: number): Element {
  const head = elems[0]!;
  const leaves0 = flattenElement(head);
  const paths = leafPaths(head);
  const key0 = structureKey(head);
  const columns: Leaf[][] = leaves0.map((t) => [t]);
  for (let i = 1; i < elems.length; i++) {
    const e = elems[i]!;
    const leaves = flattenElement(e);
    if (structureKey(e) !== key0)
      throw new ValueError(
        `${op}: element ${first + i} has structure ${describeElement(e)} but element ${first} had ${describeElement(head)}; every element of a batch must have the same structure`,
      );
    leaves.forEach((t, k) => {
      const t0 = leaves0[k]!;
      if (t.dtype !== t0.dtype)
        throw new DTypeError(
          `${op}: element ${first + i} has ${paths[k]} of dtype ${t.dtype} but element ${first} had ${t0.dtype}`,
        );
      if (t.shape.length !== t0.shape.length || t.shape.some((d, j) => d !== t0.shape[j]))
        throw new ShapeError(
          `${op}: element ${first + i} has ${paths[k]} of shape ${fmtShape(t.shape)} but element ${first} had ${fmtShape(t0.shape)}; batched elements must have equal shapes`,
        );
      columns[k]!.push(t);
    });
  }
  return packElement(
    head,
    columns.map((c) =>
      c[0] instanceof StringTensor ? stackStrings(c as StringTensor[], 0) : stack(c as Tensor[], 0),
    ),
  );
}

/**
 * The number of rows of a batch element: the leading dimension every leaf shares.
 * @example batchRows([x, y], 'Dataset.unbatch') // 32
 */
export function batchRows(e: Element, op: string): number {
  const leaves = flattenElement(e);
  const paths = leafPaths(e);
  if (leaves.length === 0) throw new ValueError(`${op}: the element has no tensors`);
  let n = -1;
  leaves.forEach((t, k) => {
    if (t.rank === 0)
      throw new ShapeError(
        `${op}: ${paths[k]} is a scalar; a batched element needs a leading batch axis`,
      );
    if (n < 0) n = t.shape[0]!;
    else if (t.shape[0] !== n)
      throw new ShapeError(
        `${op}: ${paths[k]} has ${t.shape[0]} rows but ${paths[0]} has ${n}; every tensor of a batched element must have the same leading dimension`,
      );
  });
  return n;
}

/**
 * Rows `[lo, hi)` of every leaf of a batch element (views where the backend allows).
 * @example sliceRows([x, y], 0, 8) // the first 8 rows of x and of y
 */
export function sliceRows(e: Element, lo: number, hi: number): Element {
  return packElement(
    e,
    flattenElement(e).map((t) =>
      t instanceof StringTensor
        ? t.slice([lo], [hi - lo])
        : slice(t, [lo, ...t.shape.slice(1).map(() => 0)], [hi - lo, ...t.shape.slice(1)]),
    ),
  );
}

/**
 * Row `i` of every leaf of a batch element, without the batch axis.
 * @example rowOf([x, y], 3) // [x[3], y[3]]
 */
export function rowOf(e: Element, i: number): Element {
  return packElement(
    e,
    flattenElement(e).map((t) =>
      t instanceof StringTensor
        ? t.gather([i]).squeeze(0)
        : squeeze(slice(t, [i, ...t.shape.slice(1).map(() => 0)], [1, ...t.shape.slice(1)]), 0),
    ),
  );
}
