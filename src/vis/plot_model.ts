/**
 * `plotModel`: a model's graph as an SVG picture, like Keras's `plot_model` — one box per
 * layer (name, class, and optionally input/output shapes, dtype and parameter count), arrows
 * along every connection, laid out top to bottom (or left to right) by depth from the inputs.
 * Pure string building: it works the same in Node and in browsers, and needs no Graphviz.
 */
import { ValueError } from '../errors.js';
import { InputLayer } from '../layers/input_layer.js';
import type { Layer } from '../layers/layer.js';
import type { SymbolicShape, SymbolicTensor } from '../layers/symbolic.js';
import type { Model } from '../models/model.js';

/** Options of {@link plotModel}, after Keras's `plot_model`. */
export interface PlotModelOptions {
  /** Show each layer's input and output shapes (default false). */
  showShapes?: boolean;
  /** Show each layer's output dtype (default false). */
  showDtype?: boolean;
  /** Show the class of each layer (default true). */
  showLayerNames?: boolean;
  /** Show each layer's number of weights, as Keras's `show_layer_activations`' sibling (default false). */
  showParams?: boolean;
  /** `'TB'` top to bottom (default) or `'LR'` left to right. */
  rankdir?: 'TB' | 'LR';
  /** A title drawn above the graph (default the model's name; `''` for none). */
  title?: string;
}

/** One box of the picture. */
interface Box {
  layer: Layer;
  lines: string[];
  depth: number;
  x: number;
  y: number;
  w: number;
  h: number;
}

const CHAR_W = 7.2;
const LINE_H = 16;
const PAD = 10;
const GAP_MAIN = 46;
const GAP_CROSS = 24;

/** Escapes text for SVG. */
function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

const fmtShape = (s: SymbolicShape) => `(${s.map((d) => (d === null ? 'None' : d)).join(', ')})`;

/**
 * The model's graph as an SVG document (a string): save it as a `.svg` file or put it in a
 * page. A Sequential draws as a chain; a functional model as its graph with branches and
 * merges.
 *
 * Shape: the picture is `width × height` pixels, as its `viewBox` says.
 * @example
 * writeFileSync('model.svg', plotModel(model, { showShapes: true }));
 */
export function plotModel(model: Model, opts: PlotModelOptions = {}): string {
  if (!model.built || model.outputs.length === 0)
    throw new ValueError(
      `plotModel: model '${model.name}' has no graph yet; give it an input() (or call it on data) first`,
    );
  const lr = (opts.rankdir ?? 'TB') === 'LR';
  if (opts.rankdir !== undefined && opts.rankdir !== 'TB' && opts.rankdir !== 'LR')
    throw new ValueError(`plotModel: rankdir must be 'TB' or 'LR', got '${opts.rankdir}'`);
  // Layers in graph order: inputs first, then each node's layer the first time it runs.
  const order: Layer[] = [];
  const seen = new Set<Layer>();
  const take = (l: Layer) => {
    if (!seen.has(l)) {
      seen.add(l);
      order.push(l);
    }
  };
  for (const t of model.inputs) take(t.layer);
  const nodes = model.graphNodes;
  for (const n of nodes) take(n.layer);
  // Edges between layers (one per distinct connection) and depth by longest path.
  const edges: [Layer, Layer][] = [];
  const edgeKey = new Set<string>();
  const depth = new Map<Layer, number>(order.map((l) => [l, 0]));
  for (const n of nodes) {
    for (const t of n.inputs) {
      const from = t.layer;
      const key = `${order.indexOf(from)}>${order.indexOf(n.layer)}`;
      if (!edgeKey.has(key)) {
        edgeKey.add(key);
        edges.push([from, n.layer]);
      }
      depth.set(n.layer, Math.max(depth.get(n.layer)!, depth.get(from)! + 1));
    }
  }
  const shapesOf = (l: Layer, which: 'in' | 'out'): string => {
    const own = nodes.filter((n) => n.layer === l);
    const ts: SymbolicTensor[] =
      l instanceof InputLayer
        ? model.inputs.filter((t) => t.layer === l)
        : own.flatMap((n) => (which === 'in' ? [...n.inputs] : n.outputs));
    if (ts.length === 0) return '?';
    const s = ts.map((t) => fmtShape(t.shape));
    return s.length === 1 ? s[0]! : `[${s.join(', ')}]`;
  };
  const boxes: Box[] = order.map((l) => {
    const lines = [opts.showLayerNames === false ? l.className : `${l.name} (${l.className})`];
    if (opts.showShapes) {
      if (!(l instanceof InputLayer)) lines.push(`in: ${shapesOf(l, 'in')}`);
      lines.push(`out: ${shapesOf(l, 'out')}`);
    }
    if (opts.showDtype) {
      const out =
        nodes.find((n) => n.layer === l)?.outputs[0] ?? model.inputs.find((t) => t.layer === l);
      lines.push(`dtype: ${out?.dtype ?? l.dtype}`);
    }
    if (opts.showParams && !(l instanceof InputLayer)) lines.push(`params: ${l.countParams()}`);
    const w = Math.ceil(Math.max(...lines.map((s) => s.length)) * CHAR_W) + 2 * PAD;
    const h = lines.length * LINE_H + 2 * PAD - 4;
    return { layer: l, lines, depth: depth.get(l)!, x: 0, y: 0, w, h };
  });
  // Rows (or columns) by depth, each centred on the widest.
  const levels: Box[][] = [];
  for (const b of boxes) {
    levels[b.depth] ??= [];
    levels[b.depth]!.push(b);
  }
  const titleText = opts.title ?? model.name;
  const top = titleText ? 34 : 12;
  const cross = (b: Box) => (lr ? b.h : b.w);
  const main = (b: Box) => (lr ? b.w : b.h);
  const spans = levels.map(
    (lv) => lv.reduce((s, b) => s + cross(b), 0) + GAP_CROSS * (lv.length - 1),
  );
  const widest = Math.max(...spans);
  let along = lr ? 12 : top;
  levels.forEach((lv, i) => {
    let at = (widest - spans[i]!) / 2 + (lr ? top : 12);
    const thick = Math.max(...lv.map(main));
    for (const b of lv) {
      if (lr) {
        b.x = along + (thick - b.w) / 2;
        b.y = at;
      } else {
        b.x = at;
        b.y = along + (thick - b.h) / 2;
      }
      at += cross(b) + GAP_CROSS;
    }
    along += thick + GAP_MAIN;
  });
  const width = Math.ceil(lr ? along - GAP_MAIN + 12 : widest + 24);
  const height = Math.ceil(lr ? widest + top + 12 : along - GAP_MAIN + 12);
  const byLayer = new Map(boxes.map((b) => [b.layer, b]));
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace" font-size="12">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
    `<rect width="${width}" height="${height}" fill="white"/>`,
  );
  if (titleText)
    parts.push(
      `<text x="${width / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${esc(titleText)}</text>`,
    );
  for (const [from, to] of edges) {
    const a = byLayer.get(from)!;
    const b = byLayer.get(to)!;
    const [x1, y1, x2, y2] = lr
      ? [a.x + a.w, a.y + a.h / 2, b.x, b.y + b.h / 2]
      : [a.x + a.w / 2, a.y + a.h, b.x + b.w / 2, b.y];
    parts.push(
      `<line class="edge" data-from="${esc(from.name)}" data-to="${esc(to.name)}" x1="${x1.toFixed(1)}" y1="${y1.toFixed(1)}" x2="${x2.toFixed(1)}" y2="${y2.toFixed(1)}" stroke="#555" stroke-width="1.3" marker-end="url(#arrow)"/>`,
    );
  }
  for (const b of boxes) {
    const fill = b.layer instanceof InputLayer ? '#e8f1fb' : '#f7f7f7';
    parts.push(
      `<g class="layer" data-name="${esc(b.layer.name)}"><rect x="${b.x.toFixed(1)}" y="${b.y.toFixed(1)}" width="${b.w}" height="${b.h}" rx="4" fill="${fill}" stroke="#333"/>`,
    );
    b.lines.forEach((line, i) =>
      parts.push(
        `<text x="${(b.x + PAD).toFixed(1)}" y="${(b.y + PAD + 9 + i * LINE_H).toFixed(1)}"${i === 0 ? ' font-weight="bold"' : ''}>${esc(line)}</text>`,
      ),
    );
    parts.push('</g>');
  }
  parts.push('</svg>');
  return parts.join('\n');
}
