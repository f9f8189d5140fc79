/**
 * scatterAdd at Embedding-gradient sizes: the native kernel zeroes its own (uninitialised)
 * output and splits destination rows between threads, so these tests check the sums against a
 * float64 loop, the index order of repeated rows (float32 rounding shows it), untouched rows
 * exactly zero, native equal to js bit for bit, and that gather's backward does not read its
 * indices back again.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { describeBackends } from '../../test/helpers/describe_backends.js';
import { expectClose } from '../../test/helpers/expect_close.js';
import { gradCheck, randomValues } from '../../test/helpers/grad_check.js';
import { rng } from '../../test/helpers/rng.js';
import { variableGrads } from '../autograd/grad.js';
import { variable } from '../autograd/variable.js';
import { JsBackend, type JsData } from '../backend/cpu/index.js';
import { getBackend } from '../backend/registry.js';
import { Tensor } from '../tensor/tensor.js';
import { tensor } from './creation.js';
import { gather, scatterAdd } from './movement.js';

/** The oracle: `out[o, idx[i], j] += u[o, i, j]` in float64, in index order. */
function scatterOracle(
  u: Float32Array,
  idx: Int32Array,
  outer: number,
  n: number,
  inner: number,
): Float64Array {
  const out = new Float64Array(outer * n * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < idx.length; i++) {
      for (let j = 0; j < inner; j++) {
        out[(o * n + idx[i]!) * inner + j]! += u[(o * idx.length + i) * inner + j];
      }
    }
  }
  return out;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describeBackends('scatterAdd at Embedding sizes', () => {
  // 3000 indices into 1000 rows of 32: most rows repeat, a few are untouched; large enough for
  // the native kernel to split rows between threads.
  const n = 1000;
  const inner = 32;
  const r = rng(3);
  // Indices drawn from the first 900 rows only, so rows 900..999 are never touched.
  const idx = Int32Array.from({ length: 3000 }, () => Math.floor(r() * 900));
  const u = Float32Array.from({ length: 3000 * inner }, () => 2 * r() - 1);

  it('equals the float64 loop, with untouched rows exactly zero', () => {
    // Run several times: the native output is uninitialised memory, often recycled from the
    // previous results (filled with NaN here), so stale values would show.
    for (let rep = 0; rep < 4; rep++) {
      const y = scatterAdd(tensor(u, [3000, inner]), tensor(idx, [3000], 'int32'), [n, inner]);
      const v = y.dataSync();
      expectClose(v, scatterOracle(u, idx, 1, n, inner), { rtol: 1e-5, atol: 1e-5 });
      expect(Array.from(v.subarray(900 * inner)).every((e) => Object.is(e, 0))).toBe(true);
      (v as Float32Array).fill(Number.NaN);
    }
  });

  it('sums a repeated row in index order (float32 rounding shows the order)', () => {
    // Row 5 gets 1e8, then 1, then −1e8: in index order 1e8 + 1 rounds to 1e8 in float32, so
    // the sum is 0; any other order gives 1. Row 995 sits in another thread's range.
    const ids = new Int32Array(600);
    const ups = new Float32Array(600 * inner);
    for (let i = 0; i < 600; i++) ids[i] = (i * 7) % 1000;
    const put = (pos: number, row: number, value: number) => {
      ids[pos] = row;
      ups.fill(value, pos * inner, (pos + 1) * inner);
    };
    put(10, 5, 1e8);
    put(300, 5, 1);
    put(599, 5, -1e8);
    put(11, 995, 1e8);
    put(12, 995, 1);
    put(13, 995, -1e8);
    const y = scatterAdd(tensor(ups, [600, inner]), tensor(ids, [600], 'int32'), [n, inner]);
    const v = y.dataSync();
    expect(v[5 * inner]).toBe(0);
    expect(v[995 * inner + inner - 1]).toBe(0);
  });

  it('along axis 1 (outer > 1) equals the loop and the js backend bit for bit', () => {
    const outer = 3;
    const ids = Int32Array.from({ length: 700 }, (_, i) => (i * 13) % 400);
    const ups = Float32Array.from({ length: outer * 700 * 8 }, () => 2 * r() - 1);
    const shape = [outer, 400, 8];
    const y = scatterAdd(tensor(ups, [outer, 700, 8]), tensor(ids, [700], 'int32'), shape, 1);
    expectClose(y, scatterOracle(ups, ids, outer, 400, 8), { rtol: 1e-5, atol: 1e-5 });
    const js = new JsBackend();
    const ref = js.scatterAdd(
      js.fromArray(ups, 'float32'),
      js.fromArray(ids, 'int32'),
      700,
      shape,
      1,
      'float32',
    );
    expect(Array.from(y.dataSync())).toEqual(Array.from((ref as JsData).values));
  });

  it('the Embedding gradient (gather backward) equals the js backend bit for bit', () => {
    const w = variable(
      tensor(
        Float32Array.from({ length: n * inner }, () => r()),
        [n, inner],
      ),
    );
    const ids = tensor(idx.subarray(0, 2000), [20, 100], 'int32');
    const dyData = Float32Array.from({ length: 2000 * inner }, () => 2 * r() - 1);
    const { grads } = variableGrads(
      () =>
        gather(w, ids)
          .mul(tensor(dyData, [20, 100, inner]))
          .sum(),
      [w],
    );
    const g = grads[0]!.dataSync();
    const js = new JsBackend();
    const ref = js.scatterAdd(
      js.fromArray(dyData, 'float32'),
      js.fromArray(idx.subarray(0, 2000), 'int32'),
      2000,
      [n, inner],
      0,
      'float32',
    );
    expect(getBackend().name).toBeTruthy();
    expect(Array.from(g)).toEqual(Array.from((ref as JsData).values));
  });

  it("gather's backward does not read the indices back (they were checked forward)", () => {
    const w = variable(
      tensor(
        Float32Array.from({ length: n * inner }, () => r()),
        [n, inner],
      ),
    );
    const ids = tensor(idx.subarray(0, 100), [100], 'int32');
    const y = gather(w, ids);
    const reads = vi.spyOn(Tensor.prototype, 'dataSync');
    y.backward(tensor(new Float32Array(100 * inner).fill(1), [100, inner]));
    expect(reads).not.toHaveBeenCalled();
    reads.mockRestore();
    // Row idx[0] got one 1 per occurrence among the first 100 indices.
    const count = Array.from(idx.subarray(0, 100)).filter((k) => k === idx[0]).length;
    expect(w.grad!.dataSync()[idx[0]! * inner]).toBe(count);
  });
});

describe('gather / scatterAdd gradient checks (float64, central differences)', () => {
  it('gather with repeated indices (the Embedding gradient)', () => {
    const ids = tensor([3, 0, 3, 3, 1], [5], 'int32');
    gradCheck((x) => gather(x, ids), [randomValues([4, 3], 7)]);
  });
  it('scatterAdd along axis 1', () => {
    const ids = tensor([2, 0, 2], [3], 'int32');
    gradCheck((u) => scatterAdd(u, ids, [2, 4, 2], 1), [randomValues([2, 3, 2], 8)]);
  });
});
