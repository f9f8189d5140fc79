/**
 * The `Backend` interface: the primitives every compute backend implements. Tensors hold an
 * opaque {@link DataHandle} owned by their backend, so a backend may keep data wherever it
 * likes (JS typed arrays, a wasm heap, native memory). Backends never see gradients: autograd
 * lives in `src/autograd` and `src/ops`, above this interface.
 *
 * Shapes passed to primitives are already validated and broadcast by the op layer; a backend
 * only computes.
 *
 * Storage belongs to the backend, and so does its lifecycle: users never dispose. Handles are
 * immutable once returned (no primitive writes into an input), so tensors, views and
 * variables may share one. Memory the garbage collector frees by itself (the CPU backend's
 * typed arrays) needs nothing more; a backend holding other memory (GPU buffers) tracks each
 * handle it returns with a {@link StorageLifecycle} and frees the memory when the handle is
 * collected. Compiled graphs own an arena per signature and recycle its buffers themselves.
 */
import type { DType, TypedArray } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';
import type { StorageStats } from './storage.js';

/** An opaque reference to a tensor's storage, owned by one backend. */
export interface DataHandle {
  /** Name of the backend that owns this storage. */
  readonly backend: string;
}

/** Elementwise functions of one argument. `param` carries alpha for leakyRelu and elu. */
export type UnaryOp =
  | 'neg'
  | 'abs'
  | 'sign'
  | 'square'
  | 'sqrt'
  | 'rsqrt'
  | 'reciprocal'
  | 'exp'
  | 'expm1'
  | 'log'
  | 'log1p'
  | 'sin'
  | 'cos'
  | 'floor'
  | 'ceil'
  | 'round'
  | 'erf'
  | 'relu'
  | 'relu6'
  | 'leakyRelu'
  | 'elu'
  | 'selu'
  | 'sigmoid'
  | 'tanh'
  | 'softplus'
  | 'softsign'
  | 'gelu'
  | 'geluTanh'
  | 'silu'
  | 'step'
  | 'logicalNot'
  | 'isNaN'
  | 'isFinite';

/** Elementwise functions of two broadcast arguments. Comparisons and logic ops return bool. */
export type BinaryOp =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'floorDiv'
  | 'mod'
  | 'pow'
  | 'maximum'
  | 'minimum'
  | 'squaredDifference'
  | 'reluGrad'
  | 'atan2'
  | 'equal'
  | 'notEqual'
  | 'less'
  | 'lessEqual'
  | 'greater'
  | 'greaterEqual'
  | 'logicalAnd'
  | 'logicalOr';

/** Activations a fused layer epilogue ({@link Backend.biasActivation}) applies. */
export type FusedActivation = 'linear' | 'relu';

/** Reductions over a set of axes. */
export type ReduceOp = 'sum' | 'prod' | 'max' | 'min' | 'any' | 'all';

/** Index-returning reductions over one axis. */
export type ArgReduceOp = 'argmax' | 'argmin';

/** Operands of a (batched) matrix product; see {@link Backend.matmul}. */
export interface MatmulArgs {
  /** Number of matrices in the batch. */
  batch: number;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  /** Elements between consecutive matrices of A; 0 broadcasts one matrix over the batch. */
  strideA: number;
  /** Elements between consecutive matrices of B; 0 broadcasts one matrix over the batch. */
  strideB: number;
}

/**
 * Geometry of a 2-D convolution over NHWC data; see {@link Backend.conv2d}. The op layer
 * resolves 'same'/'valid'/'causal' into explicit padding, so backends see numbers only.
 */
export interface ConvArgs {
  /** Step of the window over [height, width]. */
  strides: readonly [number, number];
  /** Spacing of the kernel taps over [height, width] (1: dense; a kernel of size k spans (k − 1)·d + 1). */
  dilations: readonly [number, number];
  /** Explicit zero padding `[top, bottom, left, right]`. */
  padding: readonly [number, number, number, number];
  /**
   * Channel groups: the input channels and the filters are split into `groups` equal parts and
   * output part g sees only input part g (1: a dense convolution; in channels: depthwise).
   */
  groups: number;
}

/** The error messages of {@link Backend.checkIndices}, with `{value}` and `{position}` slots. */
export interface IndexCheckMessages {
  /** An integer index outside `[0, n)`. */
  outOfRange: string;
  /** A value that is not an integer (fractional, NaN, ±∞). */
  notInteger: string;
}

/** Geometry of a 2-D pooling window over NHWC data; see {@link Backend.maxPool2d}. */
export interface PoolArgs {
  /** Window size [height, width]. */
  poolSize: readonly [number, number];
  /** Step of the window over [height, width]. */
  strides: readonly [number, number];
  /** Explicit padding `[top, bottom, left, right]`; padded positions never count. */
  padding: readonly [number, number, number, number];
}

/** Sizes of a whole-sequence LSTM; see {@link Backend.lstmSequence}. */
export interface LstmSequenceArgs {
  batch: number;
  steps: number;
  units: number;
  /** Step k reads time `steps − 1 − k`; outputs stay in processing order (Keras's). */
  goBackwards: boolean;
  /**
   * With a mask (the sequence call's last argument), masked steps output zeros instead of the
   * previous output.
   */
  zeroOutputForMask?: boolean;
}

/** The outputs of {@link Backend.lstmSequence}. */
export interface LstmSequenceResult {
  /** The output after every step, `[batch, steps, units]`, in processing order (h, unless masked). */
  h: DataHandle;
  /** The final h, `[batch, units]`. */
  hLast: DataHandle;
  /** The final cell state, `[batch, units]`. */
  cLast: DataHandle;
  /** Opaque to callers: what the same backend's `lstmSequenceGrad` reads. */
  saved: { readonly kind: string };
}

/** Sizes of a whole-sequence GRU; see {@link Backend.gruSequence}. */
export type GruSequenceArgs = LstmSequenceArgs;

/** The outputs of {@link Backend.gruSequence}. */
export interface GruSequenceResult {
  /** The output after every step, `[batch, steps, units]`, in processing order (h, unless masked). */
  h: DataHandle;
  /** The final h, `[batch, units]`. */
  hLast: DataHandle;
  /** Opaque to callers: what the same backend's `gruSequenceGrad` reads. */
  saved: { readonly kind: string };
}

/** Hyper-parameters of one fused Adam step; `lr` already holds both bias corrections. */
export interface AdamStepArgs {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** Hyper-parameters of one fused RMSprop step (no momentum, not centered). */
export interface RmspropStepArgs {
  lr: number;
  rho: number;
  epsilon: number;
}

/**
 * Sizes and options of a fused scaled dot-product attention; see {@link Backend.attention}.
 * Query `[batch, queryLen, heads, dim]`, key `[batch, keyLen, heads, dim]`, value
 * `[batch, keyLen, heads, valueDim]` (Keras's MultiHeadAttention layout).
 */
export interface AttentionArgs {
  batch: number;
  heads: number;
  queryLen: number;
  keyLen: number;
  dim: number;
  valueDim: number;
  /** Multiplies `q·k` before the softmax. */
  scale: number;
  /** Query position t attends only to key positions s ≤ t. */
  causal: boolean;
  /** What a masked logit becomes before the softmax (a large negative number). */
  maskedValue: number;
  /**
   * The mask's extent over batch and heads (1 = shared by all, else `batch` / `heads`): the
   * mask is bool `[maskBatch, maskHeads, queryLen, keyLen]`. Ignored without a mask.
   */
  maskBatch: number;
  maskHeads: number;
  /**
   * The additive bias's extent over batch and heads, as the mask's: the bias is float
   * `[biasBatch, biasHeads, queryLen, keyLen]`, added to the scaled logits. Ignored without one.
   */
  biasBatch: number;
  biasHeads: number;
  /** {@link Backend.attentionGrad} also returns the logits' gradient (for the bias). */
  logitGrad: boolean;
}

/** What {@link Backend.attentionGrad} returns: dq, dk, dv, and the logits' gradient if asked. */
export type AttentionGrads = [DataHandle, DataHandle, DataHandle, DataHandle?];

/** The compute primitives of a backend, checked at compile time by `implements Backend`. */
export interface Backend {
  /** What runs, in words, where there is more to say than the name (`backendInfo().detail`). */
  readonly detail?: string;
  /** Short name, e.g. `js`. */
  readonly name: string;
  /** The dtypes this backend stores. */
  supportsDType(dtype: DType): boolean;

  // --- storage ---
  /** Takes ownership of `values` (the caller does not reuse the array). */
  fromArray(values: TypedArray, dtype: DType): DataHandle;
  /** A copy of the data, as the dtype's typed array: every backend's way to read data back. */
  read(h: DataHandle, dtype: DType, size: number): Promise<TypedArray>;
  /**
   * A copy of the data, synchronously: an optional capability that backends over host memory
   * have (js, wasm, native) and device backends lack. Without it `dataSync()` and the other
   * synchronous reads throw a `BackendCapabilityError`.
   */
  readSync?(h: DataHandle, dtype: DType, size: number): TypedArray;
  /**
   * Counts of the storage this backend frees through its {@link StorageLifecycle}; absent where
   * the garbage collector owns the memory outright (CPU backends).
   */
  storageStats?(): StorageStats;
  fill(size: number, value: number, dtype: DType): DataHandle;
  cast(x: DataHandle, size: number, from: DType, to: DType): DataHandle;

  // --- elementwise ---
  unary(op: UnaryOp, x: DataHandle, size: number, dtype: DType, param?: number): DataHandle;
  binary(
    op: BinaryOp,
    a: DataHandle,
    aShape: Shape,
    b: DataHandle,
    bShape: Shape,
    outShape: Shape,
    inDType: DType,
    outDType: DType,
  ): DataHandle;
  where(
    cond: DataHandle,
    condShape: Shape,
    a: DataHandle,
    aShape: Shape,
    b: DataHandle,
    bShape: Shape,
    outShape: Shape,
    dtype: DType,
  ): DataHandle;
  /** Clamps to `[lo, hi]`; NaN passes through. */
  clip(x: DataHandle, size: number, lo: number, hi: number, dtype: DType): DataHandle;

  // --- reductions ---
  /** Reduces over `axes` (sorted, unique); the output drops those axes. */
  reduce(
    op: ReduceOp,
    x: DataHandle,
    shape: Shape,
    axes: readonly number[],
    dtype: DType,
    outDType: DType,
  ): DataHandle;
  /** Index of the first max/min along `axis` (int32); NaN counts as the extreme. */
  argReduce(op: ArgReduceOp, x: DataHandle, shape: Shape, axis: number, dtype: DType): DataHandle;

  // --- linear algebra ---
  /** C[b] = op(A[b]) · op(B[b]) for each batch b; C is `batch × m × n`, contiguous. */
  matmul(a: DataHandle, b: DataHandle, args: MatmulArgs, dtype: DType): DataHandle;

  // --- movement ---
  transpose(x: DataHandle, shape: Shape, perm: readonly number[], dtype: DType): DataHandle;
  broadcastTo(x: DataHandle, shape: Shape, outShape: Shape, dtype: DType): DataHandle;
  /** Strided slice: output index i along axis d reads `begin[d] + i * step[d]` (step may be negative). */
  slice(
    x: DataHandle,
    shape: Shape,
    begin: readonly number[],
    step: readonly number[],
    outShape: Shape,
    dtype: DType,
  ): DataHandle;
  concat(
    xs: readonly DataHandle[],
    shapes: readonly Shape[],
    axis: number,
    dtype: DType,
  ): DataHandle;
  /** Pads with a constant; `paddings[d] = [before, after]`. */
  pad(
    x: DataHandle,
    shape: Shape,
    paddings: readonly (readonly [number, number])[],
    value: number,
    dtype: DType,
  ): DataHandle;
  /** Takes slices along `axis` at the int32 `indices` (already range-checked). */
  gather(
    x: DataHandle,
    shape: Shape,
    indices: DataHandle,
    numIndices: number,
    axis: number,
    dtype: DType,
  ): DataHandle;
  /**
   * The indices as new int32 storage, after checking that each is an integer in `[0, n)`;
   * otherwise throws a ValueError with `messages.outOfRange` or `messages.notInteger`, where
   * `{value}` and `{position}` stand for the bad index and its flat position. The check runs
   * inside the backend, so an op that validates ids this way makes no host read of its own
   * and a compiled step replays the check every step (Embedding ids, gather bounds).
   */
  checkIndices(
    indices: DataHandle,
    size: number,
    n: number,
    dtype: DType,
    messages: IndexCheckMessages,
  ): DataHandle;
  /** The adjoint of gather: sums `updates` into a zero tensor of `outShape` along `axis`. */
  scatterAdd(
    updates: DataHandle,
    indices: DataHandle,
    numIndices: number,
    outShape: Shape,
    axis: number,
    dtype: DType,
  ): DataHandle;
  oneHot(
    indices: DataHandle,
    numIndices: number,
    depth: number,
    on: number,
    off: number,
    dtype: DType,
  ): DataHandle;

  // --- composites (defaults in BaseBackend; fast backends may override) ---
  softmax(x: DataHandle, shape: Shape, axis: number, dtype: DType): DataHandle;
  logSoftmax(x: DataHandle, shape: Shape, axis: number, dtype: DType): DataHandle;
  /** log Σ exp over `axes`, stable; the output drops those axes. */
  logSumExp(x: DataHandle, shape: Shape, axes: readonly number[], dtype: DType): DataHandle;

  // --- convolution and pooling (NHWC; defaults in BaseBackend from gather/matmul/scatterAdd) ---
  /**
   * 2-D cross-correlation, as tf.nn.conv2d: x `[n, h, w, c]`, filter `[kh, kw, c / groups,
   * cout]` → `[n, oh, ow, cout]` with `oh = ⌊(h + top + bottom − ((kh − 1)·dh + 1)) / sh⌋ + 1`
   * (likewise ow); see `windowOutputSize` in `base.ts`.
   */
  conv2d(
    x: DataHandle,
    xShape: Shape,
    filter: DataHandle,
    filterShape: Shape,
    args: ConvArgs,
    dtype: DType,
  ): DataHandle;
  /**
   * Gradient of {@link conv2d} with respect to its input (the transposed convolution): dy
   * `[n, oh, ow, cout]` and the filter → `xShape`. `xShape` is needed because several input
   * sizes give the same output size.
   */
  conv2dBackpropInput(
    dy: DataHandle,
    dyShape: Shape,
    filter: DataHandle,
    filterShape: Shape,
    xShape: Shape,
    args: ConvArgs,
    dtype: DType,
  ): DataHandle;
  /** Gradient of {@link conv2d} with respect to its filter: x and dy → `filterShape`. */
  conv2dBackpropFilter(
    x: DataHandle,
    xShape: Shape,
    dy: DataHandle,
    dyShape: Shape,
    filterShape: Shape,
    args: ConvArgs,
    dtype: DType,
  ): DataHandle;
  /** Max over each window of x `[n, h, w, c]` → `[n, oh, ow, c]` (padding never wins). */
  maxPool2d(x: DataHandle, xShape: Shape, args: PoolArgs, dtype: DType): DataHandle;
  /**
   * Gradient of {@link maxPool2d}: each dy element goes to the position of its window's max
   * in x (the first one in row-major window order on ties); contributions add up.
   */
  maxPool2dBackward(
    dy: DataHandle,
    dyShape: Shape,
    x: DataHandle,
    xShape: Shape,
    args: PoolArgs,
    dtype: DType,
  ): DataHandle;
  /**
   * {@link maxPool2d} that also returns, per output element, the flat index into x (int32) of
   * the position its gradient goes to: the first max in row-major window order, NaN winning,
   * as {@link maxPool2dBackward} picks it; −1 for a window without a valid position. Lets the
   * backward scatter dy directly instead of searching x again (TF's `max_pool_with_argmax`).
   * Null (the BaseBackend default) when this backend has no such kernel for the dtype or size.
   */
  maxPool2dWithArgmax(
    x: DataHandle,
    xShape: Shape,
    args: PoolArgs,
    dtype: DType,
  ): [DataHandle, DataHandle] | null;
  /**
   * Gradient of {@link maxPool2d} from the argmax of {@link maxPool2dWithArgmax}: a zero tensor
   * of `xShape` with `dx[argmax[i]] += dy[i]` in output order (the same sums, in the same
   * order, as {@link maxPool2dBackward}). The BaseBackend default is a scatterAdd and needs
   * every index in range; kernels skip −1.
   */
  maxPool2dBackwardFromArgmax(
    dy: DataHandle,
    argmax: DataHandle,
    numOut: number,
    xShape: Shape,
    dtype: DType,
  ): DataHandle;
  /**
   * The gradient through a relu and the max-pool that read its output, in one pass (what a
   * compiled step runs for `reluGrad(y, maxPool2dBackwardFromArgmax(dy, …))`): a zero tensor of
   * `xShape` with `dx[argmax[i]] += dy[i]` wherever `y[argmax[i]] > 0`, in output order. Equal
   * to the two calls exactly (the same sums in the same order; reluGrad selects, it does not
   * multiply).
   */
  maxPool2dBackwardReluFromArgmax(
    dy: DataHandle,
    argmax: DataHandle,
    numOut: number,
    xShape: Shape,
    y: DataHandle,
    dtype: DType,
  ): DataHandle;
  /** Mean over the valid (non-padded) positions of each window, as TF/Keras. */
  avgPool2d(x: DataHandle, xShape: Shape, args: PoolArgs, dtype: DType): DataHandle;
  /** Gradient of {@link avgPool2d}: dy / count spread over each window's valid positions. */
  avgPool2dBackward(
    dy: DataHandle,
    dyShape: Shape,
    xShape: Shape,
    args: PoolArgs,
    dtype: DType,
  ): DataHandle;

  // --- fused recurrent cell (defaults in BaseBackend; fast backends may override) ---
  /**
   * The LSTM gate arithmetic of one step (Keras gate order i, f, c, o; sigmoid gates, tanh
   * cell): from `z` `[batch, 4·units]` and the previous cell state `c` `[batch, units]`,
   * returns `[batch, 2·units]` holding `h' = σ(z_o)·tanh(c')` then
   * `c' = σ(z_f)·c + σ(z_i)·tanh(z_c)`.
   */
  lstmCell(z: DataHandle, c: DataHandle, batch: number, units: number, dtype: DType): DataHandle;
  /**
   * The gradient of {@link lstmCell}: given `dhc` `[batch, 2·units]` (the gradients of h' and
   * c'), returns `[dz, dc]` (`[batch, 4·units]`, `[batch, units]`). `hc` is the forward output.
   */
  lstmCellGrad(
    z: DataHandle,
    c: DataHandle,
    hc: DataHandle,
    dhc: DataHandle,
    batch: number,
    units: number,
    dtype: DType,
  ): [DataHandle, DataHandle];

  /**
   * Whether {@link lstmSequence} runs as one fused kernel on this backend for `dtype` (the LSTM
   * layer uses it only then; the BaseBackend reference works everywhere but is no faster).
   */
  hasFusedLstmSequence(dtype: DType): boolean;
  /**
   * A whole LSTM sequence (Keras's default activations, gate order i, f, c, o): for each step
   * k (time `t = k`, or `steps − 1 − k` with `goBackwards`),
   * `z = xProj[:, t] + h·U`, then the gates of {@link lstmCell}. `xProj` `[batch, steps, 4·units]`
   * is the input projection `x·W + b`, `U` `[units, 4·units]`, `h0`, `c0` `[batch, units]`.
   * `saved` holds what {@link lstmSequenceGrad} of the same backend needs. With `mask` (bool
   * `[batch, steps]`, time order; Keras masking) a masked step keeps the states and outputs the
   * previous output (zeros before the first step, or with `args.zeroOutputForMask`), so `h`
   * holds the outputs and `hLast`/`cLast` the final states.
   */
  lstmSequence(
    xProj: DataHandle,
    U: DataHandle,
    h0: DataHandle,
    c0: DataHandle,
    args: LstmSequenceArgs,
    dtype: DType,
    mask?: DataHandle | null,
  ): LstmSequenceResult;
  /**
   * Backpropagation through time for {@link lstmSequence}, from the gradients of its outputs
   * `h` `[batch, steps, units]`, `hLast` and `cLast` (null = zero): returns
   * `[dxProj, dU, dh0, dc0]`.
   */
  lstmSequenceGrad(
    saved: LstmSequenceResult['saved'],
    dh: DataHandle | null,
    dhLast: DataHandle | null,
    dcLast: DataHandle | null,
    args: LstmSequenceArgs,
    dtype: DType,
  ): [DataHandle, DataHandle, DataHandle, DataHandle];

  /** Whether {@link gruSequence} has a fused kernel for `dtype` (else the GRU layer unrolls). */
  hasFusedGruSequence(dtype: DType): boolean;
  /**
   * A whole GRU sequence (Keras 3's default: reset after the recurrent product, sigmoid gates,
   * tanh candidate, gate order z, r, h): for each step k (time `t = k`, or `steps − 1 − k`
   * with `goBackwards`), `rp = h·U + bRec`, then the gates of {@link gruCell} with
   * `x = xProj[:, t]`. `xProj` `[batch, steps, 3·units]` is `x·W + b_in`, `U`
   * `[units, 3·units]`, `bRec` `[3·units]` or null, `h0` `[batch, units]`.
   */
  gruSequence(
    xProj: DataHandle,
    U: DataHandle,
    bRec: DataHandle | null,
    h0: DataHandle,
    args: GruSequenceArgs,
    dtype: DType,
    mask?: DataHandle | null,
  ): GruSequenceResult;
  /**
   * Backpropagation through time for {@link gruSequence}, from the gradients of `h`
   * `[batch, steps, units]` and `hLast` (null = zero): returns `[dxProj, dU, dbRec, dh0]`.
   */
  gruSequenceGrad(
    saved: GruSequenceResult['saved'],
    dh: DataHandle | null,
    dhLast: DataHandle | null,
    args: GruSequenceArgs,
    dtype: DType,
  ): [DataHandle, DataHandle, DataHandle, DataHandle];

  /**
   * The GRU gate arithmetic of one step with `resetAfter` (Keras 3's default; gate order z, r,
   * h; sigmoid gates, tanh candidate): from the input projection `x` and the recurrent
   * projection `r` (both `[batch, 3·units]`, biases included) and the state `h`
   * `[batch, units]`, returns `h' = ĥ + z·(h − ĥ)` with `z = σ(x_z + r_z)`,
   * `ρ = σ(x_r + r_r)`, `ĥ = tanh(x_h + ρ·r_h)`.
   */
  gruCell(
    x: DataHandle,
    r: DataHandle,
    h: DataHandle,
    batch: number,
    units: number,
    dtype: DType,
  ): DataHandle;
  /** The gradient of {@link gruCell} given `dy`: `[dx, dr, dh]`. */
  gruCellGrad(
    x: DataHandle,
    r: DataHandle,
    h: DataHandle,
    dy: DataHandle,
    batch: number,
    units: number,
    dtype: DType,
  ): [DataHandle, DataHandle, DataHandle];

  /**
   * Whether {@link attention} runs as one fused kernel on this backend for `dtype` (attention
   * layers use it only then; the BaseBackend reference works everywhere but is no faster).
   */
  hasFusedAttention(dtype: DType): boolean;
  /**
   * Scaled dot-product attention in one call: `logits = scale·q·kᵀ + bias` per batch and head,
   * masked logits (mask false, or s > t when causal) set to `args.maskedValue`,
   * `probs = softmax(logits)`, `out = probs·v`. Returns `[out, probs]`: out
   * `[batch, queryLen, heads, valueDim]`, probs `[batch, heads, queryLen, keyLen]` (what
   * {@link attentionGrad} reads, and the attention scores layers may return).
   */
  attention(
    q: DataHandle,
    k: DataHandle,
    v: DataHandle,
    mask: DataHandle | null,
    bias: DataHandle | null,
    args: AttentionArgs,
    dtype: DType,
  ): [DataHandle, DataHandle];
  /**
   * The gradient of {@link attention} given `dOut`: `[dq, dk, dv]`, and with
   * `args.logitGrad` the logits' gradient `[batch, heads, queryLen, keyLen]` fourth (what the
   * bias receives before its broadcast is summed). Masked logits were replaced, so no
   * gradient reaches q, k or the bias through them (even in a row masked whole).
   */
  attentionGrad(
    q: DataHandle,
    k: DataHandle,
    v: DataHandle,
    probs: DataHandle,
    mask: DataHandle | null,
    dOut: DataHandle,
    args: AttentionArgs,
    dtype: DType,
  ): AttentionGrads;

  // --- fused layer epilogue (BaseBackend returns null: the op composes add and relu) ---
  /**
   * `act(x + bias)` over x viewed as `[rows, cols]` with a `[cols]` bias (or none), in one pass
   * into new storage: the epilogue of a dense or convolution layer. Null when this backend has
   * no fused kernel for the dtype or size.
   */
  biasActivation(
    x: DataHandle,
    rows: number,
    cols: number,
    bias: DataHandle | null,
    act: FusedActivation,
    dtype: DType,
  ): DataHandle | null;

  /**
   * A convolution and its layer epilogue in one call, `act(conv2d(x, filter) + bias)`: what a
   * compiled step runs for a `conv2d` read only by a `biasActivation`. Optional: backends that
   * have it compute the epilogue while the convolution's output is still in cache. Equal to the
   * two calls exactly (the same additions, relu keeps NaN).
   */
  conv2dBiasActivation?(
    x: DataHandle,
    xShape: Shape,
    filter: DataHandle,
    filterShape: Shape,
    args: ConvArgs,
    bias: DataHandle | null,
    act: FusedActivation,
    dtype: DType,
  ): DataHandle;

  // --- fused optimizer steps (BaseBackend returns null: the optimizer runs its tensor formula) ---
  /**
   * One Adam step without amsgrad: `m' = m + (g − m)(1 − β₁)`, `v' = v + (g² − v)(1 − β₂)`,
   * `p' = p − lr·m'/(√v' + ε)`, into new storage (the inputs may be shared). Null when this
   * backend has no fused kernel for the dtype or size.
   */
  adamStep(
    p: DataHandle,
    g: DataHandle,
    m: DataHandle,
    v: DataHandle,
    size: number,
    hyper: AdamStepArgs,
    dtype: DType,
  ): [DataHandle, DataHandle, DataHandle] | null;
  /**
   * One plain RMSprop step: `v' = v·ρ + g²·(1 − ρ)`, `p' = p − g·lr/√(v' + ε)`, into new
   * storage. Null when this backend has no fused kernel for the dtype or size.
   */
  rmspropStep(
    p: DataHandle,
    g: DataHandle,
    v: DataHandle,
    size: number,
    hyper: RmspropStepArgs,
    dtype: DType,
  ): [DataHandle, DataHandle] | null;
}
