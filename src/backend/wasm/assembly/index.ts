// Entry point of the wasm kernels (compiled by scripts/build-wasm.mjs). The host owns all
// memory above heapBase(): it lays out operands and scratch there and grows the memory itself.
export { gemm, gemmWorkBytes } from './gemm';
export {
  adam,
  rmsprop,
  binary,
  compare,
  select,
  softmaxRows,
  sumCols,
  sumRows,
  unary,
} from './elementwise';
export { lstmCell, lstmCellGrad } from './rnn';
export { attention, attentionGrad, attentionWorkFloats } from './attention';
export { avgPool, avgPoolBackward, col2im, im2col, maxPool, maxPoolBackward } from './conv';

/** First byte the host may use (after the module's static data). */
export function heapBase(): usize {
  return __heap_base;
}
