/**
 * Loading is bounded by the file, not by what its config declares (issue 10): a config edited
 * to `units: 2000000` beside a few KB of weights is refused with a FormatError before the
 * weights are allocated, for `.keras`, TF.js and legacy `.h5` alike.
 */
import { describe, expect, it, vi } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { Ones } from '../initializers.js';
import { chargeWeight, withAllocationBudget } from '../layers/allocation_budget.js';
import { RepeatVector } from '../layers/core.js';
import { Flatten } from '../layers/core.js';
import { Dense } from '../layers/dense.js';
import { Sequential } from '../models/sequential.js';
import { tensor } from '../ops/creation.js';
import { FormatError } from './errors.js';
import { modelToKeras2Config } from './keras_config.js';
import { writeLegacyH5 } from './keras_weights.js';
import { loadBudget } from './load_budget.js';
import {
  loadModelFromBytes,
  loadTfjsModelFromBytes,
  modelToKerasBytes,
  modelToTfjs,
} from './save_load.js';
import { decodeTfjsModel } from './tfjs_format.js';
import { readZip, writeZip } from './zip.js';

const MB = 1024 * 1024;

/** Sets `key` to `value` in every object of `json` whose `name` is `layer` (any nesting). */
function setInLayer(json: unknown, layer: string, key: string, value: unknown): number {
  let hits = 0;
  const walk = (x: unknown) => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === 'object') {
      const o = x as Record<string, unknown>;
      if (o.name === layer && key in o) {
        o[key] = value;
        hits++;
      }
      for (const v of Object.values(o)) walk(v);
    }
  };
  walk(json);
  return hits;
}

function smallModel(): Sequential {
  const m = new Sequential();
  m.add(new Dense({ units: 16, inputShape: [64], name: 'wide', activation: 'relu' }));
  m.add(new Dense({ units: 1, name: 'head' }));
  return m;
}

/** Runs `load`, expecting a FormatError; returns it with the time and memory growth. */
async function measureRefusal(load: () => Promise<unknown> | unknown) {
  const before = process.memoryUsage();
  // Peak RSS (KiB) is monotonic: it catches an allocation that was freed before the end.
  const peakBefore = process.resourceUsage().maxRSS;
  const t0 = performance.now();
  let err: unknown = null;
  try {
    await load();
  } catch (e) {
    err = e;
  }
  const ms = performance.now() - t0;
  const after = process.memoryUsage();
  return {
    err,
    ms,
    peakRssMB: (process.resourceUsage().maxRSS - peakBefore) / 1024,
    rssMB: (after.rss - before.rss) / MB,
    arrayBuffersMB: (after.arrayBuffers - before.arrayBuffers) / MB,
  };
}

function expectBoundedRefusal(r: Awaited<ReturnType<typeof measureRefusal>>, what: string) {
  console.log(
    `${what}: refused in ${r.ms.toFixed(0)} ms, peak rss +${r.peakRssMB.toFixed(1)} MB, rss +${r.rssMB.toFixed(1)} MB, arrayBuffers +${r.arrayBuffersMB.toFixed(1)} MB`,
  );
  expect(r.err).toBeInstanceOf(FormatError);
  const msg = (r.err as Error).message;
  // Names the layer, the weight, the declared shape and what the file holds.
  expect(msg).toMatch(/layer 'wide' declares weight 'kernel' of shape \[64, 2000000\]/);
  expect(msg).toMatch(/128,000,000 values/);
  expect(msg).toMatch(/holds [\d,]+ values in all/);
  // Building it would take 512 MB for the kernel alone.
  expect(r.arrayBuffersMB).toBeLessThan(100);
  expect(r.rssMB).toBeLessThan(200);
  expect(r.peakRssMB).toBeLessThan(200);
  // Tens of milliseconds here; building the declared model took seconds.
  expect(r.ms).toBeLessThan(3000);
}

describe('a config that declares more than its file holds is refused before allocating', () => {
  it('.keras whose config.json says units: 2000000 (compiled, with optimizer state)', async () => {
    const m = smallModel();
    m.compile({ optimizer: 'adam', loss: 'mse' });
    m.trainOnBatch(tensor([Array.from({ length: 64 }, (_, i) => i / 64)]), tensor([[1]]));
    const good = await modelToKerasBytes(m);
    // Warm up the HDF5 reader so its one-time cost is not counted below.
    const back = await loadModelFromBytes(good);
    expect(back.countParams()).toBe(m.countParams());

    const entries = readZip(good);
    const config = JSON.parse(new TextDecoder().decode(entries.get('config.json')!));
    expect(setInLayer(config, 'wide', 'units', 2_000_000)).toBe(1);
    const bad = writeZip({
      ...Object.fromEntries(entries),
      'config.json': new TextEncoder().encode(JSON.stringify(config)),
    });
    expect(bad.length).toBeLessThan(64 * 1024);
    expectBoundedRefusal(await measureRefusal(() => loadModelFromBytes(bad)), '.keras');
    expectBoundedRefusal(
      await measureRefusal(() => loadModelFromBytes(bad, { compile: false })),
      '.keras, compile off',
    );
  });

  it('TF.js model.json whose topology says units: 2000000', async () => {
    const m = smallModel();
    const { modelJson, shards } = modelToTfjs(m);
    const data = shards.map((s) => s.data);
    const ok = loadTfjsModelFromBytes(structuredClone(modelJson), data);
    const x = tensor([Array.from({ length: 64 }, (_, i) => Math.sin(i))]);
    expectClose(ok.predict(x) as never, m.predict(x) as never, { atol: 1e-6 });

    const edited = structuredClone(modelJson);
    expect(setInLayer(edited, 'wide', 'units', 2_000_000)).toBe(1);
    expectBoundedRefusal(await measureRefusal(() => loadTfjsModelFromBytes(edited, data)), 'TF.js');
  });

  it('TF.js with strict: false allows unset weights up to a sane bound, not beyond', async () => {
    const m = new Sequential();
    m.add(new Dense({ units: 1100, inputShape: [1000], name: 'wide' }));
    const { modelJson } = modelToTfjs(m);
    const noWeights = { ...structuredClone(modelJson), weightsManifest: [] };
    // 1.1 M fresh weights, more than the slack over an empty manifest: fine when not strict.
    const fresh = decodeTfjsModel(noWeights, [], { strict: false });
    expect(fresh.countParams()).toBe(1000 * 1100 + 1100);
    expect(() => decodeTfjsModel(noWeights, [])).toThrow(FormatError);
    expect(setInLayer(noWeights, 'wide', 'units', 1_000_000)).toBe(1);
    // 10^9 values is past the bound even so.
    expect(() => decodeTfjsModel(noWeights, [], { strict: false })).toThrow(
      /layer 'wide' declares weight 'kernel' of shape \[1000, 1000000\]/,
    );
  });

  it('legacy .h5 whose model_config says units: 2000000', async () => {
    const m = smallModel();
    const config = modelToKeras2Config(m) as unknown;
    const good = await writeLegacyH5(m, { modelConfig: config });
    expect((await loadModelFromBytes(good)).countParams()).toBe(m.countParams());

    const edited = structuredClone(config);
    expect(setInLayer(edited, 'wide', 'units', 2_000_000)).toBe(1);
    const bad = await writeLegacyH5(m, { modelConfig: edited });
    expectBoundedRefusal(await measureRefusal(() => loadModelFromBytes(bad)), 'legacy .h5');
  });

  it('a layer without weights that declares an enormous output is refused (RepeatVector n: 1e9)', async () => {
    const m = new Sequential();
    m.add(new Dense({ units: 4, inputShape: [8] }));
    m.add(new RepeatVector({ n: 3, name: 'rep' }));
    m.add(new Flatten());
    m.add(new Dense({ units: 1 }));
    const { modelJson, shards } = modelToTfjs(m);
    const edited = structuredClone(modelJson);
    expect(setInLayer(edited, 'rep', 'n', 1e9)).toBe(1);
    const r = await measureRefusal(() =>
      loadTfjsModelFromBytes(
        edited,
        shards.map((s) => s.data),
      ),
    );
    expect(r.err).toBeInstanceOf(FormatError);
    expect((r.err as Error).message).toMatch(
      /layer 'rep' declares an output of shape \[null, 1000000000, 4\] \(4,000,000,000 values per sample\)/,
    );
  });
});

describe('withAllocationBudget', () => {
  const budget = loadBudget('test.h5', 100, 60, 'test');

  it('refuses the first weight past the budget, before its initializer runs', () => {
    const init = vi.spyOn(Ones.prototype, 'call');
    expect(() =>
      withAllocationBudget({ ...budget, maxWeightElements: 100 }, () => {
        const d = new Dense({ units: 10, kernelInitializer: 'ones', name: 'b1' });
        d.apply(tensor([[1, 2, 3, 4, 5, 6, 7, 8, 9]])); // kernel 90 + bias 10 = 100: fits
        const e = new Dense({ units: 1, kernelInitializer: 'ones', name: 'b2' });
        e.apply(tensor([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]])); // 10 more: over
      }),
    ).toThrow(
      /test: layer 'b2' declares weight 'kernel' of shape \[10, 1\] \(10 values, 110 with the weights before it\), but test.h5 holds 100 values in all \(largest array: 60\)/,
    );
    // b1's kernel ran its initializer; b2's never did.
    expect(init).toHaveBeenCalledTimes(1);
    init.mockRestore();
  });

  it('bounds nothing outside, and restores the previous budget after a throw', () => {
    expect(() =>
      withAllocationBudget({ ...budget, maxWeightElements: 0 }, () => chargeWeight('x', 'w', [1])),
    ).toThrow(FormatError);
    expect(() => chargeWeight('x', 'w', [1e6, 1e6])).not.toThrow();
    const d = new Dense({ units: 3 });
    d.apply(tensor([[1, 2]]));
    expect(d.countParams()).toBe(9);
  });
});
