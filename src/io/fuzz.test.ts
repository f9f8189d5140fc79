/**
 * Fuzzing the loaders: valid files of each format, mutated (truncation, bit flips, byte
 * overwrites, JSON values replaced by random JSON, deep nesting, huge declared shapes, unsafe
 * zip entry names). Every load must either give a working model or throw a TesseraError —
 * never another exception, a hang, or prototype pollution.
 *
 * CI runs a few thousand cases; `npm run fuzz` runs many more (TESSERA_FUZZ_RUNS).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { unzipSync, zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { TesseraError } from '../errors.js';
import { Dense } from '../layers/dense.js';
import { Embedding } from '../layers/embedding.js';
import { LSTM } from '../layers/rnn/lstm.js';
import type { Model } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import { setSeed } from '../ops/random.js';
import {
  loadModelFromBytes,
  loadTfjsModelFromBytes,
  modelToKerasBytes,
  modelToTfjs,
} from './save_load.js';

const RUNS = Number(process.env.TESSERA_FUZZ_RUNS ?? 1500);
const MODELS = process.env.TESSERA_MODELS_DIR ?? '../shared/models';

/** Runs a load; returns normally for success or a TesseraError, fails the test otherwise. */
async function mustBeSafe(load: () => Model | Promise<Model>): Promise<void> {
  try {
    const m = await load();
    // A model that loads must be usable.
    expect(m.weights.length).toBeGreaterThanOrEqual(0);
  } catch (e) {
    if (!(e instanceof TesseraError)) {
      throw new Error(
        `loader threw a non-Tessera error: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`,
      );
    }
  }
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}

const mutation = (len: number) =>
  fc.oneof(
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(len) }),
    fc.record({
      kind: fc.constant('flip' as const),
      at: fc.nat(Math.max(0, len - 1)),
      bit: fc.nat(7),
    }),
    fc.record({
      kind: fc.constant('byte' as const),
      at: fc.nat(Math.max(0, len - 1)),
      value: fc.nat(255),
    }),
    fc.record({
      kind: fc.constant('splice' as const),
      at: fc.nat(len),
      bytes: fc.uint8Array({ maxLength: 64 }),
    }),
  );

type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'byte'; at: number; value: number }
  | { kind: 'splice'; at: number; bytes: Uint8Array };

function mutate(src: Uint8Array, ms: Mutation[]): Uint8Array {
  let b = src.slice();
  for (const m of ms) {
    if (m.kind === 'truncate') b = b.slice(0, Math.min(m.at, b.length));
    else if (m.kind === 'flip' && m.at < b.length) b[m.at]! ^= 1 << m.bit;
    else if (m.kind === 'byte' && m.at < b.length) b[m.at] = m.value;
    else if (m.kind === 'splice') {
      const at = Math.min(m.at, b.length);
      const out = new Uint8Array(b.length + m.bytes.length);
      out.set(b.subarray(0, at));
      out.set(m.bytes, at);
      out.set(b.subarray(at), at + m.bytes.length);
      b = out;
    }
  }
  return b;
}

let kerasBytes: Uint8Array;
let tfjs: ReturnType<typeof modelToTfjs>;

beforeAll(async () => {
  setSeed(3);
  const m = new Sequential({
    layers: [
      new Embedding({ inputDim: 10, outputDim: 3, inputShape: [4] }),
      new LSTM({ units: 3 }),
      new Dense({ units: 2 }),
    ],
  });
  m.compile({ optimizer: 'adam', loss: 'mse' });
  kerasBytes = await modelToKerasBytes(m);
  tfjs = modelToTfjs(m);
});

describe('loader fuzzing', () => {
  it('.keras bytes: mutated files load or throw a TesseraError', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(mutation(kerasBytes.length), { minLength: 1, maxLength: 4 }),
        async (ms) => {
          await mustBeSafe(() => loadModelFromBytes(mutate(kerasBytes, ms as Mutation[])));
        },
      ),
      { numRuns: RUNS, seed: 42 },
    );
  });

  it('.keras members: mutated config.json and model.weights.h5 inside a valid zip', async () => {
    const members = unzipSync(kerasBytes);
    const weights = members['model.weights.h5']!;
    const config = members['config.json']!;
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(mutation(Math.max(weights.length, config.length)), { minLength: 1, maxLength: 3 }),
        async (inWeights, ms) => {
          const files: Record<string, Uint8Array> = { ...members };
          if (inWeights) files['model.weights.h5'] = mutate(weights, ms as Mutation[]);
          else files['config.json'] = mutate(config, ms as Mutation[]);
          await mustBeSafe(() => loadModelFromBytes(zipSync(files)));
        },
      ),
      { numRuns: Math.max(50, Math.round(RUNS / 10)), seed: 45 },
    );
  });

  it.runIf(existsSync(join(MODELS, 'keras/mlp/mlp.h5')))(
    'legacy .h5 bytes: mutated files load or throw a TesseraError',
    async () => {
      const h5 = new Uint8Array(readFileSync(join(MODELS, 'keras/mlp/mlp.h5')));
      await fc.assert(
        fc.asyncProperty(
          fc.array(mutation(h5.length), { minLength: 1, maxLength: 3 }),
          async (ms) => {
            await mustBeSafe(() => loadModelFromBytes(mutate(h5, ms as Mutation[])));
          },
        ),
        { numRuns: Math.max(50, Math.round(RUNS / 10)), seed: 43 },
      );
    },
  );

  it('TF.js model.json: random JSON substitutions, deep nesting and huge shapes load or throw a TesseraError', async () => {
    const base = JSON.stringify(tfjs.modelJson);
    const paths: (string | number)[][] = [];
    const walk = (v: unknown, p: (string | number)[]) => {
      paths.push(p);
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...p, i]));
      else if (v && typeof v === 'object')
        for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
    };
    walk(JSON.parse(base), []);
    const weights = Uint8Array.from(tfjs.shards.flatMap((s) => Array.from(s.data)));
    const special = fc.constantFrom<unknown>(
      '__proto__',
      { __proto__: { polluted: true } },
      JSON.parse('{"__proto__": {"polluted": true}}'),
      2 ** 40,
      -1,
      1.5,
      Number.NaN,
      null,
      [],
      {},
      'Lambda',
      [1099511627776, 1099511627776],
      JSON.parse(`${'['.repeat(3000)}${']'.repeat(3000)}`),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.nat(paths.length - 1),
        fc.oneof(fc.jsonValue({ maxDepth: 3 }), special),
        fc.nat(weights.length),
        async (pi, value, cut) => {
          const json = JSON.parse(base);
          const path = paths[pi]!;
          if (path.length > 0) {
            let o = json;
            for (const k of path.slice(0, -1)) o = o[k];
            o[path.at(-1)!] = value;
          }
          await mustBeSafe(() =>
            loadTfjsModelFromBytes(
              json,
              weights.slice(0, cut === weights.length - 1 ? weights.length : cut),
            ),
          );
        },
      ),
      { numRuns: RUNS, seed: 44 },
    );
  });

  it('.keras zips with unsafe entry names, bombs and bad members are refused', async () => {
    const enc = new TextEncoder();
    const cases: Record<string, Uint8Array>[] = [
      { '../config.json': enc.encode('{}') },
      { '/etc/passwd': enc.encode('x') },
      { 'config.json': enc.encode(`${'['.repeat(100000)}${']'.repeat(100000)}`) },
      {
        'config.json': enc.encode(
          '{"class_name": "Lambda", "config": {"function": "gANjX19idWlsdGluX18KZXZhbApxAFgLAAAAcHJpbnQoJ2hpJylxAYVxAlJxAy4="}}',
        ),
      },
      {
        'config.json': enc.encode(
          '{"module":"keras","class_name":"Sequential","config":{"layers":[{"class_name":"NoSuchLayer","config":{}}]}}',
        ),
      },
      { 'config.json': enc.encode('not json') },
    ];
    for (const files of cases) {
      await mustBeSafe(() => loadModelFromBytes(zipSync(files)));
      await expect(loadModelFromBytes(zipSync(files))).rejects.toBeInstanceOf(TesseraError);
    }
  });
});
