/**
 * Tessera: Keras-style deep learning for TypeScript. This file lists every public export and
 * does nothing when it loads; the package's entries (`index.ts` for Node, `index.browser.ts`
 * for browsers) register the backends that fit their platform and re-export it.
 */

export { TesseraError, ShapeError, DTypeError, ValueError, AllocationError } from './errors.js';
export type { DType, TypedArray } from './tensor/dtype.js';
export type { Shape } from './tensor/shape.js';
export type { NestedArray, TensorValues } from './tensor/convert.js';
export { Tensor, type TensorLike } from './tensor/tensor.js';
export {
  StringTensor,
  stringTensor,
  concatStrings,
  stackStrings,
  type NestedStrings,
} from './tensor/string_tensor.js';
export * as strings from './ops/strings.js';

export type {
  Backend,
  DataHandle,
  UnaryOp,
  BinaryOp,
  ReduceOp,
  ArgReduceOp,
  MatmulArgs,
  ConvArgs,
  PoolArgs,
} from './backend/backend.js';
export { BaseBackend } from './backend/base.js';
export { CpuBackend, JsBackend, JsData } from './backend/cpu/index.js';
export type { KernelFamily, KernelProvider } from './backend/cpu/provider.js';
export { StorageLifecycle, type StorageStats } from './backend/storage.js';
export {
  registerBackend,
  registerBackendLoader,
  loadBackend,
  findBackend,
  setBackend,
  getBackend,
  backendInfo,
  ready,
  type BackendRegistration,
} from './backend/registry.js';
export { setWasmThreads } from './backend/wasm/runtime.js';

export { noGrad, isGradEnabled } from './autograd/tape.js';
export {
  grad,
  grads,
  valueAndGrad,
  valueAndGrads,
  variableGrads,
  customGrad,
} from './autograd/grad.js';
export { Variable, variable, type VariableOptions } from './autograd/variable.js';

export {
  tensor,
  scalar,
  zeros,
  ones,
  full,
  zerosLike,
  onesLike,
  eye,
  arange,
  linspace,
} from './ops/creation.js';
export {
  Generator,
  type GeneratorState,
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
export {
  sum,
  mean,
  max,
  min,
  prod,
  any,
  all,
  argmax,
  argmin,
  logSumExp,
  variance,
  std,
} from './ops/reduce.js';
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

// ---- the Keras API
export {
  registerSerializable,
  serialize,
  deserialize,
  type Config,
  type SerializedObject,
} from './serialization.js';
export * as layers from './layers/index.js';
// Every layer class at the top level too (names exported explicitly in this file, such as the
// ops `add` or `concatenate`, take precedence over the layers' functional helpers).
export * from './layers/index.js';
export {
  conv1d,
  conv2d,
  conv2dTranspose,
  depthwiseConv2d,
  separableConv2d,
  biasAdd,
  deconvOutputLength,
  type DataFormat,
  type ConvPadding,
  type Conv1DOptions,
  type Conv2DOptions,
  type Conv2DTransposeOptions,
  type DepthwiseConv2DOptions,
} from './ops/conv.js';
export {
  maxPool1d,
  maxPool2d,
  avgPool1d,
  avgPool2d,
  globalMaxPool,
  globalAvgPool,
  upSampling1d,
  upSampling2d,
  resizeBilinear,
  zeroPadding,
  cropping,
  type Pool1DOptions,
  type Pool2DOptions,
} from './ops/pooling.js';
export {
  loadModel,
  saveModel,
  loadModelFromBytes,
  modelToKerasBytes,
  modelToTfjs,
  loadTfjsModelFromBytes,
  saveWeights,
  loadWeights,
  weightsToBytes,
  weightsFromBytes,
  type SaveOptions,
  type LoadOptions,
  type LoadWeightsOptions,
} from './io/save_load.js';
export {
  modelToKerasConfig,
  modelFromKerasConfig,
  modelToKeras2Config,
  modelFromJson,
  modelToJson,
} from './io/keras_config.js';
export { FormatError, FileError } from './io/errors.js';
export {
  moments,
  batchNormalization,
  layerNormalization,
  type BatchNormalizationOptions,
  type LayerNormalizationOptions,
} from './ops/normalization.js';
export {
  Model,
  model,
  type ModelArgs,
  type TrainStepOutput,
  type CompileInfo,
} from './models/model.js';
export { Sequential, type SequentialArgs } from './models/sequential.js';
export type {
  CompileArgs,
  FitArgs,
  EvaluateArgs,
  PredictArgs,
  DataInput,
  BatchSource,
  DataCheckOptions,
} from './models/trainer.js';
export { compiledStepInfo } from './models/trainer.js';
export {
  JitCompileError,
  type JitCompile,
  type CompiledStepInfo,
} from './engine/step.js';
export * as activations from './activations.js';
export * as initializers from './initializers.js';
export * as regularizers from './regularizers.js';
export * as constraints from './constraints.js';
export * as losses from './losses.js';
export * as metrics from './metrics.js';
export * as optimizers from './optimizers/index.js';
export * as callbacks from './callbacks/index.js';
export {
  Callback,
  History,
  type Logs,
  EarlyStopping,
  ModelCheckpoint,
  ReduceLROnPlateau,
  LearningRateScheduler,
  CSVLogger,
  TerminateOnNaN,
  BackupAndRestore,
  ProgbarLogger,
} from './callbacks/index.js';
export {
  Dataset,
  DatasetError,
  INFINITE_CARDINALITY,
  UNKNOWN_CARDINALITY,
  type MapOptions,
  type BatchOptions,
  type ShuffleOptions,
} from './data/dataset.js';
export type { Element, ElementLike } from './data/structure.js';
export {
  toCategorical,
  padSequences,
  normalize,
  splitDataset,
  type PadSequencesOptions,
  type SplitDatasetOptions,
} from './data/utils.js';
export {
  csvDataset,
  type CsvDatasetOptions,
  type CsvColumnType,
  type CsvSource,
} from './data/csv.js';
export { CsvParser, type CsvParseOptions } from './io/csv.js';
export { textDatasetFromDirectory, type TextDatasetOptions } from './data/text_dataset.js';
export {
  imageDatasetFromDirectory,
  indexImageDirectory,
  decodeImage,
  type DecodeImageOptions,
  type ImageDatasetOptions,
} from './data/image_dataset.js';
export {
  timeseriesDatasetFromArray,
  type TimeseriesOptions,
} from './data/timeseries.js';
export * as datasets from './datasets/index.js';
export { getFile, DownloadError, type GetFileOptions } from './io/get_file.js';
export {
  parseNpy,
  readNpz,
  writeNpy,
  writeNpz,
  type NpyArray,
  type NpyDType,
  type NpyWritable,
} from './io/npy.js';
export { writeObjectNpy } from './io/npy_object.js';
export { readTar, gunzipBounded, isGzip, type TarEntry } from './io/tar.js';
export { NumpyRandomState } from './datasets/numpy_random.js';
export { loadDigits, type DigitsOptions, type DigitsSplits } from './datasets/digits.js';
export { loadMnist, type MnistData } from './datasets/mnist.js';
export { parseIdx, type IdxArray } from './datasets/idx.js';
export {
  ctcLoss,
  ctcDecode,
  type CtcLossOptions,
  type CtcDecodeOptions,
  type CtcDecodeResult,
  type CtcDecodeStrategy,
} from './ops/ctc.js';
export { sort, argsort, topK, type TopKResult } from './ops/sorting.js';
export { cumsum, cumprod } from './ops/scan.js';
export { flip, roll, repeat, triu, tril, takeAlongAxis } from './ops/arrange.js';
export { einsum } from './ops/einsum.js';
export { dotProductAttention, type DotProductAttentionOptions } from './ops/attention.js';
export {
  tensordot,
  logicalXor,
  meshgrid,
  erfinv,
  segmentSum,
  segmentMax,
  segmentProd,
} from './ops/math_extra.js';
export { cloneModel, type CloneModelOptions } from './models/cloning.js';
export {
  Lion,
  type LionArgs,
  Ftrl,
  type FtrlArgs,
  Adafactor,
  type AdafactorArgs,
  Lamb,
  type LambArgs,
  lion,
  ftrl,
  adafactor,
  lamb,
  CosineDecayRestarts,
  cosineDecayRestarts,
  LossScaleOptimizer,
  type LossScaleOptimizerArgs,
} from './optimizers/index.js';
export {
  LambdaCallback,
  type LambdaCallbackArgs,
  SwapEMAWeights,
  type SwapEMAWeightsArgs,
  lambdaCallback,
  swapEMAWeights,
} from './callbacks/index.js';
export { plotModel, type PlotModelOptions } from './vis/plot_model.js';
export {
  confusionMatrixChart,
  histogramChart,
  historyChart,
  lineChart,
  type LineChartOptions,
  type Series,
} from './vis/charts.js';
export { pngRenderer, svgToPng } from './vis/png.js';
export { fitCallbacks } from './callbacks/live_chart.js';
export { histogramCallbacks, HistogramCallback } from './callbacks/histogram_callback.js';
export { pageProgbar } from './callbacks/progbar.js';
export {
  ONNX_OPSET,
  OnnxExportError,
  type OnnxAttr,
  type OnnxConverter,
  type OnnxLayerContext,
  exportOnnx,
  hasOnnxConverter,
  onnxAttr,
  onnxBytes,
  registerOnnxConverter,
} from './io/onnx/index.js';
export { inv, det, solve, triangularSolve, cholesky } from './ops/linalg.js';
export {
  qr,
  type QrResult,
  svd,
  type SvdResult,
  eigh,
  type EighResult,
  luFactor,
  type LuFactorResult,
  pinv,
  matrixRank,
} from './ops/linalg_decomp.js';
export { norm, type NormOrd, lstsq, choleskyInverse } from './ops/linalg_norm.js';
export {
  erfc,
  fabs,
  fmax,
  fmin,
  ldexp,
  nextafter,
  i0,
  gcd,
  lcm,
  bitwiseAnd,
  bitwiseOr,
  bitwiseXor,
  bitwiseNot,
  bitwiseInvert,
  bitwiseLeftShift,
  bitwiseRightShift,
  leftShift,
  rightShift,
  angle,
  real,
  imag,
  conjugate,
  conj,
  isreal,
  copy,
  bartlett,
  blackman,
  hamming,
  hanning,
  kaiser,
  corrcoef,
  cdist,
  correlate,
  histogram,
  isin,
  select,
  unravelIndex,
  argpartition,
} from './ops/numpy_extra5.js';
export {
  nansum,
  nanprod,
  nanmean,
  nanmax,
  nanmin,
  nanvar,
  nanstd,
  nanargmax,
  nanargmin,
  nancumsum,
  nancumprod,
  nanquantile,
  nanpercentile,
  nanmedian,
} from './ops/numpy_nan.js';
export {
  depthToSpace,
  spaceToDepth,
  extractSequences,
  multiHot,
  psnr,
  rmsNormalization,
  sparsemax,
  binaryCrossentropy,
  segmentMin,
  inTopK,
  slogdet,
  logdet,
  scatter,
  scatterUpdate,
  sliceUpdate,
  saturateCast,
  view,
  isTensor,
  shape,
  ndim,
  size,
  dtype,
  convertToTensor,
  array,
} from './ops/numpy_extra6.js';
export {
  adaptiveAveragePool,
  adaptiveMaxPool,
  adaptivePoolBins,
  type AdaptivePoolOptions,
} from './ops/adaptive_pool.js';
export {
  absolute,
  negative,
  multiply,
  divide,
  trueDivide,
  subtract,
  power,
  floorDivide,
  logsumexp,
  isnan,
  isfinite,
  isinf,
  isposinf,
  isneginf,
  amax,
  amin,
  stopGradient,
  fmod,
  divideNoNan,
  cosh,
  sinh,
  tan,
  arctan,
  arcsin,
  arccos,
  arctan2,
  arcsinh,
  arccosh,
  arctanh,
  cbrt,
  exp2,
  log2,
  log10,
  logaddexp,
  logaddexp2,
  hypot,
  deg2rad,
  rad2deg,
  sinc,
  trunc,
  signbit,
  heaviside,
  isclose,
  allclose,
  nanToNum,
  ptp,
  countNonzero,
  average,
} from './ops/numpy_extra.js';
export {
  hardSilu,
  hardSwish,
  hardTanh,
  logSigmoid,
  celu,
  glu,
  softShrink,
  hardShrink,
  tanhShrink,
  squareplus,
  mish,
  sparsePlus,
  sparseSigmoid,
  threshold,
} from './ops/numpy_extra4.js';
export { hardSigmoid } from './activations.js';
export { silu as swish } from './ops/activation.js';
export {
  swapaxes,
  moveaxis,
  ravel,
  hstack,
  vstack,
  dstack,
  arraySplit,
  hsplit,
  vsplit,
  dsplit,
  append,
  unstack,
  fliplr,
  flipud,
  rot90,
  outer,
  inner,
  dot,
  vdot,
  kron,
  cross,
  diagonal,
  trace,
  diag,
  diagflat,
  tri,
  identity,
  diff,
} from './ops/numpy_extra2.js';
export {
  take,
  searchsorted,
  digitize,
  bincount,
  unique,
  nonzero,
  quantile,
  percentile,
  median,
  type QuantileMethod,
  trapezoid,
  logspace,
  geomspace,
  vander,
  fullLike,
  empty,
  emptyLike,
} from './ops/numpy_extra3.js';
export * as image from './ops/image_api.js';
export * as random from './ops/random_keras.js';
export {
  fft,
  fft2,
  ifft,
  ifft2,
  rfft,
  irfft,
  stft,
  istft,
  type ComplexPair,
  type StftOptions,
  MAX_FFT_LENGTH,
} from './ops/fft.js';
export { SeedGenerator } from './ops/random_keras.js';
export { triangularSolve as solveTriangular } from './ops/linalg.js';
export { serveTraining } from './worker/serve.js';
export {
  trainInWorker,
  WorkerTrainer,
  WorkerTrainingError,
  type WorkerFitArgs,
} from './worker/trainer_client.js';
export type { Endpoint as WorkerEndpoint } from './worker/protocol.js';
