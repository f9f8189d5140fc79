/**
 * Every layer class, for `import { layers } from 'tessera-ml'`, the top-level exports and the
 * deserialization registry: each family file is re-exported whole, so a layer added to a family
 * (its class, its `XArgs`, its `registerSerializable`) needs no other line anywhere. Helpers the
 * families share live in files not listed here (`*_util.ts`, `conv_extra_base.ts`,
 * `allocation_budget.ts`, `rnn/loop.ts`); `index.test.ts` checks that every other file is.
 */
export {
  Layer,
  LayerVariable,
  type LayerArgs,
  type CallOptions,
  type InputSpec,
  type AddWeightArgs,
  clearSession,
} from './layer.js';
export { SymbolicTensor, type SymbolicShape } from './symbolic.js';
export * from './activation_extra.js';
export * from './activation_layers.js';
export * from './convolutional.js';
export * from './convolutional_1d_extra.js';
export * from './convolutional_3d.js';
export * from './core.js';
export * from './dense.js';
export * from './einsum_dense.js';
export * from './embedding.js';
export * from './input_layer.js';
export * from './lambda.js';
export * from './masking.js';
export * from './merge.js';
export * from './normalization.js';
export * from './normalization_extra.js';
export * from './pooling.js';
export * from './pooling_3d.js';
export * from './pooling_adaptive.js';
export * from './regularization.js';
export * from './reshaping.js';
export * from './reshaping_3d.js';
export * from './spectral_normalization.js';
export * from './attention/attention.js';
export * from './attention/group_query_attention.js';
export * from './attention/multi_head_attention.js';
export * from './preprocessing/audio.js';
export * from './preprocessing/augmentation.js';
export * from './preprocessing/augmentation_extra.js';
export * from './preprocessing/hashed_crossing.js';
export * from './preprocessing/hashing.js';
export * from './preprocessing/image.js';
export * from './preprocessing/lookup.js';
export * from './preprocessing/numeric.js';
export * from './preprocessing/text_vectorization.js';
export * from './rnn/cell.js';
export * from './rnn/conv_lstm.js';
export * from './rnn/gru.js';
export * from './rnn/lstm.js';
export * from './rnn/rnn.js';
export * from './rnn/simple_rnn.js';
export * from './rnn/stacked_cells.js';
export * from './rnn/wrappers.js';
