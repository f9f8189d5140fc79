/** `StackedRNNCells`: a list of recurrent cells used as one cell, as Keras 3's. */
import { noGrad } from '../../autograd/tape.js';
import { ValueError } from '../../errors.js';
import { flip } from '../../ops/arrange.js';
import { stack } from '../../ops/movement.js';
import {
  type Config,
  type ConfigValue,
  type SerializedObject,
  deserialize,
  registerSerializable,
  serialize,
} from '../../serialization.js';
import type { Tensor } from '../../tensor/tensor.js';
import { type CallOptions, Layer, type LayerArgs, isShapeList, toSnakeCase } from '../layer.js';
import type { SymbolicShape } from '../symbolic.js';
import { RNNCell } from './cell.js';
import { type SequenceCell, type SequenceRun, sequenceCell, unrollCell } from './loop.js';

/** Options of {@link StackedRNNCells}. */
export interface StackedRNNCellsArgs extends LayerArgs {
  /** The cells, bottom first: each an {@link RNNCell} or its `{className, config}` (at least one). */
  cells: readonly (RNNCell | SerializedObject)[];
}

/**
 * A stack of recurrent cells that behaves as a single cell (Keras's `StackedRNNCells`): at each
 * step cell k reads the output of cell k−1 (cell 0 reads `x_t`). Its states are the cells'
 * states one after the other, bottom cell first (`[h₀, c₀, h₁, …]` for LSTM then GRU: Keras 3's
 * order, flattened); its output is the top cell's. `new RNN({ cell: [a, b] })` wraps the list
 * in one, as Keras does. Weights are the cells' in order; in a `.keras` file they sit under
 * `…/cell/cells/<snake_case class>[_n]/vars`.
 *
 * Inside an `RNN` the stack runs one cell at a time over the whole sequence (each cell's
 * fused or unrolled loop, its dropout masks drawn once per sequence), which computes the same
 * outputs and states as stepping all cells together.
 *
 * Formula: `y⁰_t = x_t`; `(yᵏ_t, sᵏ_t) = cellₖ(yᵏ⁻¹_t, sᵏ_{t−1})`; output `yᴷ_t`.
 *
 * Shape: `[[batch, ...features], ...states]` → `[[batch, outputSize], ...newStates]`, states
 * as each cell's (`stateSize` is the cells' sizes concatenated).
 * @example
 * const cells = new StackedRNNCells({ cells: [new LSTMCell({ units: 8 }), new GRUCell({ units: 4 })] });
 * const [y, h1, c1, h2] = new RNN({ cell: cells, returnState: true }).applyMulti(zeros([2, 5, 3]));
 * y.shape; // [2, 4]
 */
export class StackedRNNCells extends RNNCell implements SequenceCell {
  static override readonly className: string = 'StackedRNNCells';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = {
    cells: [{ className: 'SimpleRNNCell', config: { units: 1, name: '__probe_stacked_cell' } }],
  };
  /** The cells, bottom first. */
  readonly cells: readonly RNNCell[];

  constructor(args: StackedRNNCellsArgs) {
    super(args);
    const list = args?.cells;
    const who = `${this.name} (${this.className})`;
    if (!Array.isArray(list) || list.length === 0) {
      throw new ValueError(`${who}: cells must be a non-empty list of RNN cells`);
    }
    this.cells = list.map((c, i) => {
      const cell = c instanceof Layer ? c : deserialize<Layer>('layer', c as SerializedObject);
      if (!(cell instanceof RNNCell)) {
        throw new ValueError(
          `${who}: cells[${i}] must be an RNNCell (with stateSize and call), got ${cell.className}`,
        );
      }
      return this.trackLayer(cell);
    });
  }

  /** Every cell's state sizes, bottom cell first. */
  get stateSize(): readonly number[] {
    return this.cells.flatMap((c) => [...c.stateSize]);
  }

  /** The top cell's output size. */
  override get outputSize(): number {
    return this.cells[this.cells.length - 1]!.outputSize;
  }

  override getInitialState(batchSize: number): Tensor[] {
    return this.cells.flatMap((c) => c.getInitialState(batchSize));
  }

  /** Splits a flat state list into each cell's states. */
  private splitStates(states: readonly Tensor[]): Tensor[][] {
    const want = this.stateSize.length;
    if (states.length !== want) {
      throw new ValueError(
        `${this.name} (${this.className}): expects ${want} state(s) (${this.cells.map((c) => c.stateSize.length).join(' + ')}), got ${states.length}`,
      );
    }
    let at = 0;
    return this.cells.map((c) => {
      const n = c.stateSize.length;
      at += n;
      return states.slice(at - n, at);
    });
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    let shape = isShapeList(inputShape)
      ? (inputShape as SymbolicShape[])[0]!
      : (inputShape as SymbolicShape);
    for (const cell of this.cells) {
      if (!cell.built) {
        cell.build(shape);
        cell.built = true;
        cell.builtInputShape = shape;
      }
      shape = [shape[0] ?? null, cell.outputSize];
    }
    this.built = true;
  }

  /** One step: `[x_t, ...states] → [output, ...newStates]`, the cells in order. */
  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const [x, ...states] = list;
    const per = this.splitStates(states);
    let y = x!;
    const next: Tensor[] = [];
    this.cells.forEach((cell, k) => {
      const out = cell.call([y, ...per[k]!], opts);
      const outs = Array.isArray(out) ? out : [out];
      y = outs[0]!;
      next.push(...outs.slice(1));
    });
    return [y, ...next];
  }

  /**
   * The whole sequence, one cell after the other (each by its fused op when it has one, else
   * step by step); never null. `goBackwards` reverses the sequence (and mask) once up front.
   */
  runSequence(
    sequence: Tensor,
    states: readonly Tensor[],
    training: boolean,
    goBackwards: boolean,
    mask: Tensor | null = null,
    zeroOutputForMask = false,
  ): SequenceRun {
    const per = this.splitStates(states);
    let x = goBackwards ? flip(sequence, 1) : sequence;
    const m = mask && goBackwards ? noGrad(() => flip(mask, 1)) : mask;
    const masks = m
      ? noGrad(() => {
          const [b, steps] = m.shape as [number, number];
          return Array.from({ length: steps }, (_, t) => m.slice([0, t], [b, 1]));
        })
      : null;
    const finals: Tensor[] = [];
    let last = x;
    for (let k = 0; k < this.cells.length; k++) {
      const cell = this.cells[k]!;
      const fused = sequenceCell(cell)?.runSequence(
        x,
        per[k]!,
        training,
        false,
        m,
        zeroOutputForMask,
      );
      if (fused) {
        x = fused.sequence;
        last = fused.last;
        finals.push(...fused.states);
        continue;
      }
      const r = unrollCell(cell, x, per[k]!, masks, training, false, zeroOutputForMask, true);
      x = stack(r.outputs, 1);
      last = r.outputs[r.outputs.length - 1]!;
      finals.push(...r.states);
    }
    return { sequence: x, last, states: finals };
  }

  /** Keras's paths: `cells/<snake_case class name>`, `_1`, `_2`… on repeats. */
  override savedChildren(): Record<string, Layer> {
    const used = new Map<string, number>();
    const out: Record<string, Layer> = {};
    for (const cell of this.cells) {
      let key =
        (cell.constructor as { kerasSnakeName?: string }).kerasSnakeName ??
        toSnakeCase(cell.className);
      const n = used.get(key);
      if (n === undefined) used.set(key, 0);
      else {
        used.set(key, n + 1);
        key = `${key}_${n + 1}`;
      }
      out[`cells/${key}`] = cell;
    }
    return out;
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      cells: this.cells.map((c) => serialize(c) as unknown as ConfigValue),
    };
  }
}

registerSerializable('layer', StackedRNNCells);
