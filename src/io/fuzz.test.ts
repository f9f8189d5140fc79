/**
 * Fuzzing the loaders: valid files of each format, mutated (truncation, bit flips, byte
 * overwrites, JSON values replaced by random JSON, deep nesting, huge declared shapes, unsafe
 * zip entry names). Every load must either give a working model or throw a TesseraError —
 * never another exception, a hang, or prototype pollution.
 *
 * The resource bound (issue 10): loading any file of S bytes takes at most about 4·S + 64 MB
 * of memory and a few seconds per MB, whatever it declares. Hostile files
 * (test/helpers/hostile_files.ts) are loaded in child processes whose peak RSS and load time
 * are measured against that bound, and which are killed past a hard ceiling
 * (test/helpers/bounded_load.ts).
 *
 * CI runs a few thousand cases; `npm run fuzz` runs many more (TESSERA_FUZZ_RUNS), with larger
 * hostile files and randomized hostile TF.js and .keras configs in bounded children.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ChildReport,
  memoryBound,
  runLoadChild,
  timeBoundMs,
} from '../../test/helpers/bounded_load.js';
import {
  HOSTILE_CASE_IDS,
  type HostileCase,
  type HostileCaseId,
  writeHostileFiles,
} from '../../test/helpers/hostile_files.js';
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
/** `npm run fuzz` (more runs than CI's default): larger hostile files, randomized bounded cases. */
const LONG = RUNS > 1500;
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

const MB = 1024 * 1024;

/** Limits a child runs under: the case's bound plus room, so a runaway is killed early. */
function limitsFor(baselineRss: number, extraBound: number, msBound: number) {
  return {
    killAboveRssBytes: baselineRss + extraBound + 256 * MB,
    // Start-up (tsx, imports) on a loaded machine comes on top of the load's own time.
    timeoutMs: msBound + 30_000,
    maxOldSpaceMb: (baselineRss + extraBound) / MB + 256,
  };
}

/** Runs `jobs` at most `width` at a time; each result is a promise of its own. */
function pool<T>(jobs: (() => Promise<T>)[], width: number): Promise<T>[] {
  const out: Promise<T>[] = [];
  const chain: Promise<unknown>[] = [];
  for (const job of jobs) {
    const prev = chain.length >= width ? chain.shift()! : Promise.resolve();
    const p = prev.then(job, job);
    out.push(p);
    chain.push(p.catch(() => undefined));
  }
  return out;
}

/** The baselines: an idle child's peak RSS, and what loading a tiny legitimate .keras costs. */
interface Baselines {
  idleMaxRss: number;
  /** The HDF5 engine's fixed cost (wasm module, worker), counted out of `.keras` cases. */
  h5Extra: number;
}

/** The memory a load took beyond its baseline, in bytes. */
function extraOf(c: HostileCase, r: ChildReport, b: Baselines): number {
  const own = r.loadExtraBytes ?? r.maxRssBytes - b.idleMaxRss;
  return own - (c.baseline === 'h5' ? b.h5Extra : 0);
}

function describeReport(c: HostileCase, r: ChildReport, b: Baselines): string {
  const extra = extraOf(c, r, b) / MB;
  return `${c.name}: ${r.outcome}${r.name ? ` ${r.name}` : ''} in ${r.ms?.toFixed(0)} ms, peak RSS +${extra.toFixed(1)} MB over the ${c.baseline} baseline (S = ${(c.bytes / MB).toFixed(2)} MB)${r.message ? `: ${r.message.slice(0, 200)}` : ''}${r.detail ? ` [${r.detail}]` : ''}`;
}

describe.runIf(process.platform === 'linux')(
  'resource bounds: hostile files load in a bounded child process',
  () => {
    let dir: string;
    const cases = new Map<HostileCaseId, HostileCase>();
    const reports = new Map<HostileCaseId, Promise<ChildReport>>();
    const baselines: Baselines = { idleMaxRss: 0, h5Extra: 0 };

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'tessera-hostile-'));
      const written = await writeHostileFiles(dir, { nestedBytes: (LONG ? 50 : 8) * MB });
      for (const c of written.cases) cases.set(c.id, c);
      const base = { killAboveRssBytes: 2048 * MB, timeoutMs: 60_000, maxOldSpaceMb: 1024 };
      const [idle, h5] = await Promise.all([
        runLoadChild(null, base),
        runLoadChild(written.baselineKeras, base),
      ]);
      if (idle.outcome !== 'idle' || h5.outcome !== 'loaded')
        throw new Error(`baseline children failed: ${JSON.stringify({ idle, h5 })}`);
      baselines.idleMaxRss = idle.maxRssBytes;
      baselines.h5Extra = h5.loadExtraBytes ?? h5.maxRssBytes - idle.maxRssBytes;
      const list = [...cases.values()];
      const runs = pool(
        list.map((c) => () => {
          const extra = c.maxExtraBytes ?? memoryBound(c.bytes);
          const ms = c.maxMs ?? timeBoundMs(c.bytes);
          return runLoadChild(
            c.path,
            limitsFor(baselines.idleMaxRss, extra + baselines.h5Extra, ms),
          );
        }),
        2,
      );
      list.forEach((c, i) => reports.set(c.id, runs[i]!));
      // Nothing is awaited here: each case's test awaits its own child.
      for (const r of runs) r.catch(() => undefined);
    }, 120_000);

    afterAll(async () => {
      await Promise.allSettled(reports.values());
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it.each(HOSTILE_CASE_IDS)(
      '%s stays within 4·S + 64 MB and a few s/MB',
      async (id) => {
        const c = cases.get(id);
        if (!c) return; // `fifo` where mkfifo is missing
        const r = await reports.get(id)!;
        const why = describeReport(c, r, baselines);
        console.log(`[bounded] ${why}`);
        expect(['killed', 'crashed', 'other-error'], why).not.toContain(r.outcome);
        if (c.expect === 'error') expect(r.outcome, why).toBe('tessera-error');
        if (c.expect === 'load') expect(r.outcome, why).toBe('loaded');
        expect(r.messageLength ?? 0, why).toBeLessThan(2000);
        expect(extraOf(c, r, baselines), why).toBeLessThanOrEqual(
          c.maxExtraBytes ?? memoryBound(c.bytes),
        );
        expect(r.ms, why).toBeLessThanOrEqual(c.maxMs ?? timeBoundMs(c.bytes));
      },
      300_000,
    );

    it('the harness itself: a child past its memory ceiling is killed and reported', async () => {
      // A ceiling below what any child needs to start: the watchdog must kill it.
      const r = await runLoadChild(cases.get('tfjs-units')!.path, {
        killAboveRssBytes: 20 * MB,
        timeoutMs: 60_000,
        maxOldSpaceMb: 512,
      });
      expect(r.outcome).toBe('killed');
      expect(r.detail).toMatch(/^RSS \d+ MB passed the ceiling of 20 MB$/);
    }, 120_000);

    it.runIf(LONG)(
      'randomized: TF.js and .keras configs with random huge declared sizes stay within the bound',
      async () => {
        const huge = fc.constantFrom(2 ** 31 - 1, 2 ** 24, 1e9, 65536, 2_000_000, [1e6, 1e6]);
        /** Random edits of the numbers in `json`: replaced by huge values, 1–3 at a time. */
        const variants = (json: string, seed: number) => {
          const numbers: string[][] = [];
          const walk = (v: unknown, p: string[]) => {
            if (typeof v === 'number') numbers.push(p);
            else if (v && typeof v === 'object')
              for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
          };
          walk(JSON.parse(json), []);
          const samples = fc.sample(
            fc.array(fc.tuple(fc.nat(numbers.length - 1), huge), { minLength: 1, maxLength: 3 }),
            { numRuns: Math.ceil(RUNS / 4000), seed },
          );
          return samples.map((edits) => {
            const j = JSON.parse(json);
            for (const [pi, value] of edits) {
              const path = numbers[pi]!;
              let o = j;
              for (const key of path.slice(0, -1)) o = o[key];
              o[path.at(-1)!] = value;
            }
            const what = edits
              .map(([pi, v]) => `${numbers[pi]!.join('.')}=${JSON.stringify(v)}`)
              .join(', ');
            return { text: JSON.stringify(j), what };
          });
        };
        const failures: string[] = [];
        const check = async (c: HostileCase) => {
          const bound = memoryBound(c.bytes);
          const ms = timeBoundMs(c.bytes);
          const extraBase = c.baseline === 'h5' ? baselines.h5Extra : 0;
          const r = await runLoadChild(
            c.path,
            limitsFor(baselines.idleMaxRss, bound + extraBase, ms),
          );
          const why = describeReport(c, r, baselines);
          console.log(`[bounded] ${why}`);
          if (
            ['killed', 'crashed', 'other-error'].includes(r.outcome) ||
            extraOf(c, r, baselines) > bound ||
            r.ms > ms
          )
            failures.push(why);
        };
        // TF.js: model.json edited, the shard as written.
        const template = cases.get('tfjs-units')!.path;
        const modelJson = readFileSync(join(template, 'model.json'), 'utf8');
        const shardFile = JSON.parse(modelJson).weightsManifest[0].paths[0] as string;
        const shard = readFileSync(join(template, shardFile));
        for (const [k, v] of variants(modelJson, 46).entries()) {
          const d = join(dir, `random-tfjs-${k}`);
          mkdirSync(d);
          writeFileSync(join(d, 'model.json'), v.text);
          writeFileSync(join(d, shardFile), shard);
          const bytes = Buffer.byteLength(v.text) + shard.length;
          await check({
            id: 'tfjs-units',
            name: `random TF.js ${k} (${v.what})`,
            path: d,
            bytes,
            expect: 'any',
            baseline: 'idle',
          });
        }
        // .keras: config.json edited inside the archive.
        const members = unzipSync(readFileSync(join(dir, 'baseline.keras')));
        const config = new TextDecoder().decode(members['config.json']!);
        for (const [k, v] of variants(config, 47).entries()) {
          const p = join(dir, `random-${k}.keras`);
          const zip = zipSync({ ...members, 'config.json': new TextEncoder().encode(v.text) });
          writeFileSync(p, zip);
          await check({
            id: 'keras-units',
            name: `random .keras ${k} (${v.what})`,
            path: p,
            bytes: zip.length,
            expect: 'any',
            baseline: 'h5',
          });
        }
        expect(failures).toEqual([]);
      },
      3_600_000,
    );
  },
);
