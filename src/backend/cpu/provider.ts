/**
 * The kernel-provider contract of the CPU backend. One {@link CpuBackend} owns host storage
 * (typed arrays), decides once per call whether a provider kernel may run (the eligibility rule
 * below), and otherwise runs the js reference. A provider (js, wasm, native) is only a table of
 * float32 kernels on plain arrays: it never sees handles, dtypes or fallbacks.
 *
 * **The eligibility rule** (in `CpuBackend.eligible`): a provider kernel runs when the op's
 * dtype is float32, every floating operand is a `Float32Array` in host storage, and the op's
 * work (elements, or multiply-adds for GEMM) is at least the provider's
 * {@link KernelProvider.minWork} for that family (and above zero). A kernel may still decline
 * by returning `null` (a geometry it has no kernel for, a 32-bit wasm heap that cannot grow);
 * the reference then runs. Kernels return fresh arrays from the host arena (`hostF32`), which
 * the backend wraps as storage.
 */
import type { Shape } from '../../tensor/shape.js';
import type {
  AdamStepArgs,
  AttentionArgs,
  BinaryOp,
  ConvArgs,
  GruSequenceArgs,
  LstmSequenceArgs,
  MatmulArgs,
  PoolArgs,
  RmspropStepArgs,
  UnaryOp,
} from '../backend.js';
import type { Operand } from '../broadcast_walk.js';

type F = Float32Array;

/**
 * Kernel families with a work threshold: below it the call into the provider (an N-API
 * crossing, a copy into wasm memory) costs more than the js loop.
 */
export type KernelFamily =
  | 'matmul'
  | 'unary'
  | 'binary'
  | 'compare'
  | 'where'
  | 'reduce'
  | 'gather'
  | 'epilogue'
  | 'optimizer';

/** The state a provider's whole-sequence LSTM or GRU keeps for its backward. */
export interface ProviderLstmSaved {
  readonly kind: string;
}

/**
 * A table of float32 kernels for the CPU backend. Every kernel is optional; a missing one, or
 * one that returns null, leaves the op to the js reference.
 *
 * @example
 * const provider: KernelProvider = { name: 'mine', minWork: {}, unary: (op, x, n) => null };
 * const backend = new CpuBackend(provider);
 */
export interface KernelProvider {
  /** The backend's name when this provider runs its kernels ('js', 'wasm', 'native'). */
  readonly name: string;
  /** What runs, in words, for `backendInfo()` (the native addon's origin, the wasm variant). */
  readonly detail?: string;
  /** Smallest work per family for which a kernel beats the js loop (default 1). */
  readonly minWork: Readonly<Partial<Record<KernelFamily, number>>>;
  /**
   * False where the provider's own bias add and relu (two vectorised passes) beat the js
   * backend's single fused loop: the fused layer epilogue then composes from primitives.
   */
  readonly fusedEpilogue?: boolean;
  /**
   * False where the provider has no argmax pooling kernel: max pooling then keeps the
   * provider's forward and backward instead of the js argmax loop.
   */
  readonly argmaxPooling?: boolean;

  /** `batch` products of `[m,k]·[k,n]` (operands transposed as `args` says). */
  matmul?(a: F, b: F, args: MatmulArgs): F | null;
  /** An elementwise function of `size` values. */
  unary?(op: UnaryOp, x: F, size: number, param: number): F | null;
  /** Arithmetic over a row pattern (`rows × cols`, each operand a row/element stride pair). */
  binary?(op: BinaryOp, a: F, wa: Operand, b: F, wb: Operand, rows: number, cols: number): F | null;
  /** A comparison over a row pattern, into bools. */
  compare?(
    op: BinaryOp,
    a: F,
    wa: Operand,
    b: F,
    wb: Operand,
    rows: number,
    cols: number,
  ): Uint8Array | null;
  /** `cond ? a : b` over a row pattern. */
  where?(
    c: Uint8Array,
    wc: Operand,
    a: F,
    wa: Operand,
    b: F,
    wb: Operand,
    rows: number,
    cols: number,
  ): F | null;
  /** A sum over a contiguous run of axes (sorted ascending, non-empty). */
  reduceSum?(x: F, shape: Shape, axes: readonly number[]): F | null;
  /** Softmax (or log-softmax) over the last axis of `[rows, cols]`. */
  softmax?(x: F, rows: number, cols: number, log: boolean): F | null;
  conv2d?(x: F, xShape: Shape, f: F, fShape: Shape, args: ConvArgs): F | null;
  conv2dBackpropInput?(
    dy: F,
    dyShape: Shape,
    f: F,
    fShape: Shape,
    xShape: Shape,
    args: ConvArgs,
  ): F | null;
  conv2dBackpropFilter?(
    x: F,
    xShape: Shape,
    dy: F,
    dyShape: Shape,
    fShape: Shape,
    args: ConvArgs,
  ): F | null;
  maxPool2d?(x: F, xShape: Shape, args: PoolArgs): F | null;
  maxPool2dBackward?(dy: F, x: F, xShape: Shape, args: PoolArgs): F | null;
  maxPool2dWithArgmax?(x: F, xShape: Shape, args: PoolArgs): [F, Int32Array] | null;
  maxPool2dBackwardFromArgmax?(dy: F, argmax: Int32Array, numOut: number, xShape: Shape): F | null;
  /** The same scatter, kept only where the pooled relu output `y` at the argmax is positive. */
  maxPool2dBackwardReluFromArgmax?(
    dy: F,
    argmax: Int32Array,
    numOut: number,
    xShape: Shape,
    y: F,
  ): F | null;
  avgPool2d?(x: F, xShape: Shape, args: PoolArgs): F | null;
  avgPool2dBackward?(dy: F, xShape: Shape, args: PoolArgs): F | null;
  /** Rows of `[outer, n, inner]` picked along the middle axis. */
  gather?(x: F, idx: Int32Array, outer: number, n: number, inner: number): F | null;
  /** Rows of `[outer, numIndices, inner]` summed into a zeroed `[outer, n, inner]`. */
  scatterAdd?(u: F, idx: Int32Array, outer: number, n: number, inner: number): F | null;
  lstmCell?(z: F, c: F, batch: number, units: number): F | null;
  lstmCellGrad?(z: F, c: F, hc: F, dhc: F, batch: number, units: number): [F, F] | null;
  gruCell?(x: F, r: F, h: F, batch: number, units: number): F | null;
  gruCellGrad?(x: F, r: F, h: F, dy: F, batch: number, units: number): [F, F, F] | null;
  /**
   * The whole LSTM recurrence; the presence of this kernel makes the LSTM layer use it. `mask`
   * is `a.mask`'s bytes (`[batch, steps]`, time order) or null.
   */
  lstmSequence?(
    xProj: F,
    U: F,
    h0: F,
    c0: F,
    a: LstmSequenceArgs,
    mask: Uint8Array | null,
  ): { h: F; hLast: F; cLast: F; saved: ProviderLstmSaved } | null;
  lstmSequenceGrad?(
    saved: ProviderLstmSaved,
    dh: F | null,
    dhLast: F | null,
    dcLast: F | null,
    a: LstmSequenceArgs,
  ): [F, F, F, F];
  /** The whole GRU recurrence; the presence of this kernel makes the GRU layer use it. */
  gruSequence?(
    xProj: F,
    U: F,
    bRec: F | null,
    h0: F,
    a: GruSequenceArgs,
    mask: Uint8Array | null,
  ): { h: F; hLast: F; saved: ProviderLstmSaved } | null;
  gruSequenceGrad?(
    saved: ProviderLstmSaved,
    dh: F | null,
    dhLast: F | null,
    a: GruSequenceArgs,
  ): [F, F, F, F];
  /**
   * Fused scaled dot-product attention (`Backend.attention`): `[out, probs]`; the presence of
   * this kernel makes attention layers use it. `mask` is bool bytes
   * `[maskBatch, maskHeads, queryLen, keyLen]` or null, `bias` float
   * `[biasBatch, biasHeads, queryLen, keyLen]` or null.
   */
  attention?(
    q: F,
    k: F,
    v: F,
    mask: Uint8Array | null,
    bias: F | null,
    a: AttentionArgs,
  ): [F, F] | null;
  /** Its backward given `dOut`: `[dq, dk, dv]`, plus the logits' gradient with `a.logitGrad`. */
  attentionGrad?(
    q: F,
    k: F,
    v: F,
    probs: F,
    mask: Uint8Array | null,
    dOut: F,
    a: AttentionArgs,
  ): [F, F, F, F?] | null;
  /** `act(x + bias)` over `[rows, cols]` (bias per column, or none). */
  biasActivation?(x: F, rows: number, cols: number, bias: F | null, relu: boolean): F | null;
  /** conv2d followed by the layer epilogue, fused. */
  conv2dBiasActivation?(
    x: F,
    xShape: Shape,
    f: F,
    fShape: Shape,
    args: ConvArgs,
    bias: F | null,
    relu: boolean,
  ): F | null;
  adamStep?(p: F, g: F, m: F, v: F, size: number, hyper: AdamStepArgs): [F, F, F] | null;
  rmspropStep?(p: F, g: F, v: F, size: number, hyper: RmspropStepArgs): [F, F] | null;
}

/** The js provider: no kernels of its own, every op runs the reference. */
export const JS_PROVIDER: KernelProvider = { name: 'js', minWork: {} };
