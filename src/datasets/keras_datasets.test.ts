/**
 * The keras.datasets-style loaders on local copies built here from ../shared/datasets (nothing
 * is downloaded): the arrays must match what Keras documents (counts, label sets, the first
 * samples, Boston's published split), the sequence options must do what Keras's docstring says
 * on hand-derived cases, and a download whose hash does not match is refused and removed.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNpz } from '../io/npy.js';
import { writeObjectNpy } from '../io/npy_object.js';
import { gunzipBounded, readTar } from '../io/tar.js';
import type { Tensor } from '../tensor/tensor.js';
import { parseIdx } from './idx.js';
import {
  bostonHousing,
  californiaHousing,
  cifar10,
  cifar100,
  fashionMnist,
  imdb,
  mnist,
  reuters,
} from './index.js';
import { numpyPermutation, numpyPermutations } from './keras_files.js';

const SHARED = new URL('../../../shared/datasets/', import.meta.url).pathname;
const have = existsSync(join(SHARED, 'mnist'));
const dir = mkdtempSync(join(tmpdir(), 'tessera-kds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ints = (t: Tensor) => Array.from(t.dataSync(), Number);
const counts = (t: Tensor, k: number) => {
  const c = new Array(k).fill(0);
  for (const v of t.dataSync()) c[Number(v)]++;
  return c;
};

describe.skipIf(!have)('mnist and fashionMnist', () => {
  it('mnist.loadData reads an mnist.npz (built from the IDX files) as Keras returns it', async () => {
    const idx = (name: string) =>
      parseIdx(new Uint8Array(gunzipSync(readFileSync(join(SHARED, 'mnist', name)))));
    const [xtr, ytr, xte, yte] = [
      'train-images-idx3-ubyte.gz',
      'train-labels-idx1-ubyte.gz',
      't10k-images-idx3-ubyte.gz',
      't10k-labels-idx1-ubyte.gz',
    ].map(idx) as ReturnType<typeof parseIdx>[];
    const u8 = (a: ReturnType<typeof parseIdx>) => ({
      dtype: 'uint8' as const,
      shape: a.shape,
      data: new Uint8Array(a.data),
    });
    const path = join(dir, 'mnist.npz');
    writeFileSync(
      path,
      writeNpz({ x_train: u8(xtr!), y_train: u8(ytr!), x_test: u8(xte!), y_test: u8(yte!) }),
    );
    const [[xTrain, yTrain], [xTest, yTest]] = await mnist.loadData({ path });
    expect(xTrain.shape).toEqual([60000, 28, 28]);
    expect(xTest.shape).toEqual([10000, 28, 28]);
    expect(xTrain.dtype).toBe('int32');
    // The README's train label counts, and MNIST's well-known first labels.
    expect(counts(yTrain, 10)).toEqual([
      5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949,
    ]);
    expect(ints(yTrain).slice(0, 5)).toEqual([5, 0, 4, 1, 9]);
    expect(yTest.shape).toEqual([10000]);
    const px = xTrain.dataSync();
    expect(Math.max(...px.subarray(0, 784))).toBe(255);
    expect(Math.min(...px.subarray(0, 784))).toBe(0);
  });

  it('fashionMnist.loadData reads the four IDX files: 6,000 / 1,000 per class', async () => {
    const [[xTrain, yTrain], [xTest, yTest]] = await fashionMnist.loadData({
      path: join(SHARED, 'fashion-mnist'),
    });
    expect(xTrain.shape).toEqual([60000, 28, 28]);
    expect(counts(yTrain, 10)).toEqual(new Array(10).fill(6000));
    expect(counts(yTest, 10)).toEqual(new Array(10).fill(1000));
    expect(xTest.shape).toEqual([10000, 28, 28]);
  });
});

describe.skipIf(!have)('bostonHousing', () => {
  it('reproduces Keras’s published split (RandomState(113), 404 / 102)', async () => {
    const lines = readFileSync(join(SHARED, 'boston_housing', 'boston_house_prices.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(2);
    const rows = lines.map((l) => l.split(',').map(Number));
    const path = join(dir, 'boston_housing.npz');
    writeFileSync(
      path,
      writeNpz({
        x: {
          dtype: 'float64',
          shape: [506, 13],
          data: Float64Array.from(rows.flatMap((r) => r.slice(0, 13))),
        },
        y: { dtype: 'float64', shape: [506], data: Float64Array.from(rows.map((r) => r[13]!)) },
      }),
    );
    const [[xTrain, yTrain], [xTest, yTest]] = await bostonHousing.loadData({ path });
    expect(xTrain.shape).toEqual([404, 13]);
    expect(xTest.shape).toEqual([102, 13]);
    expect(yTest.shape).toEqual([102]);
    // Keras's documentation of boston_housing: train_targets[:10] and train_data[0].
    const y10 = Array.from(yTrain.dataSync().subarray(0, 10));
    [15.2, 42.3, 50, 21.1, 17.7, 18.5, 11.3, 15.6, 15.6, 14.4].forEach((v, i) =>
      expect(y10[i]).toBeCloseTo(v, 4),
    );
    const x0 = Array.from(xTrain.dataSync().subarray(0, 13));
    [1.23247, 0, 8.14, 0, 0.538, 6.142, 91.7, 3.9769, 4, 307, 21, 396.9, 18.72].forEach((v, i) =>
      expect(x0[i]).toBeCloseTo(v, 4),
    );
    // And the split file in shared, row for row.
    const split = JSON.parse(
      readFileSync(join(SHARED, 'boston_housing', 'keras_split_seed113.json'), 'utf8'),
    );
    expect(Array.from(yTest.dataSync()).map((v) => v.toFixed(3))).toEqual(
      (split.test as number[]).map((r) => rows[r]![13]!.toFixed(3)),
    );
    await expect(bostonHousing.loadData({ path, testSplit: 1 })).rejects.toThrow(
      /testSplit must be in \[0, 1\)/,
    );
  });
});

describe('californiaHousing', () => {
  it('takes the first 600 rows for version small, then shuffles and splits as Keras', async () => {
    const n = 700;
    const x = Float64Array.from({ length: n * 8 }, (_, i) => i);
    const y = Float64Array.from({ length: n }, (_, i) => i * 10);
    const path = join(dir, 'california_housing.npz');
    writeFileSync(
      path,
      writeNpz({
        x: { dtype: 'float64', shape: [n, 8], data: x },
        y: { dtype: 'float64', shape: [n], data: y },
      }),
    );
    const [[xTrain, yTrain], [xTest]] = await californiaHousing.loadData({
      path,
      version: 'small',
    });
    expect(xTrain.shape).toEqual([480, 8]);
    expect(xTest.shape).toEqual([120, 8]);
    const perm = numpyPermutation(600, 113);
    expect(Array.from(yTrain.dataSync().subarray(0, 3))).toEqual([
      perm[0]! * 10,
      perm[1]! * 10,
      perm[2]! * 10,
    ]);
    expect(Array.from(xTrain.dataSync().subarray(0, 2))).toEqual([perm[0]! * 8, perm[0]! * 8 + 1]);
    await expect(californiaHousing.loadData({ path, version: 'medium' as never })).rejects.toThrow(
      /'large' or 'small'/,
    );
  });
});

describe('imdb and reuters', () => {
  const tiny = () => {
    const path = join(dir, 'imdb_tiny.npz');
    writeFileSync(
      path,
      writeNpz({
        x_train: writeObjectNpy([
          [1, 2, 3],
          [4, 5],
          [6, 7, 8, 9],
        ]),
        y_train: { dtype: 'int64', shape: [3], data: new BigInt64Array([0n, 1n, 0n]) },
        x_test: writeObjectNpy([[10], [2, 3]]),
        y_test: { dtype: 'int64', shape: [2], data: new BigInt64Array([1n, 0n]) },
      }),
    );
    return path;
  };

  it('imdb.loadData shuffles each split with RandomState(seed), then offsets, filters and cuts (Keras’s docstring)', async () => {
    const path = tiny();
    const [p, q] = numpyPermutations([3, 2], 113) as [Int32Array, Int32Array];
    const train = [
      [1, 2, 3],
      [4, 5],
      [6, 7, 8, 9],
    ];
    const test = [[10], [2, 3]];
    // Defaults: start 1, words + 3, and numWords = the largest index (13), which Keras's
    // `w < num_words` then turns into oovChar 2 itself.
    const oovMax = (s: number[]) => s.map((w) => (w === 13 ? 2 : w));
    const [[xTrain, yTrain], [xTest, yTest]] = await imdb.loadData({ path });
    expect(xTrain).toEqual(Array.from(p, (i) => oovMax([1, ...train[i]!.map((w) => w + 3)])));
    expect(ints(yTrain)).toEqual(Array.from(p, (i) => [0, 1, 0][i]));
    expect(xTest).toEqual(Array.from(q, (i) => oovMax([1, ...test[i]!.map((w) => w + 3)])));
    expect(ints(yTest)).toEqual(Array.from(q, (i) => [1, 0][i]));
    // numWords 8, skipTop 5: indices outside [5, 8) become oovChar 2 (the start char 1 too).
    const [[cut]] = await imdb.loadData({ path, numWords: 8, skipTop: 5 });
    const expectCut = (s: number[]) => s.map((w) => (w >= 5 && w < 8 ? w : 2));
    expect(cut).toEqual(Array.from(p, (i) => expectCut([1, ...train[i]!.map((w) => w + 3)])));
    // oovChar null drops them instead; startChar null and indexFrom 0 leave the raw words.
    const [[raw]] = await imdb.loadData({
      path,
      startChar: null,
      indexFrom: 0,
      oovChar: null,
      numWords: 7,
    });
    expect(raw).toEqual(Array.from(p, (i) => train[i]!.filter((w) => w < 7)));
    // maxlen keeps sequences shorter than maxlen (with the start char: lengths 4, 3, 5).
    const [[short, yShort]] = await imdb.loadData({ path, maxlen: 4 });
    expect(short).toEqual(
      Array.from(p, (i) => [1, ...train[i]!.map((w) => w + 3)]).filter((s) => s.length < 4),
    );
    expect(yShort.shape).toEqual([short.length]);
    await expect(imdb.loadData({ path, maxlen: 2 })).rejects.toThrow(
      /no sequence is shorter than maxlen=2/,
    );
  });

  it.skipIf(!have)(
    'imdb sequences decode through the word index back to the review text',
    async () => {
      const wordIndex = await imdb.getWordIndex({
        path: join(SHARED, 'imdb', 'imdb_word_index.json'),
      });
      expect(Object.keys(wordIndex)).toHaveLength(88584);
      expect(wordIndex.the).toBe(1);
      // An imdb.npz from 40 raw reviews, tokenized as the README's recipe: ranks from the index.
      const tar = readTar(
        gunzipBounded(
          new Uint8Array(readFileSync(join(SHARED, 'imdb', 'aclImdb_train_test.tar.gz'))),
          400 << 20,
        ),
      );
      const reviews = (split: string) =>
        tar
          .filter(
            (e) =>
              e.type === 'file' &&
              new RegExp(`^aclImdb/${split}/(pos|neg)/\\d+_\\d+\\.txt$`).test(e.name),
          )
          .slice(0, 20)
          .map((e) => ({
            text: new TextDecoder().decode(e.data),
            label: e.name.includes('/pos/') ? 1 : 0,
          }));
      const tokens = (t: string) =>
        t
          .toLowerCase()
          .replace(/<br \/>/g, ' ')
          .split(/[^a-z0-9']+/)
          .filter((w) => w in wordIndex);
      const enc = (rs: { text: string }[]) =>
        rs.map((r) => tokens(r.text).map((w) => wordIndex[w]!));
      const tr = reviews('train');
      const te = reviews('test');
      const path = join(dir, 'imdb_raw.npz');
      writeFileSync(
        path,
        writeNpz({
          x_train: writeObjectNpy(enc(tr)),
          y_train: {
            dtype: 'int64',
            shape: [tr.length],
            data: BigInt64Array.from(tr, (r) => BigInt(r.label)),
          },
          x_test: writeObjectNpy(enc(te)),
          y_test: {
            dtype: 'int64',
            shape: [te.length],
            data: BigInt64Array.from(te, (r) => BigInt(r.label)),
          },
        }),
      );
      // numWords past every index, so no word is cut (by default the largest becomes oovChar).
      const [[xTrain, yTrain]] = await imdb.loadData({ path, numWords: 100_000 });
      const [p] = numpyPermutations([tr.length, te.length], 113) as [Int32Array, Int32Array];
      const inverse = new Map(Object.entries(wordIndex).map(([w, i]) => [i + 3, w]));
      xTrain.forEach((seq, k) => {
        expect(seq[0]).toBe(1);
        expect(seq.slice(1).map((i) => inverse.get(i))).toEqual(tokens(tr[p[k]!]!.text));
      });
      expect(ints(yTrain)).toEqual(Array.from(p, (i) => tr[i]!.label));
    },
    30_000,
  );

  it('reuters.loadData shuffles, then splits at int(n · (1 − testSplit)); 46 label names', async () => {
    const xs = Array.from({ length: 10 }, (_, i) => [i + 1, i + 2]);
    const path = join(dir, 'reuters_tiny.npz');
    writeFileSync(
      path,
      writeNpz({
        x: writeObjectNpy(xs),
        y: { dtype: 'int64', shape: [10], data: BigInt64Array.from(xs, (_, i) => BigInt(i % 4)) },
      }),
    );
    const [[xTrain, yTrain], [xTest]] = await reuters.loadData({
      path,
      testSplit: 0.25,
      numWords: 100,
    });
    const p = numpyPermutation(10, 113);
    expect(xTrain).toHaveLength(7);
    expect(xTest).toHaveLength(3);
    expect(xTrain[0]).toEqual([1, xs[p[0]!]![0]! + 3, xs[p[0]!]![1]! + 3]);
    expect(ints(yTrain)).toEqual(Array.from(p.subarray(0, 7), (i) => i % 4));
    expect(reuters.getLabelNames()).toHaveLength(46);
    expect(reuters.getLabelNames()[3]).toBe('earn');
  });

  it('refuses a file that is not the dataset, naming the missing array', async () => {
    const path = join(dir, 'wrong.npz');
    writeFileSync(
      path,
      writeNpz({ a: { dtype: 'float32', shape: [1], data: new Float32Array(1) } }),
    );
    await expect(imdb.loadData({ path })).rejects.toThrow(
      /imdb.loadData: .*wrong.npz has no array 'x_train' \(it has a\)/,
    );
    await expect(mnist.loadData({ path: join(dir, 'nope', 'mnist.npz') })).rejects.toThrow(
      /no file at path/,
    );
  });
});

describe('cifar10 and cifar100 (binary release)', () => {
  it('decode records channels-last with the right labels', async () => {
    const src = mkdtempSync(join(tmpdir(), 'tessera-cifar-'));
    try {
      // One 2-image batch per file; pixel (r, c) of channel ch = (ch * 7 + r + c + image) % 256.
      const record = (labels: number[], image: number) => {
        const px = new Uint8Array(3072);
        for (let ch = 0; ch < 3; ch++)
          for (let r = 0; r < 32; r++)
            for (let c = 0; c < 32; c++)
              px[ch * 1024 + r * 32 + c] = (ch * 7 + r + c + image) % 256;
        return Buffer.concat([Buffer.from(labels), px]);
      };
      const c10 = join(src, 'cifar-10-batches-bin');
      mkdirSync(c10);
      for (let b = 1; b <= 5; b++)
        writeFileSync(
          join(c10, `data_batch_${b}.bin`),
          Buffer.concat([record([b], 2 * b), record([9], 2 * b + 1)]),
        );
      writeFileSync(join(c10, 'test_batch.bin'), record([3], 100));
      const [[xTrain, yTrain], [xTest, yTest]] = await cifar10.loadData({ path: src });
      expect(xTrain.shape).toEqual([10, 32, 32, 3]);
      expect(yTrain.shape).toEqual([10, 1]);
      expect(ints(yTrain)).toEqual([1, 9, 2, 9, 3, 9, 4, 9, 5, 9]);
      // Image 0 of the train set (image id 2), row 3, column 5, channel 2: (14 + 8 + 2) % 256.
      expect(xTrain.dataSync()[((0 * 32 + 3) * 32 + 5) * 3 + 2]).toBe(24);
      expect(ints(yTest)).toEqual([3]);
      expect(xTest.dataSync()[((0 * 32 + 31) * 32 + 31) * 3 + 1]).toBe((7 + 62 + 100) % 256);
      const c100 = join(src, 'cifar-100-binary');
      mkdirSync(c100);
      writeFileSync(
        join(c100, 'train.bin'),
        Buffer.concat([record([4, 44], 0), record([5, 55], 1)]),
      );
      writeFileSync(join(c100, 'test.bin'), record([6, 66], 2));
      const fine = await cifar100.loadData({ path: join(src, 'cifar-100-binary') });
      expect(ints(fine[0][1])).toEqual([44, 55]);
      const coarse = await cifar100.loadData({
        path: join(src, 'cifar-100-binary'),
        labelMode: 'coarse',
      });
      expect(ints(coarse[1][1])).toEqual([6]);
      writeFileSync(join(c100, 'test.bin'), Buffer.alloc(100));
      await expect(cifar100.loadData({ path: c100 })).rejects.toThrow(
        /not a multiple of the 3074-byte record/,
      );
    } finally {
      rmSync(src, { recursive: true, force: true });
    }
  });
});

describe('downloads', () => {
  let server: Server;
  let base = '';
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(200);
      res.end(Buffer.from('not the real mnist.npz'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('a download that does not match Keras’s hash is refused and nothing stays in the cache', async () => {
    const cache = join(dir, 'cache');
    await expect(
      mnist.loadData({ origin: `${base}/mnist.npz`, cacheDir: cache, verbose: 0 }),
    ).rejects.toThrow(
      /hash is [0-9a-f]{64}, expected 731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1; the download was removed/,
    );
    expect(readdirSync(join(cache, 'datasets'))).toEqual([]);
  });
});
