/**
 * plotModel: every layer gets a box and every connection an arrow (counted from the graph,
 * shared layers once), shapes/dtype/params appear when asked, text is escaped, the layout
 * flows one way (down, or right) without overlapping boxes; and the SVG renders in a real
 * browser (headless Chromium, where installed) with the boxes where the file says.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Dense } from '../layers/dense.js';
import { input } from '../layers/input_layer.js';
import { Add, Concatenate } from '../layers/merge.js';
import { model } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import { plotModel } from './plot_model.js';

function branchy() {
  const a = input({ shape: [4], name: 'a' });
  const b = input({ shape: [3], name: 'b' });
  const shared = new Dense({ units: 5, name: 'shared' });
  const h = new Concatenate({ name: 'cat' }).apply([
    shared.apply(a),
    new Dense({ units: 5, name: 'db' }).apply(b),
  ]);
  const y = new Add({ name: 'sum' }).apply([
    new Dense({ units: 5, name: 'left' }).apply(h),
    new Dense({ units: 5, name: 'right' }).apply(h),
  ]);
  return model({ inputs: [a, b], outputs: y, name: 'branchy<&>' });
}

interface Rect {
  name: string;
  x: number;
  y: number;
  w: number;
  h: number;
}
function rects(svg: string): Rect[] {
  return [
    ...svg.matchAll(
      /<g class="layer" data-name="([^"]*)"><rect x="([\d.]+)" y="([\d.]+)" width="(\d+)" height="(\d+)"/g,
    ),
  ].map((m) => ({ name: m[1]!, x: +m[2]!, y: +m[3]!, w: +m[4]!, h: +m[5]! }));
}
const overlap = (p: Rect, q: Rect) =>
  p.x < q.x + q.w && q.x < p.x + p.w && p.y < q.y + q.h && q.y < p.y + p.h;

describe('plotModel', () => {
  it('draws each layer once and each connection as an arrow, flowing down without overlaps', () => {
    const m = branchy();
    const svg = plotModel(m, { showShapes: true, showDtype: true, showParams: true });
    const boxes = rects(svg);
    expect(boxes.map((b) => b.name).sort()).toEqual([
      'a',
      'b',
      'cat',
      'db',
      'left',
      'right',
      'shared',
      'sum',
    ]);
    const edges = [
      ...svg.matchAll(
        /class="edge" data-from="([^"]*)" data-to="([^"]*)" x1="([\d.]+)" y1="([\d.]+)" x2="([\d.]+)" y2="([\d.]+)"/g,
      ),
    ];
    expect(edges.map((e) => `${e[1]}>${e[2]}`).sort()).toEqual(
      [
        'a>shared',
        'b>db',
        'cat>left',
        'cat>right',
        'db>cat',
        'left>sum',
        'right>sum',
        'shared>cat',
      ].sort(),
    );
    for (const e of edges) expect(+e[6]!).toBeGreaterThan(+e[4]!);
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) expect(overlap(boxes[i]!, boxes[j]!)).toBe(false);
    expect(svg).toContain('out: (None, 10)');
    expect(svg).toContain('in: [(None, 5), (None, 5)]');
    expect(svg).toContain('params: 25');
    expect(svg).toContain('dtype: float32');
    expect(svg).toContain('branchy&lt;&amp;&gt;');
  });

  it('lays a Sequential out left to right when asked', () => {
    const s = new Sequential([
      input({ shape: [3] }),
      new Dense({ units: 2 }),
      new Dense({ units: 1 }),
    ]);
    const svg = plotModel(s, { rankdir: 'LR', title: '' });
    const boxes = rects(svg);
    expect(boxes).toHaveLength(3);
    expect(boxes[1]!.x).toBeGreaterThan(boxes[0]!.x + boxes[0]!.w);
    expect(svg).not.toContain('font-size="14"');
    expect(() => plotModel(new Sequential(), {})).toThrow(/has no graph yet/);
  });

  const chromium = ['/usr/bin/chromium', process.env.TESSERA_CHROMIUM].find(
    (p) => p && existsSync(p),
  );
  it.skipIf(!chromium)(
    'renders in a real browser with the boxes where the file puts them',
    async () => {
      const { chromium: pw } = await import('playwright-core');
      const browser = await pw.launch({
        executablePath: chromium,
        args: ['--no-sandbox', '--headless=new'],
      });
      try {
        const page = await browser.newPage();
        const svg = plotModel(branchy(), { showShapes: true });
        await page.setContent(`<!doctype html><body style="margin:0">${svg}</body>`);
        const drawn = await page.evaluate(() =>
          Array.from(document.querySelectorAll('g.layer')).map((g) => {
            const r = (g as SVGGElement).getBBox();
            const t = g.querySelector('text')!.getBBox();
            const box = g.querySelector('rect')!.getBBox();
            return {
              name: g.getAttribute('data-name'),
              w: r.width,
              textFits: t.x + t.width <= box.x + box.width + 0.5,
            };
          }),
        );
        const want = rects(svg);
        expect(drawn.map((d) => d.name)).toEqual(want.map((b) => b.name));
        drawn.forEach((d, i) => {
          expect(d.w).toBeGreaterThanOrEqual(want[i]!.w - 0.5);
          expect(d.textFits, `the text of '${d.name}' fits its box`).toBe(true);
        });
      } finally {
        await browser.close();
      }
    },
    30_000,
  );
});
