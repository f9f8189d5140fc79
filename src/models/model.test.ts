import { describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { ShapeError, ValueError } from '../errors.js';
import { Dense } from '../layers/dense.js';
import { input } from '../layers/input_layer.js';
import { Layer } from '../layers/layer.js';
import { tensor } from '../ops/creation.js';
import { randomNormal, setSeed } from '../ops/random.js';
import { deserialize, serialize } from '../serialization.js';
import { Model, model } from './model.js';
import { Sequential } from './sequential.js';

describe('Sequential', () => {
  it('infers shapes from the first layer and builds at add time', () => {
    const m = new Sequential();
    m.add(new Dense({ units: 8, inputShape: [4] }));
    m.add(new Dense({ units: 3 }));
    expect(m.layers.length).toBe(2);
    expect(m.outputs[0]!.shape).toEqual([null, 3]);
    // 4·8 + 8 + 8·3 + 3
    expect(m.countParams()).toBe(67);
    expect(m.weights.map((w) => w.shape)).toEqual([[4, 8], [8], [8, 3], [3]]);
  });

  it('builds on first call when no input shape is given', () => {
    const m = new Sequential({ layers: [new Dense({ units: 5 }), new Dense({ units: 2 })] });
    expect(m.weights.length).toBe(0);
    const y = m.apply(tensor([[1, 2, 3]]));
    expect(y.shape).toEqual([1, 2]);
    expect(m.countParams()).toBe(3 * 5 + 5 + 5 * 2 + 2);
  });

  it('accepts an input() as first element and pops layers', () => {
    const m = new Sequential();
    m.add(input({ shape: [6] }));
    m.add(new Dense({ units: 4 }));
    m.add(new Dense({ units: 2 }));
    const last = m.pop();
    expect(last).toBeInstanceOf(Dense);
    expect(m.outputs[0]!.shape).toEqual([null, 4]);
    expect(m.countParams()).toBe(6 * 4 + 4);
  });

  it('reports a shape mismatch at build time naming both layers and shapes', () => {
    const d = new Dense({ units: 3, name: 'narrow' });
    d.apply(tensor([[1, 2]])); // built for 2 features
    const m = new Sequential();
    m.add(new Dense({ units: 5, inputShape: [4], name: 'wide' }));
    expect(() => m.add(d)).toThrow(ShapeError);
    expect(() => m.add(d)).toThrow(
      /narrow \(Dense\): expected axis -1 of size 2 \(built for input shape \[1, 2\]\), got input shape \[null, 5\] from layer 'wide'/,
    );
  });

  it('config round trip through JSON rebuilds the same architecture', () => {
    setSeed(1);
    const m = new Sequential({
      layers: [
        new Dense({ units: 4, activation: 'relu', inputShape: [3] }),
        new Dense({ units: 2, activation: 'softmax' }),
      ],
    });
    const json = JSON.parse(JSON.stringify(serialize(m)));
    const m2 = deserialize<Sequential>('layer', json);
    expect(m2).toBeInstanceOf(Sequential);
    m2.setWeights(m.getWeights());
    const x = randomNormal([5, 3]);
    expectClose(m2.apply(x), m.apply(x));
    expect(m2.getConfig()).toEqual(m.getConfig());
  });

  it('prints a Keras-style summary', () => {
    const m = new Sequential({
      name: 'seq',
      layers: [
        new Dense({ units: 64, inputShape: [784], name: 'd1' }),
        new Dense({ units: 10, name: 'd2' }),
      ],
    });
    const lines: string[] = [];
    m.summary((l) => lines.push(l));
    const text = lines.join('\n');
    expect(text).toContain('Model: "seq"');
    expect(text).toMatch(/d1 \(Dense\)\s+│ \(None, 64\)\s+│\s+50,240 │/);
    expect(text).toMatch(/d2 \(Dense\)\s+│ \(None, 10\)\s+│\s+650 │/);
    expect(text).toContain('Total params: 50,890');
    expect(text).toContain('Trainable params: 50,890');
    expect(text).toContain('Non-trainable params: 0');
  });

  it('summary before build says so', () => {
    const m = new Sequential({ layers: [new Dense({ units: 2 })] });
    const lines: string[] = [];
    m.summary((l) => lines.push(l));
    expect(lines.join('\n')).toMatch(/not been built/);
  });
});

describe('functional models', () => {
  it('wires several inputs and outputs with a shared layer', () => {
    const a = input({ shape: [3], name: 'a' });
    const b = input({ shape: [3], name: 'b' });
    const shared = new Dense({ units: 2, name: 'shared' });
    const ha = shared.apply(a);
    const hb = shared.apply(b);
    const out1 = new Dense({ units: 1, name: 'o1' }).apply(ha);
    const out2 = new Dense({ units: 4, name: 'o2' }).apply(hb);
    const m = model({ inputs: [a, b], outputs: [out1, out2] });
    expect(m.className).toBe('Functional');
    expect(m.outputNames).toEqual(['o1', 'o2']);
    expect(shared.inboundNodes.length).toBe(2);
    // shared weights counted once: 3·2+2 + 2·1+1 + 2·4+4
    expect(m.countParams()).toBe(8 + 3 + 12);
    const xa = randomNormal([5, 3]);
    const xb = randomNormal([5, 3]);
    const [y1, y2] = m.applyMulti([xa, xb]);
    expect(y1!.shape).toEqual([5, 1]);
    expect(y2!.shape).toEqual([5, 4]);
    // The graph computes what the layers compute directly.
    expectClose(y2!, m.getLayer('o2').apply(shared.apply(xb)));
  });

  it('uses a model as a layer inside another model', () => {
    const xi = input({ shape: [4] });
    const inner = model({ inputs: xi, outputs: new Dense({ units: 3 }).apply(xi), name: 'inner' });
    const xo = input({ shape: [4] });
    const y = new Dense({ units: 1 }).apply(inner.apply(xo));
    const outer = model({ inputs: xo, outputs: y });
    expect(outer.countParams()).toBe(4 * 3 + 3 + 3 + 1);
    expect(outer.apply(randomNormal([2, 4])).shape).toEqual([2, 1]);
  });

  it('rejects outputs that depend on inputs not given', () => {
    const a = input({ shape: [2] });
    const b = input({ shape: [2], name: 'forgotten' });
    const sum = new Dense({ units: 1 }).apply(b);
    expect(() => model({ inputs: a, outputs: sum })).toThrow(/forgotten/);
  });

  it('checks input shapes at call time naming the model and input', () => {
    const a = input({ shape: [3], name: 'feat' });
    const m = model({ inputs: a, outputs: new Dense({ units: 1 }).apply(a), name: 'net' });
    expect(() => m.apply(randomNormal([2, 5]))).toThrow(ShapeError);
    expect(() => m.apply(randomNormal([2, 5]))).toThrow(
      /net.*\[null, 3\].*\[2, 5\]|net.*3.*\[2, 5\]/,
    );
  });

  it('config round trip through JSON for a two-input model with a shared layer', () => {
    const a = input({ shape: [3], name: 'a' });
    const b = input({ shape: [3], name: 'b' });
    const shared = new Dense({ units: 2, name: 'sh' });
    const out = new Dense({ units: 1, name: 'out' }).apply(shared.apply(b));
    const m = model({ inputs: [a, b], outputs: [shared.apply(a), out], name: 'two' });
    const cfg = JSON.parse(JSON.stringify(serialize(m)));
    const m2 = deserialize<Model>('layer', cfg);
    m2.setWeights(m.getWeights());
    const xs = [randomNormal([4, 3]), randomNormal([4, 3])];
    const r1 = m.applyMulti(xs);
    const r2 = m2.applyMulti(xs);
    expectClose(r2[0]!, r1[0]!);
    expectClose(r2[1]!, r1[1]!);
    expect(m2.name).toBe('two');
  });

  it('functional summary has a Connected to column', () => {
    const a = input({ shape: [3], name: 'in_a' });
    const b = input({ shape: [3], name: 'in_b' });
    class Sum extends Layer {
      static override readonly className = 'SumTwo';
      override call(
        xs: import('../tensor/tensor.js').Tensor | import('../tensor/tensor.js').Tensor[],
      ) {
        const [p, q] = xs as import('../tensor/tensor.js').Tensor[];
        return p!.add(q!);
      }
      override computeOutputShape(
        s: readonly (readonly (number | null)[])[] | readonly (number | null)[],
      ) {
        return (s as (number | null)[][])[0]!;
      }
    }
    const m = model({ inputs: [a, b], outputs: new Sum({ name: 'sum' }).apply([a, b]) });
    const lines: string[] = [];
    m.summary((l) => lines.push(l));
    const text = lines.join('\n');
    expect(text).toContain('Connected to');
    expect(text).toMatch(/sum \(SumTwo\).*in_a\[0\]\[0\], in_b\[0\]\[0\]/);
  });

  it('a subclassed Model without call() says so', () => {
    class Empty extends Model {}
    expect(() => new Empty().apply(tensor([[1]]))).toThrow(ValueError);
  });
});
