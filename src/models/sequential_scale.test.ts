/**
 * Sequential must build in linear time and memory: each `add` applies only the new layer
 * (issue 10: 4,000 Dense(1) layers took 122 s and 4.2 GB when every add rebuilt the chain).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { ShapeError } from '../errors.js';
import {
  loadModelFromBytes,
  loadTfjsModelFromBytes,
  modelToKerasBytes,
  modelToTfjs,
} from '../io/save_load.js';
import { Dense } from '../layers/dense.js';
import { input } from '../layers/input_layer.js';
import { tensor } from '../ops/creation.js';
import { deserialize, serialize } from '../serialization.js';
import { Sequential } from './sequential.js';

function deepStack(n: number): Sequential {
  const m = new Sequential();
  m.add(new Dense({ units: 1, inputShape: [1] }));
  for (let i = 1; i < n; i++) m.add(new Dense({ units: 1 }));
  return m;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('Sequential builds in linear time', () => {
  it('infers each layer’s output shape once per add, not once per earlier layer', () => {
    const spy = vi.spyOn(Dense.prototype, 'computeOutputShape');
    const n = 200;
    const m = deepStack(n);
    // Rebuilding the chain on every add made this n(n+1)/2 = 20,100.
    expect(spy).toHaveBeenCalledTimes(n);
    expect(m.outputs[0]!.shape).toEqual([null, 1]);
    expect(m.graphNodes.length).toBe(n);
  });

  it('keeps one node per layer (no layer retains a copy of the chain)', () => {
    const m = deepStack(300);
    for (const l of m.layers) expect(l.inboundNodes.length).toBe(1);
    // Consecutive layers are linked through their one node: the graph is a chain, not copies.
    const ls = m.layers;
    expect(ls[1]!.inboundNodes[0]!.inputs[0]).toBe(ls[0]!.inboundNodes[0]!.outputs[0]);
  });

  it('builds 10,000 Dense(1) layers quickly, through add and through the constructor', () => {
    let t0 = performance.now();
    const m = deepStack(10_000);
    const addMs = performance.now() - t0;
    t0 = performance.now();
    const layers = m.layers.map((l) => deserialize<Dense>('layer', serialize(l)));
    const m2 = new Sequential({ layers: [input({ shape: [1] }), ...layers] });
    const ctorMs = performance.now() - t0;
    console.log(
      `Sequential 10,000 x Dense(1): add ${addMs.toFixed(0)} ms, constructor ${ctorMs.toFixed(0)} ms`,
    );
    expect(m.layers.length).toBe(10_000);
    expect(m2.outputs[0]!.shape).toEqual([null, 1]);
    expect(m2.countParams()).toBe(20_000);
    // About a second on an idle machine; generous for a loaded CI box (was minutes).
    expect(addMs).toBeLessThan(6000);
    expect(ctorMs).toBeLessThan(6000);
  });

  it('round-trips a 4,000-layer config and a 4,000-layer TF.js model linearly', () => {
    const m = deepStack(4000);
    let t0 = performance.now();
    const back = Sequential.fromConfig(JSON.parse(JSON.stringify(m.getConfig())));
    const cfgMs = performance.now() - t0;
    expect(back.layers.length).toBe(4000);
    for (const l of back.layers) expect(l.inboundNodes.length).toBe(1);
    t0 = performance.now();
    const tj = modelToTfjs(m);
    const loaded = loadTfjsModelFromBytes(
      tj.modelJson,
      tj.shards.map((s) => s.data),
    );
    const tfjsMs = performance.now() - t0;
    console.log(
      `4,000-layer round trip: config ${cfgMs.toFixed(0)} ms, TF.js ${tfjsMs.toFixed(0)} ms`,
    );
    expect(loaded.layers.length).toBe(4000);
    const x = tensor([[0.5], [-2]]);
    expectClose(loaded.predict(x) as never, m.predict(x) as never, { atol: 1e-6 });
    expect(cfgMs).toBeLessThan(8000);
    expect(tfjsMs).toBeLessThan(8000);
  });
});

describe('a deep Sequential saved as .keras', () => {
  it('loads back in time linear in its depth (2,000 Dense(1) layers)', async () => {
    const m = deepStack(2000);
    let t0 = performance.now();
    const bytes = await modelToKerasBytes(m);
    const saveMs = performance.now() - t0;
    t0 = performance.now();
    const back = await loadModelFromBytes(bytes);
    const loadMs = performance.now() - t0;
    console.log(
      `.keras with 2,000 layers: save ${saveMs.toFixed(0)} ms, load ${loadMs.toFixed(0)} ms`,
    );
    expect(back.layers.length).toBe(2000);
    for (const l of back.layers) expect(l.inboundNodes.length).toBe(1);
    const x = tensor([[0.25], [-1]]);
    expectClose(back.predict(x) as never, m.predict(x) as never, { atol: 1e-6 });
    // Most of it is the HDF5 parse; 4,000 layers took 122 s when each add rebuilt the chain.
    expect(loadMs).toBeLessThan(30_000);
  }, 60_000);
});

describe('Sequential add and pop stay consistent', () => {
  it('a layer that does not fit is not added, and the model still works', () => {
    const m = new Sequential();
    m.add(new Dense({ units: 2, inputShape: [3], kernelInitializer: 'ones' }));
    const narrow = new Dense({ units: 1, name: 'narrow_fit' });
    narrow.apply(tensor([[1, 2, 3, 4]])); // built for 4 features
    expect(() => m.add(narrow)).toThrow(ShapeError);
    expect(m.layers.length).toBe(1);
    expect(narrow.inboundNodes.length).toBe(0);
    // ones kernel, zero bias: each output is the sum of the inputs.
    expectClose(m.predict(tensor([[1, 2, 3]])) as never, [[6, 6]], { atol: 1e-6 });
  });

  it('pop removes the layer’s node so the chain continues from the previous output', () => {
    const m = new Sequential();
    m.add(new Dense({ units: 2, inputShape: [2], kernelInitializer: 'ones' }));
    const extra = new Dense({ units: 5 });
    m.add(extra);
    expect(m.pop()).toBe(extra);
    expect(extra.inboundNodes.length).toBe(0);
    expect(m.outputs[0]!.shape).toEqual([null, 2]);
    m.add(new Dense({ units: 1, kernelInitializer: 'ones' }));
    expect(m.graphNodes.length).toBe(2);
    // [1, 2] → [3, 3] → 6
    expectClose(m.predict(tensor([[1, 2]])) as never, [[6]], { atol: 1e-6 });
  });

  it('connects layers added before the input is known on the first call, once', () => {
    const spy = vi.spyOn(Dense.prototype, 'computeOutputShape');
    const m = new Sequential();
    for (let i = 0; i < 50; i++) m.add(new Dense({ units: 1, kernelInitializer: 'ones' }));
    expect(spy).toHaveBeenCalledTimes(0);
    expectClose(m.predict(tensor([[2, 3]])) as never, [[5]], { atol: 1e-6 });
    expect(spy).toHaveBeenCalledTimes(50);
    for (const l of m.layers) expect(l.inboundNodes.length).toBe(1);
  });
});
