/**
 * The bench's own logic that decides what its tables say: whether a Tessera step ran compiled
 * (read from the engine's report), the seeded data of the model workloads, and which BLAS the
 * Python child ran. The bench itself is never a timed test.
 */
import { describe, expect, it } from 'vitest';
import {
  compileFor,
  compiledStepState,
  makeData,
  slice,
  tesseraModels,
} from '../bench/model_defs.js';
import { OPENMP_BLAS_DIR, type PythonInfo, describeBlas, ranOpenmpBlas } from '../bench/python.js';
import { Dense, Sequential, setBackend, tensor } from '../src/index.js';
import * as trainer from '../src/models/trainer.js';

const tinyMlp = () =>
  new Sequential({
    layers: [new Dense({ units: 4, activation: 'relu', inputShape: [3] }), new Dense({ units: 2 })],
  });

describe('compiledStepState', () => {
  it('says eager when the model was compiled with jitCompile false', async () => {
    setBackend('js');
    const m = tinyMlp();
    m.compile({ optimizer: 'sgd', loss: 'mse', jitCompile: false } as Parameters<
      Sequential['compile']
    >[0]);
    await m.fit(tensor([[1, 2, 3]]), tensor([[0, 1]]), { epochs: 3, verbose: 0 });
    const st = compiledStepState(m, 'train');
    expect(st.compiled).toBe(false);
    expect(st.reason.length).toBeGreaterThan(0);
  });

  it('reports a compiled train step after two calls of one batch shape under jitCompile auto', async () => {
    setBackend('js');
    const m = tinyMlp();
    m.compile({ optimizer: 'sgd', loss: 'mse', jitCompile: 'auto' } as Parameters<
      Sequential['compile']
    >[0]);
    const x = tensor([
      [1, 2, 3],
      [3, 2, 1],
    ]);
    const y = tensor([
      [0, 1],
      [1, 0],
    ]);
    await m.fit(x, y, { epochs: 3, batchSize: 2, verbose: 0 });
    const st = compiledStepState(m, 'train');
    // Where this checkout has no engine, the state must say so rather than claim a figure.
    const hasEngine = typeof (trainer as Record<string, unknown>).compiledStepInfo === 'function';
    if (!hasEngine) expect(st).toEqual({ compiled: false, reason: 'engine not available' });
    else {
      expect(st.compiled).toBe(true);
      expect(st.stats?.replayed).toBeGreaterThan(0);
    }
  });

  it('says not compiled, with a reason, for a model that never ran a step', () => {
    setBackend('js');
    const m = tinyMlp();
    compileFor(m, 'mlp_train', 'compiled');
    const st = compiledStepState(m, 'predict');
    expect(st.compiled).toBe(false);
    expect(['engine not available', 'runs eagerly: no step was compiled']).toContain(st.reason);
  });
});

describe('model workload data', () => {
  it('makes sparse class ids in range and one-hot rows that sum to one, the same on each call', () => {
    const sparse = makeData({ samples: 50, inputShape: [2], classes: 10, sparseLabels: true });
    expect(sparse.y).toBeInstanceOf(Int32Array);
    expect(sparse.y.length).toBe(50);
    expect([...sparse.y].every((c) => c >= 0 && c < 10)).toBe(true);
    expect(new Set(sparse.y).size).toBeGreaterThan(3);
    const again = makeData({ samples: 50, inputShape: [2], classes: 10, sparseLabels: true });
    expect([...again.x]).toEqual([...sparse.x]);
    const dense = makeData({ samples: 5, inputShape: [2], classes: 3 });
    for (let i = 0; i < 5; i++)
      expect(dense.y[i * 3]! + dense.y[i * 3 + 1]! + dense.y[i * 3 + 2]!).toBe(1);
  });

  it('slices sparse labels as [n] for Tessera and [n, 1] for TensorFlow.js', () => {
    const spec = { samples: 8, inputShape: [28, 28, 1], classes: 10, sparseLabels: true };
    const d = makeData(spec);
    expect(slice(spec, d, 4).yShape).toEqual([4]);
    expect(slice(spec, d, 4, true).yShape).toEqual([4, 1]);
    expect(slice(spec, d, 4).x.length).toBe(4 * 784);
  });

  it("builds the book's MNIST convnet: 104,202 parameters, 10 outputs", () => {
    setBackend('js');
    const m = tesseraModels.convnet_train();
    compileFor(m, 'convnet_train', 'eager');
    // Deep Learning with Python, ch. 8: 320 + 18,496 + 73,856 + 11,530 (Dense on 3·3·128).
    expect(m.countParams()).toBe(104202);
    expect(m.outputs[0]!.shape).toEqual([null, 10]);
  });
});

describe('BLAS description', () => {
  const base: PythonInfo = {
    python: '3.11',
    numpy: '1.24',
    torch: '1.13',
    torchError: null,
    threads: 2,
    blas: null,
    blasRuntime: null,
  };

  it('trusts threadpoolctl on the threading layer', () => {
    const omp = {
      ...base,
      blasRuntime: [
        {
          internal_api: 'openblas',
          version: '0.3.21',
          threading_layer: 'openmp',
          architecture: 'Cooperlake',
          num_threads: 2,
          filepath: `${OPENMP_BLAS_DIR}/libopenblasp-r0.3.21.so`,
        },
      ],
    };
    expect(ranOpenmpBlas(omp)).toBe(true);
    expect(describeBlas(omp)).toContain('openmp threading');
    const pthread = {
      ...omp,
      blasRuntime: [{ ...omp.blasRuntime[0]!, threading_layer: 'pthreads' }],
    };
    expect(ranOpenmpBlas(pthread)).toBe(false);
  });

  it('falls back to the mapped library path without threadpoolctl', () => {
    const mapped = { ...base, blasMapped: [`${OPENMP_BLAS_DIR}/libopenblasp-r0.3.21.so`] };
    expect(ranOpenmpBlas(mapped)).toBe(true);
    expect(describeBlas(mapped)).toContain('/proc/<pid>/maps');
    const pthread = {
      ...base,
      blasMapped: ['/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so'],
    };
    expect(ranOpenmpBlas(pthread)).toBe(false);
  });
});
