/**
 * imageDatasetFromDirectory on folders of PNG and JPEG files written here: labels from the
 * class folders (each image's pixels encode its class, so order does not matter), Keras's
 * seeded file shuffle and validation split (NumPy's RandomState over the sorted list), the
 * resize, colour modes, label modes, and the errors.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { NumpyRandomState } from '../datasets/numpy_random.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Dataset } from './dataset.js';
import { decodeImage, imageDatasetFromDirectory, indexImageDirectory } from './image_dataset.js';

const root = mkdtempSync(join(tmpdir(), 'tessera-img-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A w×h RGB PNG whose every pixel is (r, g, b). */
function png(w: number, h: number, rgb: [number, number, number]): Uint8Array {
  const data = new Uint8Array(w * h * 3);
  for (let p = 0; p < w * h; p++) data.set(rgb, p * 3);
  return encodePng({ width: w, height: h, data, channels: 3, depth: 8 });
}

// Two classes; image j of class k is filled with (10k + j, 100 + k, 7); one file nested deeper.
const dir = join(root, 'pets');
const files: string[] = [];
for (const [k, cls] of ['cat', 'dog'].entries()) {
  mkdirSync(join(dir, cls, 'more'), { recursive: true });
  for (let j = 0; j < 5; j++) {
    const rel = j === 4 ? join(cls, 'more', `z${j}.png`) : join(cls, `img${j}.png`);
    writeFileSync(join(dir, rel), png(6, 4, [10 * k + j, 100 + k, 7]));
    files.push(join(dir, rel));
  }
}
writeFileSync(join(dir, 'cat', 'notes.txt'), 'not an image');

const quiet = { verbose: false } as const;
async function all(ds: Dataset): Promise<{ images: Tensor[]; labels: number[] }> {
  const images: Tensor[] = [];
  const labels: number[] = [];
  for await (const b of ds) {
    const [x, y] = b as [Tensor, Tensor];
    for (let i = 0; i < x.shape[0]!; i++)
      images.push(x.slice([i, 0, 0, 0], [1, ...x.shape.slice(1)]));
    labels.push(...Array.from(y.dataSync(), Number));
  }
  return { images, labels };
}

describe('imageDatasetFromDirectory', () => {
  it('labels each image by its class folder, resizes, and batches', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const ds = (await imageDatasetFromDirectory(dir, {
      imageSize: [3, 5],
      batchSize: 4,
      seed: 1,
    })) as Dataset;
    expect(log).toHaveBeenCalledWith('Found 10 files belonging to 2 classes.');
    log.mockRestore();
    const { images, labels } = await all(ds);
    expect(images).toHaveLength(10);
    expect(images[0]!.shape).toEqual([1, 3, 5, 3]);
    images.forEach((img, i) => {
      const px = img.dataSync();
      // Green encodes the class; a constant image stays constant through the resize.
      expect(px[1]).toBeCloseTo(100 + labels[i]!, 4);
      expect(px[px.length - 1]).toBeCloseTo(7, 4);
    });
    expect(labels.filter((l) => l === 1)).toHaveLength(5);
  });

  it('splits as Keras: the sorted files shuffled by RandomState(seed), the last 20 % for validation', async () => {
    const seed = 123;
    const [train, val] = (await imageDatasetFromDirectory(dir, {
      imageSize: [4, 6],
      batchSize: 3,
      validationSplit: 0.2,
      subset: 'both',
      seed,
      ...quiet,
    })) as [Dataset, Dataset];
    // Keras's order: class folders sorted; in each, its own files sorted, then its sub-folders'.
    const order = files;
    const perm = [...order];
    new NumpyRandomState(seed).shuffle(perm);
    const redOf = (f: string) => {
      const k = f.includes('/dog/') ? 1 : 0;
      const j = Number(/(\d)\.png$/.exec(f)![1]);
      return 10 * k + j;
    };
    const valImages = await all(val);
    // Validation keeps the split's order (no per-epoch shuffle).
    expect(valImages.images.map((t) => Math.round(t.dataSync()[0]!))).toEqual(
      perm.slice(8).map(redOf),
    );
    const trainImages = await all(train);
    expect(
      trainImages.images.map((t) => Math.round(t.dataSync()[0]!)).sort((a, b) => a - b),
    ).toEqual(
      perm
        .slice(0, 8)
        .map(redOf)
        .sort((a, b) => a - b),
    );
  });

  it('reads JPEG and gray PNG files, in grayscale, RGBA, categorical and binary label modes', async () => {
    const d2 = join(root, 'mixed');
    mkdirSync(join(d2, 'a'), { recursive: true });
    mkdirSync(join(d2, 'b'), { recursive: true });
    const rgba = new Uint8Array(8 * 8 * 4).fill(200);
    writeFileSync(
      join(d2, 'a', 'x.jpg'),
      jpeg.encode({ data: rgba, width: 8, height: 8 }, 100).data,
    );
    writeFileSync(
      join(d2, 'b', 'y.png'),
      encodePng({
        width: 2,
        height: 2,
        data: new Uint8Array([0, 50, 100, 150]),
        channels: 1,
        depth: 8,
      }),
    );
    const ds = (await imageDatasetFromDirectory(d2, {
      imageSize: [2, 2],
      labelMode: 'categorical',
      colorMode: 'grayscale',
      shuffle: false,
      ...quiet,
    })) as Dataset;
    const [[x, y]] = (await ds.toArray()) as [Tensor, Tensor][];
    expect(x!.shape).toEqual([2, 2, 2, 1]);
    expect(Math.abs(x!.dataSync()[0]! - 200)).toBeLessThan(3);
    expect(Array.from(x!.dataSync().slice(4))).toEqual([0, 50, 100, 150]);
    expect(y!.arraySync()).toEqual([
      [1, 0],
      [0, 1],
    ]);
    const bin = (await imageDatasetFromDirectory(d2, {
      imageSize: [2, 2],
      labelMode: 'binary',
      colorMode: 'rgba',
      shuffle: false,
      ...quiet,
    })) as Dataset;
    const [[xb, yb]] = (await bin.toArray()) as [Tensor, Tensor][];
    expect(xb!.shape).toEqual([2, 2, 2, 4]);
    expect(yb!.arraySync()).toEqual([[0], [1]]);
    const gray = await decodeImage(
      new Uint8Array(
        encodePng({ width: 1, height: 1, data: new Uint16Array([65535]), channels: 1, depth: 16 }),
      ),
      3,
      '16-bit',
    );
    expect(Array.from(gray.dataSync())).toEqual([255, 255, 255]);
  });

  it('refuses what Keras refuses, and files that are not images, with the file named', async () => {
    await expect(
      imageDatasetFromDirectory(dir, { labelMode: 'binary', ...quiet }).then(() => null),
    ).resolves.toBeNull();
    const three = join(root, 'three');
    for (const c of ['a', 'b', 'c']) {
      mkdirSync(join(three, c), { recursive: true });
      writeFileSync(join(three, c, 'i.png'), png(1, 1, [1, 2, 3]));
    }
    await expect(
      imageDatasetFromDirectory(three, { labelMode: 'binary', ...quiet }),
    ).rejects.toThrow(/'binary' needs exactly 2 classes, found 3/);
    await expect(
      imageDatasetFromDirectory(dir, { validationSplit: 0.2, ...quiet }),
    ).rejects.toThrow(/give validationSplit and subset together/);
    await expect(
      imageDatasetFromDirectory(dir, { validationSplit: 0.2, subset: 'training', ...quiet }),
    ).rejects.toThrow(/give a seed/);
    const empty = join(root, 'empty');
    mkdirSync(join(empty, 'a'), { recursive: true });
    await expect(imageDatasetFromDirectory(empty, quiet)).rejects.toThrow(/no images found/);
    const bad = join(root, 'bad');
    mkdirSync(join(bad, 'a'), { recursive: true });
    writeFileSync(join(bad, 'a', 'fake.png'), 'hello');
    const ds = (await imageDatasetFromDirectory(bad, quiet)) as Dataset;
    await expect(ds.toArray()).rejects.toThrow(/fake.png: not a PNG or JPEG file/);
  });
});

describe('indexImageDirectory (Keras golden)', () => {
  it('lists and shuffles files exactly as Keras’s index_directory', async () => {
    const golden = JSON.parse(
      readFileSync(new URL('../../test/fixtures/image_index_golden.json', import.meta.url), 'utf8'),
    ) as {
      tree: string[];
      orders: {
        shuffle: boolean;
        seed: number | null;
        paths: string[];
        labels: number[];
        classes: string[];
      }[];
    };
    const tree = join(root, 'golden_tree');
    for (const f of golden.tree) {
      mkdirSync(join(tree, f, '..'), { recursive: true });
      writeFileSync(join(tree, f), '');
    }
    for (const o of golden.orders) {
      const r = await indexImageDirectory(tree, { shuffle: o.shuffle, seed: o.seed ?? undefined });
      expect(r.paths.map((p) => relative(tree, p))).toEqual(o.paths);
      expect(r.labels).toEqual(o.labels);
      expect(r.classNames).toEqual(o.classes);
    }
  });
});
