/**
 * Loaders are bounded by the file, not by what it declares (issue 10): typed errors for paths
 * that are not regular files, size caps and magic bytes checked before reading, TF.js shards
 * only inside the model's directory and no larger than the manifest needs, JSON size and depth
 * checked before parsing, zip members capped before inflating, and stale temporaries of killed
 * saves removed.
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dense } from '../layers/dense.js';
import { Sequential } from '../models/sequential.js';
import { setSeed } from '../ops/random.js';
import { readCheckpoint } from './checkpoint_format.js';
import { FileError, FormatError } from './errors.js';
import {
  type FileOps,
  atomicWriteFile,
  nodeFileOps,
  readFileBytes,
  removeStaleTemporaries,
} from './files.js';
import { createH5 } from './h5.js';
import { MAX_DEPTH, parseJsonBounded, scanJson } from './keras_config/json.js';
import {
  loadModel,
  loadModelFromBytes,
  loadTfjsModelFromBytes,
  loadWeights,
  modelToKerasBytes,
  saveModel,
  saveWeights,
  weightsFromBytes,
  weightsToBytes,
} from './save_load.js';
import { parseModelJson } from './tfjs_format.js';
import { readZip } from './zip.js';

const tmp = mkdtempSync(join(tmpdir(), 'tessera-bounded-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
const fresh = (name: string) => join(tmp, `${n++}-${name}`);

function smallModel(): Sequential {
  setSeed(1);
  return new Sequential({
    layers: [new Dense({ units: 3, inputShape: [4] }), new Dense({ units: 2 })],
  });
}

/** The error a promise rejects with (fails the test if it resolves). */
async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

const hasMkfifo = (() => {
  try {
    execFileSync('mkfifo', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('readFileBytes: only regular files, bounded', () => {
  it('a missing path is a FileError naming it, not a raw ENOENT', async () => {
    const p = join(tmp, 'no-such.keras');
    const e = await failure(readFileBytes(p, 'loadModel'));
    expect(e).toBeInstanceOf(FileError);
    expect(e.message).toBe(`loadModel: cannot read '${p}': no such file or directory`);
    expect((e as FileError).path).toBe(p);
    const e2 = await failure(loadModel(p));
    expect(e2).toBeInstanceOf(FileError);
    expect(e2.message).toContain(p);
  });

  it('a directory is a FileError, not EISDIR', async () => {
    const d = fresh('dir.keras');
    mkdirSync(d);
    const e = await failure(readFileBytes(d, 'loadModel'));
    expect(e).toBeInstanceOf(FileError);
    expect(e.message).toContain('it is a directory, not a file');
    expect(e.message).not.toContain('EISDIR');
  });

  it('/dev/zero (a character device) is refused without reading', async () => {
    const e = await failure(readFileBytes('/dev/zero', 'loadWeights'));
    expect(e).toBeInstanceOf(FileError);
    expect(e.message).toBe(
      "loadWeights: cannot read '/dev/zero': it is a character device, not a file",
    );
  });

  it.runIf(hasMkfifo)('a FIFO is refused at once (no wait for a writer)', async () => {
    const f = fresh('pipe.keras');
    execFileSync('mkfifo', [f]);
    const t = performance.now();
    const e = await failure(loadModel(f));
    expect(e).toBeInstanceOf(FileError);
    expect(e.message).toContain('a FIFO (named pipe)');
    expect(performance.now() - t).toBeLessThan(2000);
  });

  it('refuses a file over maxBytes before reading it', async () => {
    const f = fresh('big.bin');
    writeFileSync(f, new Uint8Array(100));
    const e = await failure(readFileBytes(f, 'load', { maxBytes: 99, what: 'weights' }));
    expect(e).toBeInstanceOf(FileError);
    expect(e.message).toBe(`load: '${f}' (weights) has 100 bytes, more than the limit of 99`);
    expect((await readFileBytes(f, 'load', { maxBytes: 100 })).length).toBe(100);
  });

  it('reads at most the size stat gave, even if the file grows meanwhile', async () => {
    const f = fresh('grows.bin');
    writeFileSync(f, new Uint8Array(1000).fill(7));
    let grew = false;
    const got = await readFileBytes(f, 'load', {
      check: () => {
        appendFileSync(f, new Uint8Array(5000).fill(9));
        grew = true;
      },
    });
    expect(grew).toBe(true);
    expect(got.length).toBe(1000);
    expect(got.every((b) => b === 7)).toBe(true);
  });

  it('a 1 GB sparse file with bad magic is refused after reading a few bytes', async () => {
    const f = fresh('sparse.keras');
    writeFileSync(f, 'JUNK');
    truncateSync(f, 1024 ** 3);
    const rss0 = process.memoryUsage().rss;
    const t = performance.now();
    const e = await failure(loadModel(f));
    const ms = performance.now() - t;
    const grew = process.memoryUsage().rss - rss0;
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toContain('is not a .keras (zip) or Keras .h5 (HDF5) file');
    expect(e.message).toContain('refused before reading it');
    expect(grew).toBeLessThan(100 * 1024 ** 2);
    expect(ms).toBeLessThan(2000);
    // loadWeights looks at the magic first as well.
    const e2 = await failure(loadWeights(smallModel(), f));
    expect(e2).toBeInstanceOf(FormatError);
    expect(e2.message).toContain('refused before reading it');
  });

  it('readCheckpoint: a directory is a FileError, a sparse 1 GB file refused by its magic', async () => {
    const d = fresh('ckpt-dir');
    mkdirSync(d);
    const e = await failure(readCheckpoint(d));
    expect(e).toBeInstanceOf(FileError);
    expect(e.message).toContain('it is a directory, not a file');
    const f = fresh('sparse.tsckpt');
    writeFileSync(f, 'JUNK');
    truncateSync(f, 1024 ** 3);
    const rss0 = process.memoryUsage().rss;
    await expect(readCheckpoint(f)).rejects.toThrow(
      `readCheckpoint: '${f}' is not a Tessera checkpoint (bad magic bytes); refused before reading it`,
    );
    expect(process.memoryUsage().rss - rss0).toBeLessThan(100 * 1024 ** 2);
  });

  it('a real .keras and its weights still load from disk', async () => {
    const m = smallModel();
    const f = fresh('ok.keras');
    await saveModel(m, f);
    const back = await loadModel(f);
    expect(back.weights.map((w) => w.shape)).toEqual(m.weights.map((w) => w.shape));
    // The size cap is an option of the path loaders.
    const size = readFileSync(f).length;
    const e = await failure(loadModel(f, { maxFileBytes: size - 1 }));
    expect(e).toBeInstanceOf(FileError);
    expect(e.message).toBe(
      `loadModel: '${f}' (model file) has ${size} bytes, more than the limit of ${size - 1}`,
    );
    const w = fresh('ok.weights.h5');
    await saveWeights(m, w);
    await expect(loadWeights(m, w, { maxFileBytes: 10 })).rejects.toThrow(
      `loadWeights: '${w}' (weights file) has`,
    );
    await loadWeights(m, w);
  });
});

describe('TF.js shards: inside the model directory, regular, deduplicated, sized', () => {
  let dir: string;
  let json: { weightsManifest: { paths: string[] }[] };
  let shard: string;
  beforeAll(async () => {
    dir = fresh('tfjs');
    await saveModel(smallModel(), dir);
    json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    shard = json.weightsManifest[0]!.paths[0]!;
  });

  /** A copy of the model directory whose manifest lists `paths`. */
  function variant(paths: string[], extra?: (d: string) => void): string {
    const d = fresh('tfjs-variant');
    mkdirSync(d);
    writeFileSync(join(d, shard), readFileSync(join(dir, shard)));
    const j = structuredClone(json);
    j.weightsManifest[0]!.paths = paths;
    writeFileSync(join(d, 'model.json'), JSON.stringify(j));
    extra?.(d);
    return d;
  }

  it('the unchanged directory loads', async () => {
    expect((await loadModel(variant([shard]))).weights.length).toBe(4);
  });

  it('a shard that is a symlink to /dev/zero is refused (outside the directory)', async () => {
    const d = variant(['zero.bin'], (d) => symlinkSync('/dev/zero', join(d, 'zero.bin')));
    const e = await failure(loadModel(d));
    expect(e).toBeInstanceOf(FileError);
    expect(e.message).toContain(
      `weight path "zero.bin" resolves to '/dev/zero', outside the model's directory`,
    );
  });

  it('a shard symlinked to a regular file outside the directory is refused', async () => {
    const outside = fresh('outside.bin');
    writeFileSync(outside, readFileSync(join(dir, shard)));
    const d = variant(['w.bin'], (d) => symlinkSync(outside, join(d, 'w.bin')));
    const e = await failure(loadModel(d));
    expect(e).toBeInstanceOf(FileError);
    expect(e.message).toContain("outside the model's directory");
  });

  it("'..' and absolute shard paths are refused", async () => {
    for (const p of ['../x.bin', '/etc/passwd', 'a/../../x.bin']) {
      const e = await failure(loadModel(variant([p])));
      expect(e).toBeInstanceOf(FileError);
      expect(e.message).toContain("leaves the model's directory");
    }
  });

  it.runIf(hasMkfifo)(
    'a shard that is a FIFO inside the directory is refused at once',
    async () => {
      const d = variant(['pipe.bin'], (d) => execFileSync('mkfifo', [join(d, 'pipe.bin')]));
      const e = await failure(loadModel(d));
      expect(e).toBeInstanceOf(FileError);
      expect(e.message).toContain('a FIFO (named pipe)');
    },
  );

  it('shard path "" is a typed error, not EISDIR', async () => {
    for (const p of ['', './', 'sub/']) {
      const e = await failure(loadModel(variant([p])));
      expect(e).toBeInstanceOf(FileError);
      expect(e.message).toContain('names a directory, not a shard file');
      expect(e.message).not.toContain('EISDIR');
    }
  });

  it('a missing shard is a FileError naming it', async () => {
    const d = variant(['missing.bin']);
    const e = await failure(loadModel(d));
    expect(e).toBeInstanceOf(FileError);
    expect(e.message).toContain('missing.bin');
    expect(e.message).toContain('no such file or directory');
  });

  it('20,000 repeats of one path: refused by size before reading, with a short message', async () => {
    const d = variant(Array.from({ length: 20_000 }, () => shard));
    const t = performance.now();
    const e = await failure(loadModel(d));
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toContain('refused before reading them');
    expect(e.message).toContain('and 19995 more');
    expect(e.message.length).toBeLessThan(1000);
    expect(performance.now() - t).toBeLessThan(3000);
  });

  it('in bytes too, 20,000 repeated paths give a short error message', () => {
    const j = structuredClone(json);
    j.weightsManifest[0]!.paths = Array.from({ length: 20_000 }, () => shard);
    const bytes = new Uint8Array(readFileSync(join(dir, shard)));
    let calls = 0;
    const e = (() => {
      try {
        loadTfjsModelFromBytes(j, () => {
          calls++;
          return bytes;
        });
      } catch (err) {
        return err as Error;
      }
      throw new Error('expected an error');
    })();
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message.length).toBeLessThan(1000);
    expect(calls).toBeGreaterThan(0);
  });

  it('a shard larger than the manifest needs is refused before it is read', async () => {
    const d = variant([shard], (d) => appendFileSync(join(d, shard), new Uint8Array(1 << 20)));
    const e = await failure(loadModel(d));
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toMatch(/needs 92 bytes .* hold 1048668: the shards do not belong/);
  });

  it('a 75 MB model.json (one junk key) is refused by its size, unread', async () => {
    const d = fresh('tfjs-huge');
    mkdirSync(d);
    writeFileSync(join(d, 'model.json'), '{"junk": "');
    truncateSync(join(d, 'model.json'), 75 * 1024 ** 2);
    const t = performance.now();
    const e = await failure(loadModel(d));
    expect(e).toBeInstanceOf(FileError);
    expect(e.message).toContain('(model.json) has 78643200 bytes, more than the limit of 67108864');
    expect(performance.now() - t).toBeLessThan(1000);
  });

  it('a 50 MB nested-array model.json is refused fast, before JSON.parse', async () => {
    const d = fresh('tfjs-nested');
    mkdirSync(d);
    const half = 25 * 1024 ** 2;
    const b = new Uint8Array(2 * half);
    b.fill(0x5b, 0, half);
    b.fill(0x5d, half);
    writeFileSync(join(d, 'model.json'), b);
    const t = performance.now();
    const e = await failure(loadModel(d));
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toContain(`nested deeper than ${MAX_DEPTH} levels`);
    expect(performance.now() - t).toBeLessThan(1500);
  });
});

describe('JSON caps before parsing', () => {
  it('depth is counted on bytes and strings alike, brackets inside strings ignored', () => {
    const deep = `${'['.repeat(MAX_DEPTH + 1)}${']'.repeat(MAX_DEPTH + 1)}`;
    expect(() => scanJson(deep, 'x')).toThrow(
      `x: the JSON is nested deeper than ${MAX_DEPTH} levels (at byte ${MAX_DEPTH})`,
    );
    expect(() => scanJson(new TextEncoder().encode(deep), 'x')).toThrow(FormatError);
    const ok = `${'['.repeat(MAX_DEPTH)}${']'.repeat(MAX_DEPTH)}`;
    expect(() => scanJson(ok, 'x')).not.toThrow();
    // 200 brackets inside a string (with an escaped quote before them) are text, not nesting.
    const s = JSON.stringify({ a: `\\"${'['.repeat(200)}` });
    expect(parseJsonBounded(s, 'x')).toEqual(JSON.parse(s));
  });

  it('caps the byte size and the value count', () => {
    expect(() => scanJson('[1, 2]', 'cfg', { maxBytes: 5 })).toThrow(
      'cfg: the JSON text has 6 characters, more than the limit of 5',
    );
    expect(() => scanJson('[1,2,3,4]', 'cfg', { maxValues: 3 })).toThrow(
      'cfg: the JSON holds more than 3 values; refused before parsing',
    );
    expect(() => scanJson('[1,2,3]', 'cfg', { maxValues: 3 })).not.toThrow();
    // The default cap refuses 3 million tiny values before V8 builds them.
    expect(() => parseJsonBounded(`[${'0,'.repeat(3_000_000)}0]`, 'cfg')).toThrow(
      'more than 2000000 values',
    );
  });

  it('parseModelJson scans text, and a model_config given as text, before parsing it', () => {
    const deep = `${'['.repeat(5_000_000)}${']'.repeat(5_000_000)}`;
    const t = performance.now();
    expect(() => parseModelJson(deep, 'model.json')).toThrow(
      `model.json: the JSON is nested deeper than ${MAX_DEPTH} levels (at byte ${MAX_DEPTH}); refused before parsing`,
    );
    expect(() => parseModelJson(new TextEncoder().encode(deep), 'model.json')).toThrow(
      'refused before parsing',
    );
    const inner = { modelTopology: { model_config: deep }, weightsManifest: [] };
    expect(() => parseModelJson(inner, 'm.json')).toThrow(
      'm.json: modelTopology.model_config: the JSON is nested deeper than',
    );
    expect(performance.now() - t).toBeLessThan(1000);
  });

  it('a legacy .h5 whose model_config attribute nests 1,000,000 deep is refused before parsing', async () => {
    const w = createH5()
      .attr('/', 'layer_names', [])
      .attr('/', 'model_config', `${'['.repeat(1e6)}${']'.repeat(1e6)}`);
    const t = performance.now();
    await expect(loadModelFromBytes(await w.bytes())).rejects.toThrow(
      `readLegacyH5: attribute 'model_config': the JSON is nested deeper than ${MAX_DEPTH} levels (at byte ${MAX_DEPTH}); refused before parsing`,
    );
    expect(performance.now() - t).toBeLessThan(5000);
  });

  it('a .keras whose config.json nests 100,000 deep is refused before parsing', async () => {
    const enc = new TextEncoder();
    const zip = zipSync({
      'config.json': enc.encode(`${'['.repeat(100_000)}${']'.repeat(100_000)}`),
    });
    await expect(loadModelFromBytes(zip)).rejects.toThrow('refused before parsing');
  });
});

/** Sets the declared uncompressed size of every central-directory entry named `name`. */
function patchDeclaredSize(zip: Uint8Array, name: string, size: number): Uint8Array {
  const out = zip.slice();
  const v = new DataView(out.buffer);
  const nameBytes = new TextEncoder().encode(name);
  for (let p = 0; p + 46 < out.length; p++) {
    if (v.getUint32(p, true) !== 0x02014b50) continue;
    const len = v.getUint16(p + 28, true);
    const got = out.subarray(p + 46, p + 46 + len);
    if (got.length === nameBytes.length && got.every((b, i) => b === nameBytes[i]))
      v.setUint32(p + 24, size, true);
  }
  return out;
}

describe('.keras zip members are capped before inflating', () => {
  let keras: Uint8Array;
  beforeAll(async () => {
    keras = await modelToKerasBytes(smallModel());
  });

  it('config.json declaring more than the JSON cap is refused from the central directory', async () => {
    // Deflated, so the declared size is not tied to the stored length.
    const members = readZip(keras);
    const deflated = zipSync(Object.fromEntries(members), { level: 6 });
    const bad = patchDeclaredSize(deflated, 'config.json', 100 * 1024 ** 2);
    const e = await failure(loadModelFromBytes(bad));
    expect(e).toBeInstanceOf(FormatError);
    // JSON members: at most 16 MiB + 2 × the archive's size (and never over 64 MiB).
    expect(e.message).toMatch(
      new RegExp(
        `^readZip: entry 'config\\.json' declares 104857600 uncompressed bytes, more than the limit of ${16 * 1024 ** 2 + 2 * bad.length} for it`,
      ),
    );
  });

  it('a deflated weights member inflating far beyond the archive (zip bomb) is refused', async () => {
    const bomb = zipSync(
      {
        'config.json': new TextEncoder().encode('{}'),
        'model.weights.h5': new Uint8Array(40 * 1024 ** 2),
      },
      { level: 9 },
    );
    expect(bomb.length).toBeLessThan(200_000);
    const e = await failure(loadModelFromBytes(bomb));
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toContain(
      `readZip: entry 'model.weights.h5' declares 41943040 uncompressed bytes, more than the limit of ${16 * 1024 ** 2 + 2 * bomb.length} for it`,
    );
  });

  it('weight-count mismatches name at most 5 weights', () => {
    const many = new Sequential({
      layers: Array.from(
        { length: 10 },
        (_, i) => new Dense({ units: 1, ...(i === 0 ? { inputShape: [2] } : {}) }),
      ),
    });
    expect(() => weightsFromBytes(many, weightsToBytes(smallModel()))).toThrow(
      /^loadWeights: the file has 4 weights, the model 20 \('[^']+', '[^']+', '[^']+', '[^']+', '[^']+' and 15 more\)$/,
    );
  });

  it('entry names longer than 1024 bytes are refused, so messages stay short', () => {
    const z = zipSync({ [`${'a'.repeat(5000)}.json`]: new Uint8Array(1) });
    expect(() => readZip(z)).toThrow(
      'readZip: entry 0 has a name of 5005 bytes, more than the limit of 1024',
    );
  });

  it('readZip takes a per-entry limit, a number or a function', () => {
    const z = zipSync({ a: new Uint8Array(10), b: new Uint8Array(20) });
    expect(() => readZip(z, { maxEntryBytes: 15 })).toThrow("entry 'b' declares 20");
    expect(readZip(z, { maxEntryBytes: (name) => (name === 'b' ? 20 : 10) }).size).toBe(2);
  });
});

describe('atomic saves remove stale temporaries of the same target', () => {
  it("removes dead writers' and old files, keeps a live writer's and unrelated ones", async () => {
    const d = fresh('stale');
    mkdirSync(d);
    const target = join(d, 'm.keras');
    // A pid that is certainly not running: a child that has exited.
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.on('exit', r));
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      const live = sleeper.pid!;
      const names = {
        dead1: `.m.keras.${dead.pid}.lx1a2b0.tmp`,
        dead2: `.m.keras.${dead.pid}.lx1a2b1.tmp`,
        live: `.m.keras.${live}.lx1a2b2.tmp`,
        oldLive: `.m.keras.${live}.lx1a2b3.tmp`,
        other: `.n.keras.${dead.pid}.lx1a2b4.tmp`,
        // Our own pid, but not a save in progress here: a previous run in a container.
        ownPid: `.m.keras.${process.pid}.lx1a2b5.tmp`,
        notOurs: '.m.keras.backup.tmp',
      };
      for (const f of Object.values(names)) writeFileSync(join(d, f), 'partial');
      const hourAgo = new Date(Date.now() - 3600_000);
      utimesSync(join(d, names.oldLive), hourAgo, hourAgo);
      await atomicWriteFile(target, new TextEncoder().encode('new'));
      const left = readdirSync(d).sort();
      expect(left).toEqual([names.live, names.notOurs, names.other, 'm.keras'].sort());
      expect(readFileSync(target, 'utf8')).toBe('new');
      // Nothing else to remove on a second pass.
      expect(await removeStaleTemporaries(target)).toEqual([]);
    } finally {
      sleeper.kill();
    }
  });

  it("a concurrent save's temporary in this process is not removed", async () => {
    const d = fresh('concurrent');
    mkdirSync(d);
    const target = join(d, 'm.bin');
    const real = await nodeFileOps('save');
    // The first save's temporary sits on disk while the second save cleans up.
    const slow: FileOps = {
      ...real,
      async writeNew(p, data) {
        await real.writeNew(p, data);
        await new Promise((r) => setTimeout(r, 150));
      },
    };
    const first = atomicWriteFile(target, new TextEncoder().encode('first'), slow);
    await new Promise((r) => setTimeout(r, 50));
    await atomicWriteFile(target, new TextEncoder().encode('second'));
    await first; // would fail with ENOENT on rename had its temporary been removed
    expect(readFileSync(target, 'utf8')).toBe('first');
    expect(readdirSync(d)).toEqual(['m.bin']);
  });

  it('saveModel cleans up after a save that was killed', async () => {
    const d = fresh('killed');
    mkdirSync(d);
    const target = join(d, 'net.keras');
    // A child that starts an atomic write and is killed mid-way leaves its temporary behind.
    const child = spawn(process.execPath, [
      '-e',
      `require('fs').writeFileSync(${JSON.stringify(join(d, '.net.keras.'))} + process.pid + '.abc.tmp', 'x'); setTimeout(() => {}, 60000)`,
    ]);
    await new Promise<void>((resolve) => {
      const poll = () =>
        readdirSync(d).some((f) => f.endsWith('.tmp')) ? resolve() : setTimeout(poll, 20);
      poll();
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    expect(readdirSync(d).filter((f) => f.endsWith('.tmp'))).toHaveLength(1);
    await saveModel(smallModel(), target);
    expect(readdirSync(d)).toEqual(['net.keras']);
    expect(existsSync(target)).toBe(true);
  });
});
