/**
 * The charts test's page script: a model trains with `fitCallbacks` drawing into a div, and
 * the page reports what the browser made of the SVGs (parsed as SVG, lines and cells counted).
 */
import { fitCallbacks } from '../../src/callbacks/live_chart.js';
import { Dense } from '../../src/layers/dense.js';
import { Sequential } from '../../src/models/sequential.js';
import { randomNormal, setSeed } from '../../src/ops/random.js';
import { confusionMatrixChart, historyChart } from '../../src/vis/charts.js';

async function trainWithCharts(): Promise<Record<string, unknown>> {
  setSeed(5);
  const div = document.createElement('div');
  document.body.appendChild(div);
  const m = new Sequential({ layers: [new Dense({ units: 1, inputShape: [2] })] });
  m.compile({ optimizer: 'sgd', loss: 'mse' });
  const x = randomNormal([40, 2]);
  const h = await m.fit(x, x.sum(-1, true), {
    epochs: 5,
    batchSize: 10,
    verbose: 0,
    validationSplit: 0.2,
    callbacks: [fitCallbacks(div, { batchIntervalMs: 0 })],
  });
  const svgEl = div.querySelector('svg');
  const lossLine = div.querySelector('polyline[data-name="loss"]');
  const parsed = new DOMParser().parseFromString(historyChart(h.history), 'image/svg+xml');
  const cm = new DOMParser().parseFromString(
    confusionMatrixChart([0, 1, 1, 0], [0, 1, 0, 0], 2).svg,
    'image/svg+xml',
  );
  return {
    hasSvg: svgEl !== null,
    width: svgEl?.getBoundingClientRect().width ?? 0,
    lines: div.querySelectorAll('polyline').length,
    lossPoints: (lossLine as SVGPolylineElement | null)?.points.length ?? 0,
    parseErrors:
      parsed.getElementsByTagName('parsererror').length +
      cm.getElementsByTagName('parsererror').length,
    cells: cm.querySelectorAll('rect.cell').length,
  };
}

Object.assign(globalThis, { trainWithCharts });
