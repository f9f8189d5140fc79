/**
 * PNG output through the optional renderer (@resvg/resvg-wasm, a devDependency here): the
 * training curves rasterise at the SVG's size, the loss line's colour and the titles' text
 * are in the pixels, and History.plot writes PNG or SVG by the path's extension.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { afterAll, describe, expect, it } from 'vitest';
import { History } from '../callbacks/callback.js';
import { historyChart } from './charts.js';
import { pngRenderer, svgToPng } from './png.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-png-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const history = {
  loss: [1.2, 0.8, 0.5, 0.4, 0.35],
  val_loss: [1.3, 0.9, 0.7, 0.6, 0.62],
  accuracy: [0.5, 0.7, 0.8, 0.85, 0.88],
};

/** Pixels (RGBA) of a PNG, and how many are within 40 of an RGB colour. */
function pixels(png: Uint8Array) {
  const img = decode(png);
  const d = img.data as Uint8Array;
  const near = (rgb: [number, number, number], x0 = 0, y0 = 0, x1 = img.width, y1 = img.height) => {
    let n = 0;
    for (let y = y0; y < y1; y++)
      for (let x = x0; x < x1; x++) {
        const i = (y * img.width + x) * img.channels;
        if (
          Math.abs(d[i]! - rgb[0]) + Math.abs(d[i + 1]! - rgb[1]) + Math.abs(d[i + 2]! - rgb[2]) <
          40
        )
          n++;
      }
    return n;
  };
  return { width: img.width, height: img.height, near };
}

describe('PNG output', () => {
  it('renders the training curves at the SVG size, with the lines and the text', async () => {
    const r = await pngRenderer();
    expect(r).toMatchObject({ ok: true });
    const png = await svgToPng(historyChart(history));
    expect(Array.from(png.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    const p = pixels(png);
    // Two panels (loss with val_loss, accuracy), 480 × 300 each, stacked.
    expect([p.width, p.height]).toEqual([480, 600]);
    // The loss line (#1f77b4) and val_loss (#ff7f0e) are drawn in the first panel.
    expect(p.near([0x1f, 0x77, 0xb4], 0, 0, 480, 300)).toBeGreaterThan(200);
    expect(p.near([0xff, 0x7f, 0x0e], 0, 0, 480, 300)).toBeGreaterThan(200);
    // Text (dark glyph pixels) in the title strip, where a system font was found.
    if (r.ok && r.font) expect(p.near([0x22, 0x22, 0x22], 0, 0, 480, 30)).toBeGreaterThan(20);
  });

  it('History.plot writes PNG or SVG by the extension', async () => {
    const h = new History();
    h.history = history;
    await h.plot(join(dir, 'c.png'));
    await h.plot(join(dir, 'c.svg'));
    expect(Array.from(readFileSync(join(dir, 'c.png')).subarray(1, 4))).toEqual([80, 78, 71]);
    expect(readFileSync(join(dir, 'c.svg'), 'utf8')).toMatch(/^<svg /);
    expect(existsSync(join(dir, 'c.png'))).toBe(true);
  });
});
