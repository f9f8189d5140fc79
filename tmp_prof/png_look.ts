import { writeFileSync } from 'node:fs';
import { historyChart } from '../src/vis/charts.ts';
import { pngRenderer, svgToPng } from '../src/vis/png.ts';
console.log(await pngRenderer());
writeFileSync('/tmp/curves.png', await svgToPng(historyChart({ loss: [1.2, 0.8, 0.5, 0.4, 0.35], val_loss: [1.3, 0.9, 0.7, 0.6, 0.62], accuracy: [0.5, 0.7, 0.8, 0.85, 0.88] })));
