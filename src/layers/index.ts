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
export {
  type BaseConvArgs,
  Conv1D,
  type Conv1DArgs,
  Conv2D,
  type Conv2DArgs,
  Conv2DTranspose,
  type Conv2DTransposeArgs,
  DepthwiseConv2D,
  type DepthwiseConv2DArgs,
  SeparableConv2D,
  type SeparableConv2DArgs,
} from './convolutional.js';
export {
  MaxPooling1D,
  MaxPooling2D,
  AveragePooling1D,
  AveragePooling2D,
  type Pooling1DArgs,
  type Pooling2DArgs,
  GlobalMaxPooling1D,
  GlobalMaxPooling2D,
  GlobalAveragePooling1D,
  GlobalAveragePooling2D,
  type GlobalPoolingArgs,
} from './pooling.js';
export {
  UpSampling1D,
  type UpSampling1DArgs,
  UpSampling2D,
  type UpSampling2DArgs,
  ZeroPadding1D,
  type ZeroPadding1DArgs,
  ZeroPadding2D,
  type ZeroPadding2DArgs,
  Cropping1D,
  type Cropping1DArgs,
  Cropping2D,
  type Cropping2DArgs,
} from './reshaping.js';
export {
  Normalization,
  type NormalizationArgs,
  CategoryEncoding,
  type CategoryEncodingArgs,
  Discretization,
  type DiscretizationArgs,
  type AdaptData,
} from './preprocessing/numeric.js';
export {
  Rescaling,
  type RescalingArgs,
  Resizing,
  type ResizingArgs,
  CenterCrop,
  type CenterCropArgs,
} from './preprocessing/image.js';
export {
  RandomFlip,
  type RandomFlipArgs,
  RandomCrop,
  type RandomCropArgs,
  RandomTranslation,
  type RandomTranslationArgs,
  RandomRotation,
  type RandomRotationArgs,
  RandomZoom,
  type RandomZoomArgs,
  RandomContrast,
  type RandomContrastArgs,
  RandomBrightness,
  type RandomBrightnessArgs,
} from './preprocessing/augmentation.js';
export {
  StringLookup,
  IntegerLookup,
  type LookupArgs,
  type LookupOutputMode,
} from './preprocessing/lookup.js';
export {
  TextVectorization,
  type TextVectorizationArgs,
} from './preprocessing/text_vectorization.js';
export { Hashing, type HashingArgs } from './preprocessing/hashing.js';
export {
  RMSNormalization,
  type RMSNormalizationArgs,
  GroupNormalization,
  type GroupNormalizationArgs,
  UnitNormalization,
  type UnitNormalizationArgs,
} from './normalization_extra.js';
export {
  PReLU,
  type PReLUArgs,
  Identity,
  AlphaDropout,
  type AlphaDropoutArgs,
  ActivityRegularization,
  type ActivityRegularizationArgs,
} from './activation_extra.js';
export { EinsumDense, type EinsumDenseArgs } from './einsum_dense.js';
export {
  MultiHeadAttention,
  type MultiHeadAttentionArgs,
  type MultiHeadAttentionCallOptions,
} from './attention/multi_head_attention.js';
export {
  AdditiveAttention,
  type AdditiveAttentionArgs,
  Attention,
  type AttentionArgs,
  type AttentionCallOptions,
} from './attention/attention.js';
export {
  GroupQueryAttention,
  type GroupQueryAttentionArgs,
  type GroupQueryAttentionCallOptions,
} from './attention/group_query_attention.js';
export {
  Conv1DTranspose,
  type Conv1DTransposeArgs,
  DepthwiseConv1D,
  type DepthwiseConv1DArgs,
  SeparableConv1D,
  type SeparableConv1DArgs,
} from './convolutional_1d_extra.js';
export {
  Conv3D,
  type Conv3DArgs,
  Conv3DTranspose,
  type Conv3DTransposeArgs,
} from './convolutional_3d.js';
export {
  AveragePooling3D,
  GlobalAveragePooling3D,
  GlobalMaxPooling3D,
  type GlobalPooling3DArgs,
  MaxPooling3D,
  type Pooling3DArgs,
} from './pooling_3d.js';
export {
  Cropping3D,
  type Cropping3DArgs,
  UpSampling3D,
  type UpSampling3DArgs,
  ZeroPadding3D,
  type ZeroPadding3DArgs,
} from './reshaping_3d.js';
export { StackedRNNCells, type StackedRNNCellsArgs } from './rnn/stacked_cells.js';
export {
  ConvLSTM1D,
  ConvLSTM2D,
  ConvLSTMCell,
  type ConvLSTMArgs,
  type ConvLSTMCellArgs,
} from './rnn/conv_lstm.js';
// Keras's other names for the same classes.
export {
  Conv1D as Convolution1D,
  Conv2D as Convolution2D,
  Conv2DTranspose as Convolution2DTranspose,
  SeparableConv2D as SeparableConvolution2D,
} from './convolutional.js';
export {
  MaxPooling1D as MaxPool1D,
  MaxPooling2D as MaxPool2D,
  AveragePooling1D as AvgPool1D,
  AveragePooling2D as AvgPool2D,
  GlobalMaxPooling1D as GlobalMaxPool1D,
  GlobalMaxPooling2D as GlobalMaxPool2D,
  GlobalAveragePooling1D as GlobalAvgPool1D,
  GlobalAveragePooling2D as GlobalAvgPool2D,
} from './pooling.js';
export { input as Input } from './input_layer.js';
export {
  Conv1DTranspose as Convolution1DTranspose,
  SeparableConv1D as SeparableConvolution1D,
} from './convolutional_1d_extra.js';
export {
  Conv3D as Convolution3D,
  Conv3DTranspose as Convolution3DTranspose,
} from './convolutional_3d.js';
export {
  MaxPooling3D as MaxPool3D,
  AveragePooling3D as AvgPool3D,
  GlobalMaxPooling3D as GlobalMaxPool3D,
  GlobalAveragePooling3D as GlobalAvgPool3D,
} from './pooling_3d.js';
