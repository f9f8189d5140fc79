/** Keras's model summary table: layer (type), output shape, parameter count, connections. */
import { InputLayer } from '../layers/input_layer.js';
import type { Layer } from '../layers/layer.js';
import { type SymbolicShape, fmtSymbolic } from '../layers/symbolic.js';
import type { Model } from './model.js';

function fmtInt(n: number): string {
  return n.toLocaleString('en-US');
}

function outputShapeOf(model: Model, layer: Layer): string {
  const inGraph = new Set(model.graphNodes);
  const node =
    layer instanceof InputLayer
      ? layer.inboundNodes[0]
      : layer.inboundNodes.filter((n) => inGraph.has(n)).at(-1);
  if (!node) return '?';
  const shapes: SymbolicShape[] = node.outputs.map((t) => t.shape);
  return shapes.length === 1 ? fmtSymbolic(shapes[0]!) : `[${shapes.map(fmtSymbolic).join(', ')}]`;
}

function fmtBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return `${n.toFixed(2)} ${units[u]}`;
}

/**
 * The summary as text, in Keras 3's box-drawing style. Functional models with merges get a
 * "Connected to" column. Shared layers show their last application.
 */
export function modelSummary(model: Model): string {
  if (!model.built || model.outputs.length === 0) {
    return `Model "${model.name}" has not been built yet: give the first layer an inputShape, add an input(), or call the model on data first.`;
  }
  const isSequential = model.className === 'Sequential';
  const layers = model.layers;
  const connected =
    !isSequential && layers.some((l) => l.inboundNodes.some((n) => n.inputs.length > 1));
  const rows = layers.map((l) => {
    const inGraph = new Set(model.graphNodes);
    const conn = l.inboundNodes
      .filter((n) => n.inputs.length && inGraph.has(n))
      .flatMap((n) =>
        n.inputs.map((t) => `${t.layer.name}[${t.layer.inboundNodes.indexOf(t.node)}][${t.index}]`),
      );
    return [
      `${l.name} (${l.className})`,
      outputShapeOf(model, l),
      fmtInt(l instanceof InputLayer ? 0 : l.countParams()),
      conn.join(', ') || '-',
    ];
  });
  const header = [
    'Layer (type)',
    'Output Shape',
    'Param #',
    ...(connected ? ['Connected to'] : []),
  ];
  const ncol = header.length;
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)) + 2);
  const cell = (s: string, i: number) =>
    i === 2 ? s.padStart(widths[i]! - 1).padEnd(widths[i]!) : ` ${s}`.padEnd(widths[i]!);
  const line = (l: string, m: string, r: string, fill: string) =>
    l +
    widths
      .slice(0, ncol)
      .map((w) => fill.repeat(w))
      .join(m) +
    r;
  const out: string[] = [`Model: "${model.name}"`];
  out.push(line('┏', '┳', '┓', '━'));
  out.push(`┃${header.map((h, i) => cell(h, i)).join('┃')}┃`);
  out.push(line('┡', '╇', '┩', '━'));
  rows.forEach((r, k) => {
    out.push(
      `│${r
        .slice(0, ncol)
        .map((c, i) => cell(c, i))
        .join('│')}│`,
    );
    if (k < rows.length - 1) out.push(line('├', '┼', '┤', '─'));
  });
  out.push(line('└', '┴', '┘', '─'));
  // Keras reports sizes too; weights are 4-byte floats.
  const count = (ws: readonly { size: number }[]) => ws.reduce((n, w) => n + w.size, 0);
  const row = (label: string, n: number) => ` ${label}: ${fmtInt(n)} (${fmtBytes(n * 4)})`;
  out.push(row('Total params', count(model.weights)));
  out.push(row('Trainable params', count(model.trainableWeights)));
  out.push(row('Non-trainable params', count(model.nonTrainableWeights)));
  return out.join('\n');
}
