/**
 * Models the ONNX browser test builds both in Node and in the page: the same architecture and
 * the same weights give the same ONNX bytes on both sides.
 */
import { Conv2D, Dense, Embedding, Flatten, LSTM, MaxPooling2D } from '../../src/layers/index.js';
import type { Model } from '../../src/models/model.js';
import { Sequential } from '../../src/models/sequential.js';
import { tensor } from '../../src/ops/creation.js';

/** Builds the zoo; `weights[i]` (flat arrays) set model i's weights when given. */
export function buildOnnxZoo(weights?: number[][][]): Model[] {
  const cnn = new Sequential({
    name: 'cnn',
    layers: [
      new Conv2D({
        filters: 4,
        kernelSize: 3,
        activation: 'relu',
        inputShape: [8, 8, 1],
        name: 'conv',
      }),
      new MaxPooling2D({ poolSize: 2, name: 'pool' }),
      new Flatten({ name: 'flat' }),
      new Dense({ units: 3, activation: 'softmax', name: 'probs' }),
    ],
  });
  const rnn = new Sequential({
    name: 'rnn',
    layers: [
      new Embedding({ inputDim: 20, outputDim: 4, inputShape: [6], name: 'emb' }),
      new LSTM({ units: 5, name: 'lstm' }),
      new Dense({ units: 1, activation: 'sigmoid', name: 'out' }),
    ],
  });
  const models = [cnn, rnn];
  if (weights)
    models.forEach((m, i) =>
      m.setWeights(m.getWeights().map((w, j) => tensor(weights[i]![j]!, w.shape, w.dtype))),
    );
  return models;
}
