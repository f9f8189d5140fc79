/**
 * MaxPooling3D, AveragePooling3D, GlobalMaxPooling3D and GlobalAveragePooling3D: the layer
 * harness, Keras 3's own outputs and configs (test/helpers/conv3d_golden.ts), a `.keras`
 * round trip, and typed errors.
 */
import { describe, expect, it } from 'vitest';
import { checkGoldenClass, kerasRoundTrip } from '../../test/helpers/conv3d_golden.js';
import { expectClose } from '../../test/helpers/expect_close.js';
import { runLayerTest } from '../../test/helpers/run_layer_test.js';
import { ShapeError, ValueError } from '../errors.js';
import { tensor, zeros } from '../ops/creation.js';
import { transpose } from '../ops/movement.js';
import { randomNormal } from '../ops/random.js';
import {
  AveragePooling3D,
  GlobalAveragePooling3D,
  GlobalMaxPooling3D,
  MaxPooling3D,
} from './pooling_3d.js';

describe('MaxPooling3D', () => {
  it('passes the layer harness', () => {
    runLayerTest({
      cls: MaxPooling3D,
      inputShape: [2, 4, 4, 5, 2],
      expectedOutputShape: [2, 2, 2, 2, 2],
      expectedNumWeights: 0,
    });
    runLayerTest({
      cls: MaxPooling3D,
      args: { poolSize: [2, 3, 2], strides: [1, 2, 1], padding: 'same' },
      inputShape: [1, 3, 4, 3, 2],
      expectedOutputShape: [1, 3, 2, 3, 2],
    });
  });

  it("matches Keras's outputs and configs", () => {
    expect(checkGoldenClass('MaxPooling3D')).toBe(0);
  });

  it('handles channelsFirst as the transposed channelsLast', () => {
    const x = randomNormal([1, 3, 4, 5, 2], 0, 1, { seed: 4 });
    const last = new MaxPooling3D({ poolSize: [2, 2, 3], padding: 'same' }).apply(x);
    const first = new MaxPooling3D({
      poolSize: [2, 2, 3],
      padding: 'same',
      dataFormat: 'channelsFirst',
    }).apply(transpose(x, [0, 4, 1, 2, 3]));
    expect([...first.shape]).toEqual([1, 2, 2, 2, 2]);
    expectClose(transpose(first, [0, 2, 3, 4, 1]), last.dataSync(), { atol: 0 });
  });

  it('refuses bad options and inputs with typed errors', () => {
    expect(() => new MaxPooling3D({ poolSize: [2, 2] })).toThrow(
      /\(MaxPooling3D\): poolSize must be a positive integer or 3 of them, got \[2,2\]/,
    );
    expect(() => new MaxPooling3D({ padding: 'full' as 'same' })).toThrow(ValueError);
    expect(() => new MaxPooling3D().apply(zeros([1, 4, 4, 4]))).toThrow();
    expect(() => new MaxPooling3D({ poolSize: 3 }).apply(zeros([1, 2, 4, 4, 1]))).toThrow(
      ShapeError,
    );
  });
});

describe('AveragePooling3D', () => {
  it('passes the layer harness', () => {
    runLayerTest({
      cls: AveragePooling3D,
      args: { poolSize: 2 },
      inputShape: [2, 4, 4, 5, 2],
      expectedOutputShape: [2, 2, 2, 2, 2],
    });
    runLayerTest({
      cls: AveragePooling3D,
      args: { poolSize: 3, strides: [2, 2, 1], padding: 'same', dataFormat: 'channelsFirst' },
      inputShape: [1, 2, 5, 4, 3],
      expectedOutputShape: [1, 2, 3, 2, 3],
    });
  });

  it("matches Keras's outputs and configs", () => {
    expect(checkGoldenClass('AveragePooling3D')).toBeLessThan(1e-6);
  });

  it('averages only the valid positions of border windows', () => {
    const x = tensor([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2, 1]);
    const y = new AveragePooling3D({ poolSize: 2, strides: 1, padding: 'same' }).apply(x);
    // The last voxel's window holds only itself.
    expect(y.dataSync()[7]).toBe(8);
    expect(y.dataSync()[0]).toBe(4.5);
  });
});

describe('GlobalMaxPooling3D and GlobalAveragePooling3D', () => {
  it('pass the layer harness', () => {
    runLayerTest({
      cls: GlobalMaxPooling3D,
      inputShape: [2, 2, 3, 2, 3],
      expectedOutputShape: [2, 3],
    });
    runLayerTest({
      cls: GlobalAveragePooling3D,
      args: { keepdims: true, dataFormat: 'channelsFirst' },
      inputShape: [2, 3, 2, 3, 2],
      expectedOutputShape: [2, 3, 1, 1, 1],
    });
  });

  it("match Keras's outputs and configs", () => {
    expect(checkGoldenClass('GlobalMaxPooling3D')).toBe(0);
    expect(checkGoldenClass('GlobalAveragePooling3D')).toBeLessThan(1e-6);
  });

  it('refuses inputs of the wrong rank with a typed error', () => {
    expect(() => new GlobalMaxPooling3D().apply(zeros([2, 3, 4, 5]))).toThrow(/GlobalMaxPooling3D/);
  });

  it('round-trips through .keras with the window pools', async () => {
    await kerasRoundTrip(
      [
        new MaxPooling3D({ poolSize: [1, 2, 2], padding: 'same' }),
        new AveragePooling3D({ poolSize: 2, strides: 1 }),
        new GlobalAveragePooling3D({ keepdims: true }),
      ],
      [3, 4, 4, 2],
    );
    await kerasRoundTrip([new GlobalMaxPooling3D()], [2, 2, 2, 3]);
  });
});
