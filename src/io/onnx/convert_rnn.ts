/**
 * ONNX converters of the sequence layers: Embedding (Gather), SimpleRNN, LSTM and GRU (and an
 * `RNN` over one of their cells) as ONNX's RNN, LSTM and GRU operators, Bidirectional (two
 * runs, merged) and TimeDistributed (batch and time merged around the wrapped layer).
 *
 * ONNX's recurrent operators run the activations they have (tanh, sigmoid, relu, linear,
 * softsign, softplus, elu, leaky relu, both hard sigmoids), through their `activations`
 * attribute; others (gelu, silu, …) are exported as an unrolled graph (one set of nodes per
 * timestep), which needs a fixed number of timesteps. Refused, naming the layer: stateful layers, inputs
 * that carry a Keras mask (Embedding `maskZero`, Masking upstream), ConvLSTM, and `RNN` over a
 * user cell or stacked cells.
 */
import { type Layer, isShapeList } from '../../layers/layer.js';
import { GRUCell } from '../../layers/rnn/gru.js';
import { LSTMCell } from '../../layers/rnn/lstm.js';
import { RNN } from '../../layers/rnn/rnn.js';
import { SimpleRNNCell } from '../../layers/rnn/simple_rnn.js';
import { Bidirectional, TimeDistributed } from '../../layers/rnn/wrappers.js';
import type { SymbolicShape } from '../../layers/symbolic.js';
import type { Tensor } from '../../tensor/tensor.js';
import { type OnnxLayerContext, registerOnnxConverter } from './export.js';
import { layerGetsMask } from './masks.js';
import { type OnnxAttr, OnnxType, attr } from './onnx_proto.js';

function refuseMasked(c: OnnxLayerContext): void {
  if (layerGetsMask(c.layer))
    c.unsupported(
      'an input mask (from Embedding maskZero or Masking upstream: the layer would skip the masked timesteps, which ONNX recurrent operators cannot)',
    );
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

const ints = (c: OnnxLayerContext, v: readonly number[]) => c.constInt64(v);

function squeeze(c: OnnxLayerContext, x: string, axis: number): string {
  return c.op1('Squeeze', [x, ints(c, [axis])]);
}

function unsqueeze(c: OnnxLayerContext, x: string, axis: number): string {
  return c.op1('Unsqueeze', [x, ints(c, [axis])]);
}

/** `x` reversed along `axis` (any length): a Slice from the end with step −1. */
function reverse(c: OnnxLayerContext, x: string, axis: number): string {
  return c.op1('Slice', [
    x,
    ints(c, [-1]),
    ints(c, [Number.MIN_SAFE_INTEGER]),
    ints(c, [axis]),
    ints(c, [-1]),
  ]);
}

/** Zeros `[batch, n]`, the batch taken from `x` (`[batch, …]`). */
function zerosState(c: OnnxLayerContext, x: string, n: number): string {
  const batch = c.op1('Shape', [x], { start: attr.int(0), end: attr.int(1) });
  const dims = c.op1('Concat', [batch, ints(c, [n])], { axis: attr.int(0) });
  return c.op1('Expand', [c.constFloat([0], [1, 1]), dims]);
}

// ---------------------------------------------------------------------------------------------
// SimpleRNN, LSTM, GRU

type CellKind = 'RNN' | 'LSTM' | 'GRU';

/** What the export needs of a built-in cell. */
interface CellSpec {
  /** The ONNX operator. */
  kind: CellKind;
  units: number;
  /** `kernel` `[inputDim, gates·units]`, `recurrent_kernel` `[units, gates·units]`. */
  kernel: Tensor;
  recurrent: Tensor;
  /** `[gates·units]`, or GRU `resetAfter`'s `[2, 3·units]`; null without bias. */
  bias: Tensor | null;
  /** Config names of the activations (`recurrentActivation`: the gates'; none for SimpleRNN). */
  activation: unknown;
  recurrentActivation: unknown;
  resetAfter: boolean;
}

/** Keras's gate blocks, in ONNX's order: LSTM i,f,c,o → i,o,f,c; GRU z,r,h as is. */
const GATE_ORDER: Record<CellKind, readonly number[]> = {
  RNN: [0],
  LSTM: [0, 3, 1, 2],
  GRU: [0, 1, 2],
};

/** The cell of a recurrent layer as a {@link CellSpec}; user cells and stacks are refused. */
function cellSpec(c: OnnxLayerContext, layer: RNN): CellSpec {
  const cell = layer.cell;
  const name = cell.className;
  let kind: CellKind;
  if (name === 'LSTMCell' && cell instanceof LSTMCell) kind = 'LSTM';
  else if (name === 'GRUCell' && cell instanceof GRUCell) kind = 'GRU';
  else if (name === 'SimpleRNNCell' && cell instanceof SimpleRNNCell) kind = 'RNN';
  else if (name === 'StackedRNNCells')
    return c.unsupported(
      'an RNN over stacked cells (StackedRNNCells; stack recurrent layers instead)',
    );
  else
    return c.unsupported(
      `an RNN over the cell '${cell.name}' (${name}): a user cell steps through its own JS call, which has no ONNX form`,
    );
  const cfg = cell.getConfig() as Record<string, unknown>;
  if (!cell.kernel || !cell.recurrentKernel)
    return c.unsupported('a recurrent layer that is not built');
  return {
    kind,
    units: cell.units,
    kernel: cell.kernel,
    recurrent: cell.recurrentKernel,
    bias: cell.useBias ? cell.bias : null,
    activation: cfg.activation,
    recurrentActivation: kind === 'RNN' ? undefined : cfg.recurrentActivation,
    resetAfter: cell instanceof GRUCell ? cell.resetAfter : false,
  };
}

/** One run over a sequence: the outputs (processing order, batch first), the last, the states. */
interface Run {
  sequence: () => string;
  last: string;
  states: string[];
}

/**
 * A Keras weight `[rows, G·H]` (gate blocks of H columns) as ONNX's `[G·H, rows]`, its gate
 * blocks in `order`.
 */
function gateRows(
  w: ArrayLike<number>,
  rows: number,
  h: number,
  order: readonly number[],
): Float64Array {
  const g = order.length;
  const out = new Float64Array(g * h * rows);
  for (let gi = 0; gi < g; gi++) {
    const src = order[gi]! * h;
    for (let k = 0; k < h; k++)
      for (let j = 0; j < rows; j++) out[(gi * h + k) * rows + j] = w[j * g * h + src + k]!;
  }
  return out;
}

/** ONNX's `B` `[W_b, R_b]` (2·G·H) from Keras's bias, gates reordered. */
function onnxBias(s: CellSpec): Float64Array {
  const order = GATE_ORDER[s.kind];
  const gh = order.length * s.units;
  const b = s.bias!.dataSync() as ArrayLike<number>;
  const out = new Float64Array(2 * gh);
  // GRU resetAfter's [2, 3H] is [input bias; recurrent bias], both in ONNX's z, r, h order.
  if (s.kind === 'GRU' && s.resetAfter) {
    out.set(Float64Array.from(b));
    return out;
  }
  order.forEach((src, gi) => {
    for (let k = 0; k < s.units; k++) out[gi * s.units + k] = b[src * s.units + k]!;
  });
  return out;
}

/**
 * The layer as ONNX's RNN / LSTM / GRU operator (direction forward, or reverse for
 * `goBackwards`; X transposed to ONNX's `[time, batch, features]` and back). ONNX's Y is in
 * time order, Keras's `goBackwards` sequence in processing order: it is reversed.
 */
function nativeRun(
  c: OnnxLayerContext,
  s: CellSpec,
  x: string,
  init: readonly string[],
  back: boolean,
): Run {
  const h = s.units;
  const order = GATE_ORDER[s.kind];
  const gh = order.length * h;
  const inDim = s.kernel.shape[0]!;
  const w = c.constFloat(gateRows(s.kernel.dataSync() as ArrayLike<number>, inDim, h, order), [
    1,
    gh,
    inDim,
  ]);
  const r = c.constFloat(gateRows(s.recurrent.dataSync() as ArrayLike<number>, h, h, order), [
    1,
    gh,
    h,
  ]);
  const b = s.bias ? c.constFloat(onnxBias(s), [1, 2 * gh]) : '';
  const xt = c.op1('Transpose', [x], { perm: attr.ints([1, 0, 2]) });
  const inputs = [xt, w, r, b, '', ...init.map((v) => unsqueeze(c, v, 0))];
  while (inputs[inputs.length - 1] === '') inputs.pop();
  const attrs = {
    ...activationAttrs(s),
    hidden_size: attr.int(h),
    direction: attr.string(back ? 'reverse' : 'forward'),
    ...(s.kind === 'GRU' ? { linear_before_reset: attr.int(s.resetAfter ? 1 : 0) } : {}),
  };
  const [y, yh, yc] = c.op(s.kind, inputs, attrs, s.kind === 'LSTM' ? 3 : 2) as [
    string,
    string,
    string?,
  ];
  const hLast = squeeze(c, yh, 0);
  return {
    sequence: () => {
      let seq = squeeze(c, y, 1); // [time, batch, units]
      if (back) seq = reverse(c, seq, 0);
      return c.op1('Transpose', [seq], { perm: attr.ints([1, 0, 2]) });
    },
    last: hLast,
    states: yc ? [hLast, squeeze(c, yc, 0)] : [hLast],
  };
}

/**
 * The layer unrolled, one set of nodes per timestep, with any activation `emitActivation`
 * writes (for the activations ONNX's recurrent operators lack).
 * Needs the number of timesteps; the cell's arithmetic is Keras's (see `LSTMCell`, `GRUCell`).
 */
function unrolledRun(
  c: OnnxLayerContext,
  s: CellSpec,
  x: string,
  init: readonly string[],
  back: boolean,
  steps: number | null | undefined,
): Run {
  if (typeof steps !== 'number')
    return c.unsupported(
      `activation ${JSON.stringify(s.activation)}${s.kind === 'RNN' ? '' : ` / recurrentActivation ${JSON.stringify(s.recurrentActivation)}`} with a variable number of timesteps (ONNX's recurrent operators lack it, and unrolling needs a fixed sequence length)`,
    );
  const h = s.units;
  const act = (v: string) => c.activation(s.activation, v);
  const ract = (v: string) => c.activation(s.recurrentActivation, v);
  const r = c.weight(s.recurrent);
  let xw = c.op1('MatMul', [x, c.weight(s.kernel)]);
  let recBias: string | null = null;
  if (s.bias) {
    const b = s.bias.dataSync() as ArrayLike<number>;
    const gh = 3 * h;
    if (s.kind === 'GRU' && s.resetAfter) {
      xw = c.op1('Add', [xw, c.constFloat(Array.prototype.slice.call(b, 0, gh), [gh])]);
      recBias = c.constFloat(Array.prototype.slice.call(b, gh, 2 * gh), [gh]);
    } else xw = c.op1('Add', [xw, c.weight(s.bias)]);
  }
  const xs = c.op('Split', [xw], { axis: attr.int(1) }, steps).map((p) => squeeze(c, p, 1));
  const n = s.kind === 'LSTM' ? 2 : 1;
  let states = init.length ? [...init] : Array.from({ length: n }, () => zerosState(c, x, h));
  const split = (v: string, k: number) => c.op('Split', [v], { axis: attr.int(-1) }, k);
  const add = (a: string, b: string) => c.op1('Add', [a, b]);
  const mul = (a: string, b: string) => c.op1('Mul', [a, b]);
  const uzr = s.kind === 'GRU' && !s.resetAfter ? sliceCols(c, r, 0, 2 * h) : '';
  const uh = s.kind === 'GRU' && !s.resetAfter ? sliceCols(c, r, 2 * h, 3 * h) : '';
  const outs: string[] = [];
  for (let k = 0; k < steps; k++) {
    const xt = xs[back ? steps - 1 - k : k]!;
    const hPrev = states[0]!;
    if (s.kind === 'RNN') {
      states = [act(add(xt, c.op1('MatMul', [hPrev, r])))];
    } else if (s.kind === 'LSTM') {
      const z = add(xt, c.op1('MatMul', [hPrev, r]));
      const [zi, zf, zc, zo] = split(z, 4) as [string, string, string, string];
      const cNext = add(mul(ract(zf), states[1]!), mul(ract(zi), act(zc)));
      states = [mul(ract(zo), act(cNext)), cNext];
    } else {
      const [xz, xr, xh] = split(xt, 3) as [string, string, string];
      let z: string;
      let hh: string;
      if (s.resetAfter) {
        let inner = c.op1('MatMul', [hPrev, r]);
        if (recBias) inner = add(inner, recBias);
        const [iz, ir, ih] = split(inner, 3) as [string, string, string];
        z = ract(add(xz, iz));
        hh = act(add(xh, mul(ract(add(xr, ir)), ih)));
      } else {
        const [iz, ir] = split(c.op1('MatMul', [hPrev, uzr]), 2) as [string, string];
        z = ract(add(xz, iz));
        hh = act(add(xh, c.op1('MatMul', [mul(ract(add(xr, ir)), hPrev), uh])));
      }
      // z ⊙ h_{t−1} + (1 − z) ⊙ ĥ, written as Keras does: ĥ + z ⊙ (h_{t−1} − ĥ).
      states = [add(hh, mul(z, c.op1('Sub', [hPrev, hh])))];
    }
    outs.push(states[0]!);
  }
  return {
    sequence: () =>
      c.op1('Reshape', [c.op1('Concat', outs, { axis: attr.int(1) }), ints(c, [0, steps, h])]),
    last: outs[outs.length - 1]!,
    states,
  };
}

/** Columns `[from, to)` of a rank-2 value. */
function sliceCols(c: OnnxLayerContext, w: string, from: number, to: number): string {
  return c.op1('Slice', [w, ints(c, [from]), ints(c, [to]), ints(c, [1])]);
}

/**
 * Keras activations as the activation functions ONNX's recurrent operators take (name, and
 * the α, β they consume in order); null for one they lack (gelu, silu, …: unrolled instead).
 */
function onnxRecurrentActivation(
  name: unknown,
): { fn: string; alpha?: number; beta?: number } | null {
  switch (name) {
    case 'tanh':
      return { fn: 'Tanh' };
    case 'sigmoid':
      return { fn: 'Sigmoid' };
    case 'relu':
      return { fn: 'Relu' };
    case 'linear':
    case null:
    case undefined:
      return { fn: 'Affine', alpha: 1, beta: 0 };
    case 'softsign':
      return { fn: 'Softsign' };
    case 'softplus':
      return { fn: 'Softplus' };
    case 'elu':
      return { fn: 'Elu', alpha: 1 };
    case 'leakyRelu':
    case 'leaky_relu':
      return { fn: 'LeakyRelu', alpha: 0.2 };
    case 'hardSigmoid':
    case 'hard_sigmoid':
      return { fn: 'HardSigmoid', alpha: 1 / 6, beta: 0.5 };
    case 'hardSigmoidKeras2':
    case 'hard_sigmoid_keras2':
      return { fn: 'HardSigmoid', alpha: 0.2, beta: 0.5 };
    default:
      return null;
  }
}

/**
 * The operator's `activations` attributes for the cell (RNN: f; LSTM: f, g, h; GRU: f, g, with
 * f the gates' activation), or null when one has no ONNX form.
 */
function activationAttrs(s: CellSpec): Record<string, OnnxAttr> | null {
  const names =
    s.kind === 'RNN'
      ? [s.activation]
      : s.kind === 'LSTM'
        ? [s.recurrentActivation, s.activation, s.activation]
        : [s.recurrentActivation, s.activation];
  const fns = names.map(onnxRecurrentActivation);
  if (fns.some((f) => f === null)) return null;
  const alphas = fns.flatMap((f) => (f!.alpha === undefined ? [] : [f!.alpha]));
  const betas = fns.flatMap((f) => (f!.beta === undefined ? [] : [f!.beta]));
  return {
    activations: attr.strings(fns.map((f) => f!.fn)),
    ...(alphas.length ? { activation_alpha: attr.floats(alphas) } : {}),
    ...(betas.length ? { activation_beta: attr.floats(betas) } : {}),
  };
}

/**
 * SimpleRNN, LSTM, GRU and `RNN` over one of their cells: initial states (extra inputs) go to
 * ONNX's `initial_h`/`initial_c`; outputs as Keras's (`returnSequences`, `returnState`).
 */
function recurrent(c: OnnxLayerContext): string[] {
  const layer = c.layer;
  if (!(layer instanceof RNN)) return c.unsupported('a recurrent layer that is not an RNN');
  if (layer.stateful)
    c.unsupported(
      'stateful: true (states carried from one batch to the next are not in the graph)',
    );
  refuseMasked(c);
  const shape = c.inputShapes[0]!;
  if (shape.length !== 3) c.unsupported(`an input of rank ${shape.length} (expected 3)`);
  const s = cellSpec(c, layer);
  const [x, ...init] = c.inputs as [string, ...string[]];
  const run = activationAttrs(s)
    ? nativeRun(c, s, x, init, layer.goBackwards)
    : unrolledRun(c, s, x, init, layer.goBackwards, shape[1]);
  const y = layer.returnSequences ? run.sequence() : run.last;
  return layer.returnState ? [y, ...run.states] : [y];
}

// ---------------------------------------------------------------------------------------------
// Bidirectional, TimeDistributed, Embedding

/**
 * Bidirectional: both directions exported as their own layers on the same input (initial
 * states split in half, forward's first), the backward sequence turned back in time, merged.
 */
function bidirectional(c: OnnxLayerContext): string[] {
  const bi = c.layer;
  if (!(bi instanceof Bidirectional)) return c.unsupported('a Bidirectional of another kind');
  if (bi.stateful)
    c.unsupported(
      'stateful: true (states carried from one batch to the next are not in the graph)',
    );
  refuseMasked(c);
  const [x, ...init] = c.inputs as [string, ...string[]];
  const [xShape, ...stateShapes] = c.inputShapes as [SymbolicShape, ...SymbolicShape[]];
  const half = init.length / 2;
  const run = (l: Layer, from: number): string[] => {
    const out = l.computeOutputShape(xShape);
    const outShapes = isShapeList(out) ? (out as SymbolicShape[]) : [out as SymbolicShape];
    return c.applyLayer(
      l,
      [x, ...init.slice(from, from + half)],
      [xShape, ...stateShapes.slice(from, from + half)],
      outShapes,
    );
  };
  const [yf, ...fStates] = run(bi.forwardLayer, 0) as [string, ...string[]];
  const [ybRaw, ...bStates] = run(bi.backwardLayer, half) as [string, ...string[]];
  // The backward layer returns its sequence in processing order: turn it back in time.
  const yb = bi.returnSequences ? reverse(c, ybRaw, 1) : ybRaw;
  let outs: string[];
  switch (bi.mergeMode) {
    case 'concat':
      outs = [c.op1('Concat', [yf, yb], { axis: attr.int(-1) })];
      break;
    case 'sum':
      outs = [c.op1('Add', [yf, yb])];
      break;
    case 'mul':
      outs = [c.op1('Mul', [yf, yb])];
      break;
    case 'ave':
      outs = [c.op1('Div', [c.op1('Add', [yf, yb]), c.constFloat([2], [])])];
      break;
    default:
      outs = [yf, yb];
  }
  return bi.returnState ? [...outs, ...fStates, ...bStates] : outs;
}

/** TimeDistributed: `[N, T, …]` → `[N·T, …]`, the wrapped layer, → `[N, T, …]`. */
function timeDistributed(c: OnnxLayerContext): string[] {
  const td = c.layer;
  if (!(td instanceof TimeDistributed)) return c.unsupported('a TimeDistributed of another kind');
  const x = c.inputs[0]!;
  const inShape = c.inputShapes[0]!;
  // A mask deeper than [batch, time] goes on to the wrapped layer: refused where it would count.
  if (inShape.length > 3 && (td.layer instanceof RNN || td.layer instanceof Bidirectional))
    refuseMasked(c);
  const outShape = c.outputShapes[0]!;
  const rest = c.op1('Shape', [x], { start: attr.int(2) });
  const flat = c.op1('Reshape', [x, c.op1('Concat', [ints(c, [-1]), rest], { axis: attr.int(0) })]);
  const [y] = c.applyLayer(
    td.layer,
    [flat],
    [[null, ...inShape.slice(2)]],
    [[null, ...outShape.slice(2)]],
  );
  const lead = c.op1('Shape', [x], { start: attr.int(0), end: attr.int(2) });
  const tail = c.op1('Shape', [y!], { start: attr.int(1) });
  return [c.op1('Reshape', [y!, c.op1('Concat', [lead, tail], { axis: attr.int(0) })])];
}

/** Embedding: a Gather of rows (ids cast to int64; a `maskZero` mask is refused downstream). */
function embedding(c: OnnxLayerContext): string[] {
  const table = c.layer.weights[0];
  if (!table) return c.unsupported('an Embedding that is not built');
  const ids = c.op1('Cast', [c.inputs[0]!], { to: attr.int(OnnxType.INT64) });
  return [c.op1('Gather', [c.weight(table), ids], { axis: attr.int(0) })];
}

registerOnnxConverter('Embedding', embedding);
for (const name of ['SimpleRNN', 'LSTM', 'GRU', 'RNN']) registerOnnxConverter(name, recurrent);
registerOnnxConverter('Bidirectional', bidirectional);
registerOnnxConverter('TimeDistributed', timeDistributed);
for (const name of ['ConvLSTM1D', 'ConvLSTM2D', 'ConvLSTM3D'])
  registerOnnxConverter(name, (c) =>
    c.unsupported(
      `${name} (a convolutional recurrence: ONNX has no such operator, and its per-step convolutions are not unrolled)`,
    ),
  );
