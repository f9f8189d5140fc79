/**
 * ONNX export of the normalization layers, the preprocessing Normalization and Rescaling, and
 * the activation layers, checked by running the exported bytes in ONNX Runtime against
 * `model.predict`. Weights are randomized so that γ, β, moving statistics and PReLU's α show.
 */
import { describe, it } from 'vitest';
import { expectOnnxMatchesPredict } from '../../../test/helpers/onnx_runtime.js';
import { PReLU } from '../../layers/activation_extra.js';
import { ELU, LeakyReLU, ReLU, Softmax } from '../../layers/activation_layers.js';
import { Dense } from '../../layers/dense.js';
import { input } from '../../layers/input_layer.js';
import type { Layer } from '../../layers/layer.js';
import { BatchNormalization, LayerNormalization } from '../../layers/normalization.js';
import {
  GroupNormalization,
  RMSNormalization,
  UnitNormalization,
} from '../../layers/normalization_extra.js';
import { Rescaling } from '../../layers/preprocessing/image.js';
import { Normalization } from '../../layers/preprocessing/numeric.js';
import type { SymbolicTensor } from '../../layers/symbolic.js';
import { model as functionalModel } from '../../models/model.js';
import { Sequential } from '../../models/sequential.js';
import { randomNormal, randomUniform, setSeed } from '../../ops/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import './convert_norm.js';

/** Random weights (variances positive), so no parameter is its neutral value. */
function randomizeWeights(layers: Layer[]): void {
  for (const l of layers)
    for (const w of l.weights) {
      const r = randomNormal([...w.shape]) as Tensor;
      w.assign(w.weightName.includes('variance') ? r.abs().add(0.5) : r);
    }
}

/** Applies each layer to one input, each result an output of its own, and checks ONNX. */
async function check(
  shape: (number | null)[],
  layers: Layer[],
  x: Tensor,
  randomize = true,
): Promise<void> {
  const inp = input({ shape });
  const outs = layers.map((l) => l.apply(inp) as SymbolicTensor);
  const m = functionalModel({ inputs: inp, outputs: outs });
  if (randomize) randomizeWeights(layers);
  await expectOnnxMatchesPredict(m, x);
}

describe('exportOnnx: normalization layers in ONNX Runtime equal predict', () => {
  it('BatchNormalization (inference): any axis, center/scale off, epsilon', async () => {
    setSeed(20);
    await check(
      [4, 5, 3],
      [
        new BatchNormalization(),
        new BatchNormalization({ axis: 1, epsilon: 0.1 }),
        new BatchNormalization({ axis: 2, center: false }),
        new BatchNormalization({ axis: -1, scale: false }),
        new BatchNormalization({ center: false, scale: false }),
      ],
      randomNormal([3, 4, 5, 3]),
    );
    await check([6], [new BatchNormalization()], randomNormal([4, 6]));
  });

  it('LayerNormalization: trailing axes (ONNX op), other and unsorted axes, center/scale off, rmsScaling', async () => {
    setSeed(21);
    await check(
      [3, 4, 5],
      [
        new LayerNormalization(),
        new LayerNormalization({ axis: [-2, -1], epsilon: 0.01 }),
        // Unsorted: Keras reshapes (never transposes) γ [5, 4] into the broadcast shape.
        new LayerNormalization({ axis: [3, 2] }),
        new LayerNormalization({ axis: [1, 3] }),
        new LayerNormalization({ axis: 1, center: false }),
        new LayerNormalization({ scale: false }),
        new LayerNormalization({ axis: -1, rmsScaling: true }),
        new LayerNormalization({ axis: [1, 2], rmsScaling: true, epsilon: 0.1 }),
      ],
      randomNormal([2, 3, 4, 5]).add(1),
    );
  });

  it('GroupNormalization (decomposed), RMSNormalization and UnitNormalization', async () => {
    setSeed(22);
    await check(
      [3, 4, 6],
      [
        new GroupNormalization({ groups: 2 }),
        new GroupNormalization({ groups: -1, epsilon: 0.1 }),
        new GroupNormalization({ groups: 1, center: false }),
        new GroupNormalization({ groups: 2, axis: 2, scale: false }),
        new GroupNormalization({ groups: 3, axis: 1 }),
        new RMSNormalization(),
        new RMSNormalization({ axis: [1, 2], epsilon: 0.01 }),
        new UnitNormalization(),
        new UnitNormalization({ axis: [1, 2] }),
      ],
      randomNormal([2, 3, 4, 6]).add(0.5),
    );
    // Unknown sizes: the grouped view's shape is computed at run time.
    await check([null, 4], [new GroupNormalization({ groups: 2 })], randomNormal([2, 5, 4]));
  });

  it('Normalization (adapted, fixed, inverted, per-position and scalar) and Rescaling', async () => {
    setSeed(23);
    const adapted = new Normalization();
    await adapted.adapt(randomNormal([50, 4]).mul(3).add(2));
    const perPosition = new Normalization({ axis: [1, 2] });
    await perPosition.adapt(randomNormal([50, 3, 4]).add(1));
    await check(
      [3, 4],
      [
        adapted,
        perPosition,
        new Normalization({ mean: [1, 2, 3, 4], variance: [1, 4, 0.25, 0] }),
        new Normalization({ axis: null, mean: 2, variance: 9, invert: true }),
        new Rescaling({ scale: 1 / 255, offset: -1 }),
        new Rescaling({ scale: [1, 2, 3, 4], offset: [0, 1, 0, -1] }),
      ],
      randomNormal([5, 3, 4]).mul(3),
      false,
    );
    // Integer inputs are cast to float first.
    const ints = input({ shape: [4], dtype: 'int32' });
    const y = new Rescaling({ scale: 0.5 }).apply(ints) as SymbolicTensor;
    const m = functionalModel({ inputs: ints, outputs: y });
    await expectOnnxMatchesPredict(m, randomUniform([3, 4], 0, 9).floor().cast('int32'));
  });
});

describe('exportOnnx: activation layers in ONNX Runtime equal predict', () => {
  it('ReLU (maxValue, negativeSlope, threshold), LeakyReLU, ELU, Softmax (axes), PReLU (sharedAxes)', async () => {
    setSeed(24);
    await check(
      [3, 4, 5],
      [
        new ReLU(),
        new ReLU({ maxValue: 1.5 }),
        new ReLU({ negativeSlope: 0.1 }),
        new ReLU({ threshold: 0.5 }),
        new ReLU({ maxValue: 2, negativeSlope: 0.2, threshold: 0.3 }),
        new ReLU({ maxValue: 1, negativeSlope: 0.3 }),
        new LeakyReLU(),
        new LeakyReLU({ negativeSlope: 0.05 }),
        new ELU(),
        new ELU({ alpha: 0.5 }),
        new Softmax(),
        new Softmax({ axis: 1 }),
        new Softmax({ axis: [1, 3] }),
        new PReLU(),
        new PReLU({ sharedAxes: [1, 2] }),
      ],
      randomNormal([2, 3, 4, 5]).mul(2),
    );
  });

  it('a small dense model with normalization and activation layers in sequence', async () => {
    setSeed(25);
    const layers = [
      new Dense({ units: 8, inputShape: [6] }),
      new LayerNormalization(),
      new PReLU(),
      new Dense({ units: 8 }),
      new BatchNormalization(),
      new ReLU({ maxValue: 6 }),
      new Dense({ units: 3 }),
      new Softmax(),
    ];
    const m = new Sequential({ layers });
    randomizeWeights(layers.filter((l) => !(l instanceof Dense)));
    await expectOnnxMatchesPredict(m, randomNormal([4, 6]));
  });
});
