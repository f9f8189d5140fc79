/**
 * Op codes shared by the native addon (`native/addon/kernels.h`) and the wasm kernels
 * (`wasm/assembly/elementwise.ts`): one numbering, so both kernel sets switch on the same
 * integers. A backend whose kernels lack an op simply leaves it to the js code.
 */
import type { BinaryOp, UnaryOp } from './backend.js';

/** Codes of the `unary` kernels. The wasm kernels implement codes below {@link WASM_UNARY_LIMIT}. */
export const UNARY_CODES: Partial<Record<UnaryOp, number>> = {
  neg: 0,
  abs: 1,
  square: 2,
  sqrt: 3,
  rsqrt: 4,
  reciprocal: 5,
  exp: 6,
  log: 7,
  relu: 8,
  relu6: 9,
  leakyRelu: 10,
  elu: 11,
  sigmoid: 12,
  tanh: 13,
  softplus: 14,
  step: 15,
  expm1: 16,
  log1p: 17,
  silu: 18,
  softsign: 19,
};

/** The wasm unary kernel handles codes 0 … 15. */
export const WASM_UNARY_LIMIT = 16;

/** Codes of the float32 arithmetic `binary` kernels. */
export const BINARY_CODES: Partial<Record<BinaryOp, number>> = {
  add: 0,
  sub: 1,
  mul: 2,
  div: 3,
  maximum: 4,
  minimum: 5,
  squaredDifference: 6,
  reluGrad: 7,
};

/** Codes of the `compare` kernels (float32 in, bool out). */
export const COMPARE_CODES: Partial<Record<BinaryOp, number>> = {
  equal: 0,
  notEqual: 1,
  less: 2,
  lessEqual: 3,
  greater: 4,
  greaterEqual: 5,
};
