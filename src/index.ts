/**
 * Tessera: Keras-style deep learning for TypeScript. This file lists every public export.
 */
export { TesseraError, ShapeError, DTypeError, ValueError } from './errors.js';
export type { DType, TypedArray } from './tensor/dtype.js';
export type { Shape } from './tensor/shape.js';
export type { NestedArray, TensorValues } from './tensor/convert.js';
export { Tensor, type TensorLike } from './tensor/tensor.js';

export type {
  Backend,
  DataHandle,
  UnaryOp,
  BinaryOp,
  ReduceOp,
  ArgReduceOp,
  MatmulArgs,
} from './backend/backend.js';
export { BaseBackend } from './backend/base.js';
export { JsBackend } from './backend/js/index.js';
export { registerBackend, setBackend, getBackend, backendInfo } from './backend/registry.js';

export { noGrad, isGradEnabled } from './autograd/tape.js';
export { grad, grads, valueAndGrad, valueAndGrads, variableGrads, customGrad } from './autograd/grad.js';
export { Variable, variable, type VariableOptions } from './autograd/variable.js';

export { tensor, scalar, zeros, ones, full, zerosLike, onesLike, eye, arange, linspace } from './ops/creation.js';
export {
  Generator,
  setSeed,
  randomUniform,
  randomNormal,
  truncatedNormal,
  type RandomOptions,
} from './ops/random.js';
export {
  add,
  sub,
  mul,
  div,
  floorDiv,
  mod,
  pow,
  maximum,
  minimum,
  squaredDifference,
  atan2,
  equal,
  notEqual,
  less,
  lessEqual,
  greater,
  greaterEqual,
  logicalAnd,
  logicalOr,
  logicalNot,
  neg,
  abs,
  sign,
  square,
  sqrt,
  rsqrt,
  reciprocal,
  exp,
  expm1,
  log,
  log1p,
  sin,
  cos,
  floor,
  ceil,
  round,
  erf,
  isNaN,
  isFinite,
  where,
  clip,
  cast,
} from './ops/elementwise.js';
export {
  relu,
  relu6,
  leakyRelu,
  elu,
  selu,
  sigmoid,
  tanh,
  softplus,
  softsign,
  gelu,
  silu,
  softmax,
  logSoftmax,
} from './ops/activation.js';
export { sum, mean, max, min, prod, any, all, argmax, argmin, logSumExp, variance, std } from './ops/reduce.js';
export { matmul } from './ops/matmul.js';
export {
  reshape,
  transpose,
  expandDims,
  squeeze,
  slice,
  stridedSlice,
  concat,
  stack,
  split,
  tile,
  pad,
  broadcastTo,
  gather,
  scatterAdd,
  oneHot,
} from './ops/movement.js';
