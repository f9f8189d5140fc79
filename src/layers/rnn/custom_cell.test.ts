/**
 * A user-written cell (an RNNCell subclass registered with registerSerializable) inside `RNN`
 * and inside a list of cells, through `.keras`: the config carries the class as Tessera writes
 * custom classes (`module`/`registered_name`), the weights sit under Keras's paths
 * `layers/rnn/cell/vars` (or `…/cell/cells/<name>/vars`), and the loaded model predicts the same.
 */
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../../test/helpers/expect_close.js';
import { openH5 } from '../../io/h5.js';
import { loadModelFromBytes, modelToKerasBytes } from '../../io/save_load.js';
import { readZip } from '../../io/zip.js';
import { Sequential } from '../../models/sequential.js';
import { tensor } from '../../ops/creation.js';
import { type Config, registerSerializable } from '../../serialization.js';
import type { Tensor } from '../../tensor/tensor.js';
import { input } from '../input_layer.js';
import { type CallOptions, type LayerVariable, isShapeList } from '../layer.js';
import type { SymbolicShape } from '../symbolic.js';
import { RNNCell } from './cell.js';
import { LSTMCell } from './lstm.js';
import { RNN } from './rnn.js';

/** `h_t = tanh(x·K + h·R)·scale`. */
class ScaledTanhCell extends RNNCell {
  static override readonly className = 'ScaledTanhCell';
  readonly stateSize: readonly number[];
  readonly units: number;
  readonly scale: number;
  kernel: LayerVariable | null = null;
  recurrent: LayerVariable | null = null;
  constructor(args: { units: number; scale?: number; name?: string }) {
    super(args);
    this.units = args.units;
    this.scale = args.scale ?? 1;
    this.stateSize = [args.units];
  }
  override build(s: SymbolicShape | SymbolicShape[]): void {
    const x = (isShapeList(s) ? (s as SymbolicShape[])[0]! : s) as SymbolicShape;
    this.kernel = this.addWeight({ name: 'kernel', shape: [x.at(-1)!, this.units] });
    this.recurrent = this.addWeight({ name: 'recurrent_kernel', shape: [this.units, this.units] });
  }
  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor[] {
    const [x, h] = inputs as Tensor[];
    const y = x!.matmul(this.kernel!).add(h!.matmul(this.recurrent!)).tanh().mul(this.scale);
    return [y, y];
  }
  override getConfig(): Config {
    return { ...super.getConfig(), units: this.units, scale: this.scale };
  }
}
registerSerializable('layer', ScaledTanhCell);

async function datasets(bytes: Uint8Array): Promise<string[]> {
  const r = await openH5(readZip(bytes).get('model.weights.h5')!);
  const out: string[] = [];
  const walk = (g: string) => {
    for (const k of r.keys(g)) {
      const p = g ? `${g}/${k}` : k;
      if (r.isGroup(p)) walk(p);
      else out.push(p);
    }
  };
  walk('');
  r.close();
  return out.sort();
}

const x = tensor(
  Array.from({ length: 2 * 4 * 3 }, (_, i) => Math.cos(i)),
  [2, 4, 3],
);

describe('a user-written cell inside RNN, through .keras', () => {
  it('RNN(ScaledTanhCell) saves its config and weights as Keras would and loads back', async () => {
    const m = new Sequential([
      input({ shape: [4, 3] }),
      new RNN({ cell: new ScaledTanhCell({ units: 2, scale: 0.5 }), returnSequences: true }),
    ]);
    const bytes = await modelToKerasBytes(m);
    expect(await datasets(bytes)).toEqual(['layers/rnn/cell/vars/0', 'layers/rnn/cell/vars/1']);
    const cfg = JSON.parse(new TextDecoder().decode(readZip(bytes).get('config.json')));
    const rnn = cfg.config.layers.find((l: { class_name: string }) => l.class_name === 'RNN');
    expect(rnn.config.cell).toMatchObject({
      module: 'tessera',
      class_name: 'ScaledTanhCell',
      registered_name: 'ScaledTanhCell',
      config: { units: 2, scale: 0.5 },
    });
    const back = await loadModelFromBytes(bytes);
    const cell = (back.layers.find((l) => l instanceof RNN) as RNN).cell;
    expect(cell).toBeInstanceOf(ScaledTanhCell);
    expect((cell as ScaledTanhCell).scale).toBe(0.5);
    expectClose(back.predict(x) as Tensor, m.predict(x) as Tensor, { atol: 1e-6 });
  });

  it('a custom cell in a list of cells (StackedRNNCells) round-trips', async () => {
    const m = new Sequential([
      input({ shape: [4, 3] }),
      new RNN({ cell: [new ScaledTanhCell({ units: 3, scale: 2 }), new LSTMCell({ units: 2 })] }),
    ]);
    const bytes = await modelToKerasBytes(m);
    expect(await datasets(bytes)).toEqual([
      'layers/rnn/cell/cells/lstm_cell/vars/0',
      'layers/rnn/cell/cells/lstm_cell/vars/1',
      'layers/rnn/cell/cells/lstm_cell/vars/2',
      'layers/rnn/cell/cells/scaled_tanh_cell/vars/0',
      'layers/rnn/cell/cells/scaled_tanh_cell/vars/1',
    ]);
    const back = await loadModelFromBytes(bytes);
    expectClose(back.predict(x) as Tensor, m.predict(x) as Tensor, { atol: 1e-6 });
  });
});
