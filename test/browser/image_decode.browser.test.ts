/**
 * decodeImage in a real browser: `image_decode_entry.ts` bundled by esbuild for the browser,
 * served from 127.0.0.1, run in headless Chromium through playwright-core. The platform
 * decoder (createImageBitmap onto an OffscreenCanvas) must give the Node library decoders'
 * pixels: PNG exactly (RGB, RGBA, gray, gray+alpha, palette), JPEG within a few levels (the
 * two decoders' IDCTs differ); 'auto' falls back to the library where a canvas would alter
 * the pixels (translucent, 16-bit); bad and oversized files give FormatErrors naming them.
 * Skipped where no Chromium is installed (`apt-get install chromium`, or TESSERA_CHROMIUM).
 */
import { fileURLToPath } from 'node:url';
import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/data/image_decode.js';
import { type TestPage, chromiumPath, openTestPage } from '../helpers/browser_page.js';

type Decoder = 'auto' | 'library' | 'platform';
type Result =
  | { shape: number[]; data: number[] }
  | { error: string; message: string; formatError: boolean };

const W = 16;
const H = 12;
/** A w×h image of `channels` samples per pixel from `f(x, y, channel)`. */
function image(channels: number, f: (x: number, y: number, c: number) => number, w = W, h = H) {
  const data = new Uint8Array(w * h * channels);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < channels; c++) data[(y * w + x) * channels + c] = f(x, y, c);
  return data;
}
const png = (channels: number, data: Uint8Array | Uint16Array, depth: 8 | 16 = 8) =>
  encodePng({ width: W, height: H, data, channels, depth });

// Every sample differs from its neighbours, so a shifted or swapped channel shows.
const colour = (x: number, y: number, c: number) => (x * 16 + y * 7 + c * 85) % 256;
const fixtures: Record<string, Uint8Array> = {
  rgb: png(3, image(3, colour)),
  rgbaOpaque: png(
    4,
    image(4, (x, y, c) => (c === 3 ? 255 : colour(x, y, c))),
  ),
  gray: png(
    1,
    image(1, (x, y) => (x * 13 + y * 29) % 256),
  ),
  grayAlphaOpaque: png(
    2,
    image(2, (x, y, c) => (c === 1 ? 255 : (x * 13 + y * 29) % 256)),
  ),
  palette: encodePng({
    width: W,
    height: H,
    data: image(1, (x, y) => (x + y) % 5),
    channels: 1,
    depth: 8,
    palette: [
      [0, 0, 0],
      [255, 0, 0],
      [12, 200, 77],
      [250, 251, 252],
      [1, 2, 3],
    ],
  }),
};
// Alpha from 0 to 255 across the image: a canvas keeps premultiplied colour, so these differ.
const translucent = {
  rgba: png(
    4,
    image(4, (x, y, c) => (c === 3 ? (x * 17 + y * 3) % 256 : colour(x, y, c))),
  ),
  // The palette's last colour is half transparent (a tRNS chunk).
  paletteAlpha: encodePng({
    width: W,
    height: H,
    data: image(1, (x, y) => (x + y) % 3),
    channels: 1,
    depth: 8,
    palette: [
      [10, 20, 30, 255],
      [200, 100, 50, 255],
      [90, 91, 92, 128],
    ],
  }),
};
// 16-bit gray: the canvas holds 8 bits, so 'auto' keeps these for the library decoder.
const gray16 = png(
  1,
  Uint16Array.from(
    image(1, (x, y) => (x * 13 + y * 29) % 256),
    (v, i) => v * 257 + (i % 200),
  ),
  16,
);
// A smooth gradient and a sharp edge, quality 90.
const jpg = new Uint8Array(
  jpeg.encode(
    {
      width: W,
      height: H,
      data: image(4, (x, y, c) =>
        c === 3 ? 255 : x < 10 ? (x * 20 + y * 5 + c * 40) % 256 : c === 1 ? 240 : 20,
      ),
    },
    90,
  ).data,
);
// Measured with Chromium 156 (libjpeg-turbo) against jpeg-js 0.4.4 on this image: at most 2
// levels apart in r, g, b (under 1 in grayscale); 3 leaves room for other IDCT builds.
const JPEG_TOLERANCE = 3;

/** `bytes` with an IHDR saying width × height and its CRC left stale (never decoded). */
function pngClaiming(width: number, height: number): Uint8Array {
  const b = fixtures.rgb!.slice();
  const v = new DataView(b.buffer);
  v.setUint32(16, width);
  v.setUint32(20, height);
  return b;
}

async function inNode(bytes: Uint8Array, channels: 1 | 3 | 4) {
  const t = await decodeImage(bytes, channels, 'fixture', { decoder: 'library' });
  return { shape: [...t.shape], data: Array.from(t.dataSync()) };
}

describe.skipIf(!chromiumPath)(
  `decodeImage in headless Chromium${chromiumPath ? '' : ' (skipped: no /usr/bin/chromium; apt-get install chromium, or set TESSERA_CHROMIUM)'}`,
  () => {
    let opened: TestPage;
    let page: Page;

    beforeAll(async () => {
      opened = await openTestPage(
        fileURLToPath(new URL('./image_decode_entry.ts', import.meta.url)),
        'decodeImage',
      );
      page = opened.page;
    }, 30_000);

    afterAll(async () => {
      await opened?.close();
    });

    /** decodeImage run in the page; an error comes back as its name and message. */
    const inPage = (bytes: Uint8Array, channels: 1 | 3 | 4, name: string, decoder: Decoder) =>
      page.evaluate(
        async ([b, c, n, d]): Promise<Result> => {
          const g = globalThis as unknown as {
            decodeImage: typeof decodeImage;
            FormatError: new () => Error;
          };
          try {
            const t = await g.decodeImage(new Uint8Array(b), c, n, { decoder: d });
            return { shape: [...t.shape], data: Array.from(t.dataSync()) };
          } catch (e) {
            const err = e as Error;
            return {
              error: err.name,
              message: err.message,
              formatError: e instanceof g.FormatError,
            };
          }
        },
        [Array.from(bytes), channels, name, decoder] as const,
      );

    it('has a platform decoder, used by default', async () => {
      expect(
        await page.evaluate(
          () =>
            typeof createImageBitmap === 'function' &&
            typeof OffscreenCanvas === 'function' &&
            typeof (globalThis as { process?: unknown }).process === 'undefined',
        ),
      ).toBe(true);
    });

    it('decodes PNG (RGB, RGBA, gray, gray+alpha, palette) to the library decoder’s pixels exactly', async () => {
      for (const [name, bytes] of Object.entries(fixtures))
        for (const channels of [1, 3, 4] as const) {
          const want = await inNode(bytes, channels);
          expect(want.shape, name).toEqual([H, W, channels]);
          for (const decoder of ['platform', 'auto', 'library'] as const)
            expect(
              await inPage(bytes, channels, name, decoder),
              `${name} ${channels} ${decoder}`,
            ).toEqual(want);
        }
    });

    it("decodes JPEG within a few levels of jpeg-js; 'auto' is the platform's", async () => {
      for (const channels of [1, 3, 4] as const) {
        const want = await inNode(jpg, channels);
        const got = await inPage(jpg, channels, 'fixture.jpg', 'platform');
        if (!('data' in got)) throw new Error(got.message);
        expect(got.shape).toEqual(want.shape);
        const maxDiff = Math.max(...got.data.map((v, i) => Math.abs(v - want.data[i]!)));
        expect(maxDiff).toBeLessThanOrEqual(JPEG_TOLERANCE);
        expect(await inPage(jpg, channels, 'fixture.jpg', 'auto')).toEqual(got);
        // The library decoder runs in the browser too, with Node's pixels.
        expect(await inPage(jpg, channels, 'fixture.jpg', 'library')).toEqual(want);
      }
    });

    it("leaves translucent and 16-bit PNGs to the library under 'auto'", async () => {
      for (const [name, bytes] of Object.entries({ ...translucent, gray16 }))
        for (const channels of [1, 3, 4] as const)
          expect(await inPage(bytes, channels, name, 'auto'), `${name} ${channels}`).toEqual(
            await inNode(bytes, channels),
          );
      // Why: through the canvas, translucent pixels' colour is rounded (gone where alpha is
      // 0), while opaque pixels keep theirs exactly.
      const want = await inNode(translucent.rgba, 4);
      const got = await inPage(translucent.rgba, 4, 'rgba', 'platform');
      if (!('data' in got)) throw new Error(got.message);
      let changed = 0;
      for (let p = 0; p < W * H; p++) {
        const px = (d: number[]) => d.slice(p * 4, p * 4 + 4);
        if (want.data[p * 4 + 3] === 255) expect(px(got.data)).toEqual(px(want.data));
        else if (px(got.data).join() !== px(want.data).join()) changed++;
      }
      expect(changed).toBeGreaterThan(0);
    });

    it('refuses bad and oversized files with FormatErrors naming them', async () => {
      expect(await inPage(new TextEncoder().encode('hello'), 3, 'notes.txt', 'platform')).toEqual({
        error: 'FormatError',
        message: 'notes.txt: not a PNG or JPEG file (magic bytes 68 65 6c 6c)',
        formatError: true,
      });
      // PNG magic, then nothing the browser can decode.
      const broken = fixtures.rgb!.slice(0, 40);
      const bad = await inPage(broken, 3, 'broken.png', 'platform');
      expect(bad).toMatchObject({ error: 'FormatError', formatError: true });
      expect((bad as { message: string }).message).toMatch(
        /^decodeImage: broken\.png: not a valid PNG; the browser could not decode it \(/,
      );
      // 9000 × 8000 = 72 megapixels, refused from the header before anything is allocated.
      expect(await inPage(pngClaiming(9000, 8000), 3, 'huge.png', 'platform')).toEqual({
        error: 'FormatError',
        message: 'decodeImage: huge.png is 9000×8000 pixels; at most 64 megapixels are decoded',
        formatError: true,
      });
      const hugeJpg = jpg.slice();
      let sof = 2;
      while (!(hugeJpg[sof] === 0xff && hugeJpg[sof + 1] === 0xc0)) sof++;
      hugeJpg.set([8000 >> 8, 8000 & 255, 9000 >> 8, 9000 & 255], sof + 5);
      expect(await inPage(hugeJpg, 3, 'huge.jpg', 'auto')).toMatchObject({
        message: 'decodeImage: huge.jpg is 9000×8000 pixels; at most 64 megapixels are decoded',
      });
    });
  },
);
