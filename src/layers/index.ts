/** Every layer class, for `import { layers } from 'tessera'` and the deserialization registry. */
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
export { InputLayer, input, type InputArgs } from './input_layer.js';
export { Dense, type DenseArgs } from './dense.js';
export {
  Activation,
  type ActivationArgs,
  Flatten,
  type FlattenArgs,
  Reshape,
  type ReshapeArgs,
  Permute,
  type PermuteArgs,
  RepeatVector,
  type RepeatVectorArgs,
  Dropout,
  type DropoutArgs,
} from './core.js';
export {
  ReLU,
  type ReLUArgs,
  LeakyReLU,
  type LeakyReLUArgs,
  Softmax,
  ELU,
} from './activation_layers.js';
export {
  Merge,
  Add,
  Subtract,
  Multiply,
  Average,
  Maximum,
  Minimum,
  Concatenate,
  type ConcatenateArgs,
  Dot,
  type DotArgs,
  add,
  subtract,
  multiply,
  average,
  maximum,
  minimum,
  concatenate,
  dot,
} from './merge.js';
export {
  BatchNormalization,
  type BatchNormalizationArgs,
  LayerNormalization,
  type LayerNormalizationArgs,
} from './normalization.js';
export { Embedding, type EmbeddingArgs } from './embedding.js';
export { Masking, type MaskingArgs } from './masking.js';
export {
  SpatialDropout1D,
  type SpatialDropout1DArgs,
  SpatialDropout2D,
  type SpatialDropout2DArgs,
  SpatialDropout3D,
  type SpatialDropout3DArgs,
  GaussianNoise,
  type GaussianNoiseArgs,
  GaussianDropout,
  type GaussianDropoutArgs,
} from './regularization.js';
export {
  RNN,
  type RNNArgs,
  type RNNBaseArgs,
  type RNNCallOptions,
  RNNCell,
  type RNNStep,
  BaseRNNCell,
  type BaseRNNCellArgs,
  SimpleRNN,
  type SimpleRNNArgs,
  SimpleRNNCell,
  type SimpleRNNCellArgs,
  LSTM,
  type LSTMArgs,
  LSTMCell,
  type LSTMCellArgs,
  GRU,
  type GRUArgs,
  GRUCell,
  type GRUCellArgs,
  Bidirectional,
  type BidirectionalArgs,
  type MergeMode,
  TimeDistributed,
  type TimeDistributedArgs,
} from './rnn/index.js';
