/**
 * Hostile model files for the resource-bound loader fuzz (src/io/fuzz.test.ts), each small on
 * disk (sparse where large), written into a directory: configs that declare huge layers, a
 * 1 GB sparse file, shards that are symlinks to `/dev/zero`, deep JSON nesting, zip bombs,
 * 20,000 repeated shard paths, an empty shard path, a FIFO, and a 4,000-layer Sequential.
 */
import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { modelToKerasBytes, saveModel } from '../../src/io/save_load.js';
import { Dense } from '../../src/layers/dense.js';
import { Sequential } from '../../src/models/sequential.js';
import { setSeed } from '../../src/ops/random.js';

/** One hostile case: the path to load and what to expect of it. */
export interface HostileCase {
  /** One of {@link HOSTILE_CASE_IDS}. */
  id: HostileCaseId;
  name: string;
  /** What `loadModel` is given. */
  path: string;
  /** S: the bytes on disk the case's files occupy (apparent size, all files together). */
  bytes: number;
  /** `error`: must throw a TesseraError; `load`: must load; `any`: either. */
  expect: 'error' | 'load' | 'any';
  /** The baseline child: `idle` (imports only) or `h5` (a tiny .keras loaded, HDF5 engine up). */
  baseline: 'idle' | 'h5';
  /** A tighter memory bound than 4·S + 64 MB, for files that must be refused unread. */
  maxExtraBytes?: number;
  /** A tighter time bound, in ms. */
  maxMs?: number;
}

/** The cases {@link writeHostileFiles} writes (`fifo` only where `mkfifo` exists). */
export const HOSTILE_CASE_IDS = [
  'keras-units',
  'tfjs-units',
  'sparse-1gb',
  'shard-dev-zero',
  'tfjs-nested',
  'keras-nested-12mb',
  'keras-nested-50mb',
  'zip-bomb',
  'zip-bomb-lying',
  'shard-repeats',
  'shard-empty-path',
  'model-json-75mb',
  'fifo',
  'sequential-4000',
] as const;

/** The id of a hostile case. */
export type HostileCaseId = (typeof HOSTILE_CASE_IDS)[number];

/** Options of {@link writeHostileFiles}. */
export interface HostileOptions {
  /** Bytes of the nested-bracket model.json written to disk (default 8 MB). */
  nestedBytes?: number;
}

const enc = new TextEncoder();
const MB = 1024 * 1024;

function sizeOf(...paths: string[]): number {
  return paths.reduce((n, p) => n + statSync(p).size, 0);
}

/** Sets `units` in the first object (in document order) of `root` whose class_name is `cls`. */
function setUnits(root: unknown, cls: string, units: number): boolean {
  const stack = [root];
  while (stack.length) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    const o = v as Record<string, unknown>;
    if (o.class_name === cls && o.config && typeof o.config === 'object') {
      (o.config as Record<string, unknown>).units = units;
      return true;
    }
    // Reversed, so objects pop in document order: the first Dense is the one with input 100.
    stack.push(...Object.values(o).reverse());
  }
  return false;
}

function hasMkfifo(): boolean {
  try {
    execFileSync('mkfifo', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function nestedBrackets(bytes: number): Uint8Array {
  const half = Math.floor(bytes / 2);
  const b = new Uint8Array(2 * half);
  b.fill(0x5b, 0, half);
  b.fill(0x5d, half);
  return b;
}

/** Sets the declared uncompressed size of the central-directory entry `name`. */
function patchDeclaredSize(zip: Uint8Array, name: string, size: number): Uint8Array {
  const out = zip.slice();
  const v = new DataView(out.buffer);
  const want = enc.encode(name);
  for (let p = 0; p + 46 < out.length; p++) {
    if (v.getUint32(p, true) !== 0x02014b50) continue;
    const len = v.getUint16(p + 28, true);
    const got = out.subarray(p + 46, p + 46 + len);
    if (got.length === want.length && got.every((b, i) => b === want[i]))
      v.setUint32(p + 24, size, true);
  }
  return out;
}

/**
 * Writes the hostile cases (and the tiny legitimate `.keras` the `h5` baseline loads) into
 * `dir`, which must exist and be empty.
 * @example const { cases, baselineKeras } = await writeHostileFiles(mkdtempSync('/tmp/h-'));
 */
export async function writeHostileFiles(
  dir: string,
  opts: HostileOptions = {},
): Promise<{ cases: HostileCase[]; baselineKeras: string }> {
  const cases: HostileCase[] = [];
  setSeed(7);
  // Input 100: a Dense of 2,000,000 units then needs 200 million kernel values (800 MB).
  const small = new Sequential({
    layers: [new Dense({ units: 4, inputShape: [100] }), new Dense({ units: 2 })],
  });
  const kerasBytes = await modelToKerasBytes(small);
  const baselineKeras = join(dir, 'baseline.keras');
  writeFileSync(baselineKeras, kerasBytes);
  const members = unzipSync(kerasBytes);

  // 1. A .keras whose config declares units: 2,000,000 (its weights stay small).
  {
    const config = JSON.parse(new TextDecoder().decode(members['config.json']!));
    if (!setUnits(config, 'Dense', 2_000_000)) throw new Error('no Dense in config.json');
    const p = join(dir, 'units.keras');
    writeFileSync(p, zipSync({ ...members, 'config.json': enc.encode(JSON.stringify(config)) }));
    cases.push({
      id: 'keras-units',
      name: '.keras config declaring units: 2000000',
      path: p,
      bytes: sizeOf(p),
      expect: 'error',
      baseline: 'h5',
    });
  }

  // A TF.js directory of the small model, the template of the TF.js cases.
  const tfjsDir = join(dir, 'tfjs-template');
  await saveModel(small, tfjsDir);
  const modelJson = JSON.parse(readFileSync(join(tfjsDir, 'model.json'), 'utf8'));
  const shardName: string = modelJson.weightsManifest[0].paths[0];
  const shard = readFileSync(join(tfjsDir, shardName));
  const tfjsCase = (name: string, edit: (j: typeof modelJson, d: string) => void): string => {
    const d = join(dir, name);
    mkdirSync(d);
    writeFileSync(join(d, shardName), shard);
    const j = structuredClone(modelJson);
    edit(j, d);
    writeFileSync(join(d, 'model.json'), JSON.stringify(j));
    return d;
  };
  const tfjsBytes = (d: string) => sizeOf(join(d, 'model.json'), join(d, shardName));

  // 2. A TF.js model.json declaring units: 2,000,000.
  {
    const d = tfjsCase('tfjs-units', (j) => {
      if (!setUnits(j.modelTopology, 'Dense', 2_000_000)) throw new Error('no Dense');
    });
    cases.push({
      id: 'tfjs-units',
      name: 'TF.js model.json declaring units: 2000000',
      path: d,
      bytes: tfjsBytes(d),
      expect: 'error',
      baseline: 'idle',
    });
  }

  // 3. A 1 GB sparse file with bad magic: refused unread.
  {
    const p = join(dir, 'sparse.keras');
    writeFileSync(p, 'JUNK');
    truncateSync(p, 1024 ** 3);
    cases.push({
      id: 'sparse-1gb',
      name: '1 GB sparse file with bad magic',
      path: p,
      bytes: 1024 ** 3,
      expect: 'error',
      baseline: 'idle',
      maxExtraBytes: 64 * MB,
      maxMs: 5000,
    });
  }

  // 4. A shard that is a symlink to /dev/zero.
  {
    const d = tfjsCase('tfjs-devzero', (j, d) => {
      j.weightsManifest[0].paths = ['zero.bin'];
      symlinkSync('/dev/zero', join(d, 'zero.bin'));
    });
    cases.push({
      id: 'shard-dev-zero',
      name: 'TF.js shard symlinked to /dev/zero',
      path: d,
      bytes: sizeOf(join(d, 'model.json')),
      expect: 'error',
      baseline: 'idle',
      maxExtraBytes: 64 * MB,
      maxMs: 5000,
    });
  }

  // 5. Deeply nested JSON: a model.json of nested brackets on disk, and a .keras whose
  // deflated config.json inflates to 12 MB of brackets (under the member cap: the depth scan
  // refuses it) or declares 50 MB (over the cap: refused before inflating).
  {
    const d = join(dir, 'tfjs-nested');
    mkdirSync(d);
    writeFileSync(join(d, 'model.json'), nestedBrackets(opts.nestedBytes ?? 8 * MB));
    cases.push({
      id: 'tfjs-nested',
      name: `model.json of ${((opts.nestedBytes ?? 8 * MB) / MB).toFixed(0)} MB nested brackets`,
      path: d,
      bytes: sizeOf(join(d, 'model.json')),
      expect: 'error',
      baseline: 'idle',
    });
    for (const mb of [12, 50]) {
      const p = join(dir, `nested-${mb}.keras`);
      writeFileSync(
        p,
        zipSync({ ...members, 'config.json': [nestedBrackets(mb * MB), { level: 9 }] }),
      );
      cases.push({
        id: mb === 12 ? 'keras-nested-12mb' : 'keras-nested-50mb',
        name: `.keras with a deflated ${mb} MB nested config.json`,
        path: p,
        bytes: sizeOf(p),
        expect: 'error',
        baseline: 'idle',
      });
    }
  }

  // 6. Zip bombs: a weights member declaring 64 MB of zeros, and one whose header lies
  // (declares 8 MB, inflates to 64 MB).
  {
    const zeros = new Uint8Array(64 * MB);
    const bomb = zipSync({ ...members, 'model.weights.h5': [zeros, { level: 9 }] });
    const p = join(dir, 'bomb.keras');
    writeFileSync(p, bomb);
    cases.push({
      id: 'zip-bomb',
      name: '.keras zip bomb (weights declare 64 MB)',
      path: p,
      bytes: sizeOf(p),
      expect: 'error',
      baseline: 'idle',
    });
    const q = join(dir, 'bomb-lying.keras');
    writeFileSync(q, patchDeclaredSize(bomb, 'model.weights.h5', 8 * MB));
    cases.push({
      id: 'zip-bomb-lying',
      name: '.keras zip bomb whose header lies (8 MB declared)',
      path: q,
      bytes: sizeOf(q),
      expect: 'error',
      baseline: 'idle',
    });
  }

  // 7. 20,000 repeats of the same shard path.
  {
    const d = tfjsCase('tfjs-repeats', (j) => {
      j.weightsManifest[0].paths = Array.from({ length: 20_000 }, () => shardName);
    });
    cases.push({
      id: 'shard-repeats',
      name: '20,000 repeated shard paths',
      path: d,
      bytes: tfjsBytes(d),
      expect: 'error',
      baseline: 'idle',
    });
  }

  // 8. Shard path "".
  {
    const d = tfjsCase('tfjs-empty-path', (j) => {
      j.weightsManifest[0].paths = [''];
    });
    cases.push({
      id: 'shard-empty-path',
      name: 'shard path ""',
      path: d,
      bytes: tfjsBytes(d),
      expect: 'error',
      baseline: 'idle',
    });
  }

  // 9. A 75 MB model.json (sparse: one junk key then zeros): refused by size, unread.
  {
    const d = join(dir, 'tfjs-75mb');
    mkdirSync(d);
    writeFileSync(join(d, 'model.json'), '{"junk": "');
    truncateSync(join(d, 'model.json'), 75 * MB);
    cases.push({
      id: 'model-json-75mb',
      name: '75 MB model.json with one junk key',
      path: d,
      bytes: 75 * MB,
      expect: 'error',
      baseline: 'idle',
      maxExtraBytes: 64 * MB,
      maxMs: 5000,
    });
  }

  // 10. A FIFO named like a model: refused at once, not waited on.
  if (hasMkfifo()) {
    const p = join(dir, 'pipe.keras');
    execFileSync('mkfifo', [p]);
    cases.push({
      id: 'fifo',
      name: 'a FIFO named pipe.keras',
      path: p,
      bytes: 0,
      expect: 'error',
      baseline: 'idle',
      maxExtraBytes: 64 * MB,
      maxMs: 5000,
    });
  }

  // 11. A Sequential of 4,000 Dense(1) layers (TF.js): a legitimate, if odd, model; it must
  // load within the bound (it took 122 s and 4.2 GB when Sequential building was quadratic).
  {
    const [inputLayer, , dense] = modelJson.modelTopology.config.layers;
    const list = [inputLayer];
    const entries: { name: string; shape: number[]; dtype: string }[] = [];
    for (let i = 0; i < 4000; i++) {
      const l = structuredClone(dense);
      l.config.units = 1;
      l.config.name = `dense_${i}`;
      list.push(l);
      entries.push(
        { name: `dense_${i}/kernel`, shape: [i === 0 ? 100 : 1, 1], dtype: 'float32' },
        { name: `dense_${i}/bias`, shape: [1], dtype: 'float32' },
      );
    }
    const total = entries.reduce((n, e) => n + 4 * e.shape.reduce((a, b) => a * b, 1), 0);
    const d = join(dir, 'tfjs-4000');
    mkdirSync(d);
    const j = structuredClone(modelJson);
    j.modelTopology.config.layers = list;
    j.weightsManifest = [{ paths: ['w.bin'], weights: entries }];
    writeFileSync(join(d, 'model.json'), JSON.stringify(j));
    writeFileSync(join(d, 'w.bin'), new Uint8Array(total));
    cases.push({
      id: 'sequential-4000',
      name: 'Sequential of 4,000 Dense(1) layers',
      path: d,
      bytes: sizeOf(join(d, 'model.json'), join(d, 'w.bin')),
      expect: 'load',
      baseline: 'idle',
    });
  }
  return { cases, baselineKeras };
}
