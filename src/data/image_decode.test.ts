/**
 * decodeImage in Node (the browser's decoder is tested in a real browser, in
 * test/browser/image_decode.browser.test.ts): the library decoders' pixels and channel
 * conversion on images written here, 'auto' is the library in Node, 'platform' is refused with
 * what to do instead, and bad bytes or options give typed errors naming the file.
 */
import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { ValueError } from '../errors.js';
import { FormatError } from '../io/errors.js';
import { decodeImage as fromDataset } from './image_dataset.js';
import { decodeImage } from './image_decode.js';

const pixels = async (p: ReturnType<typeof decodeImage>) => {
  const t = await p;
  return { shape: t.shape, data: Array.from(t.dataSync()) };
};

// 2×1 RGB: (10, 20, 30), (200, 100, 0).
const rgb = encodePng({
  width: 2,
  height: 1,
  data: new Uint8Array([10, 20, 30, 200, 100, 0]),
  channels: 3,
  depth: 8,
});
// 1×1 gray with alpha: (77, 128).
const grayAlpha = encodePng({
  width: 1,
  height: 1,
  data: new Uint8Array([77, 128]),
  channels: 2,
  depth: 8,
});
// 2×1 palette: indices 1, 0 of [(1, 2, 3), (250, 251, 252)].
const palette = encodePng({
  width: 2,
  height: 1,
  data: new Uint8Array([1, 0]),
  channels: 1,
  depth: 8,
  palette: [
    [1, 2, 3],
    [250, 251, 252],
  ],
});
// 8×8 flat (90, 160, 30): flat 8×8 blocks survive JPEG to within a level or two.
const jpg = new Uint8Array(
  jpeg.encode(
    {
      width: 8,
      height: 8,
      data: new Uint8Array(Array.from({ length: 64 }, () => [90, 160, 30, 255]).flat()),
    },
    95,
  ).data,
);

describe('decodeImage (Node)', () => {
  it('decodes PNG colour, gray+alpha and palette images to 0–255 floats', async () => {
    expect(await pixels(decodeImage(rgb, 3, 'rgb.png'))).toEqual({
      shape: [1, 2, 3],
      data: [10, 20, 30, 200, 100, 0],
    });
    // No alpha in the file: opaque.
    expect((await pixels(decodeImage(rgb, 4, 'rgb.png'))).data).toEqual([
      10, 20, 30, 255, 200, 100, 0, 255,
    ]);
    // Grayscale from colour: 0.2989 r + 0.587 g + 0.114 b = 18.149 and 118.48.
    const g = await pixels(decodeImage(rgb, 1, 'rgb.png'));
    expect(g.shape).toEqual([1, 2, 1]);
    expect(g.data[0]).toBeCloseTo(18.149, 4);
    expect(g.data[1]).toBeCloseTo(118.48, 4);
    // A gray source is its own grayscale (not 0.9999 of it), spread over r, g, b.
    expect((await pixels(decodeImage(grayAlpha, 1, 'ga.png'))).data).toEqual([77]);
    expect((await pixels(decodeImage(grayAlpha, 4, 'ga.png'))).data).toEqual([77, 77, 77, 128]);
    expect((await pixels(decodeImage(palette, 3, 'p.png'))).data).toEqual([250, 251, 252, 1, 2, 3]);
  });

  it("decodes JPEG; 'auto' and 'library' are the same decoder in Node", async () => {
    const img = await pixels(decodeImage(jpg, 3, 'flat.jpg'));
    expect(img.shape).toEqual([8, 8, 3]);
    for (let i = 0; i < img.data.length; i++)
      expect(Math.abs(img.data[i]! - [90, 160, 30][i % 3]!)).toBeLessThanOrEqual(2);
    for (const bytes of [rgb, grayAlpha, palette, jpg])
      for (const channels of [1, 3, 4] as const)
        expect(await pixels(decodeImage(bytes, channels, 'x', { decoder: 'library' }))).toEqual(
          await pixels(decodeImage(bytes, channels, 'x', { decoder: 'auto' })),
        );
    // image_dataset.ts re-exports the same function.
    expect(fromDataset).toBe(decodeImage);
  });

  it("refuses 'platform' where there is no platform decoder, and unknown decoders", async () => {
    const err = await decodeImage(rgb, 3, 'rgb.png', { decoder: 'platform' }).catch((e) => e);
    expect(err).toBeInstanceOf(ValueError);
    expect((err as Error).message).toBe(
      "decodeImage: decoder 'platform' needs a browser's createImageBitmap and OffscreenCanvas, which this runtime lacks; use 'library' or 'auto'",
    );
    await expect(decodeImage(rgb, 3, 'rgb.png', { decoder: 'native' as 'auto' })).rejects.toThrow(
      new ValueError("decodeImage: decoder must be 'auto', 'library' or 'platform', got 'native'"),
    );
  });

  it('refuses bytes that are not a PNG or JPEG, naming the file', async () => {
    const notImage = new TextEncoder().encode('hello');
    await expect(decodeImage(notImage, 3, 'notes.txt')).rejects.toThrow(
      new FormatError('notes.txt: not a PNG or JPEG file (magic bytes 68 65 6c 6c)'),
    );
    await expect(decodeImage(rgb.subarray(0, 30), 3, 'cut.png')).rejects.toThrow(
      /^cut\.png: not a valid PNG \(/,
    );
    await expect(decodeImage(jpg.subarray(0, 40), 3, 'cut.jpg')).rejects.toBeInstanceOf(
      FormatError,
    );
  });

  it('refuses a JPEG whose header asks for more than 64 megapixels', async () => {
    // The same file with its frame header (SOF0) saying 8000 rows of 9000: 72 megapixels.
    const big = jpg.slice();
    let sof = 2;
    while (!(big[sof] === 0xff && big[sof + 1] === 0xc0)) sof++;
    big.set([8000 >> 8, 8000 & 255, 9000 >> 8, 9000 & 255], sof + 5);
    await expect(decodeImage(big, 3, 'big.jpg')).rejects.toThrow(
      new FormatError('big.jpg: not a valid JPEG (maxResolutionInMP limit exceeded by 8MP)'),
    );
  });
});
