/**
 * UpSampling3D, ZeroPadding3D and Cropping3D: the layer harness, Keras 3's own outputs and
 * configs (test/helpers/conv3d_golden.ts), a `.keras` round trip, and typed errors.
 */
import { describe, expect, it } from 'vitest';
import { checkGoldenClass, kerasRoundTrip } from '../../test/helpers/conv3d_golden.js';
import { runLayerTest } from '../../test/helpers/run_layer_test.js';
import { ShapeError, ValueError } from '../errors.js';
import { tensor, zeros } from '../ops/creation.js';
import { Cropping3D, UpSampling3D, ZeroPadding3D } from './reshaping_3d.js';

describe('UpSampling3D', () => {
  it('passes the layer harness', () => {
    runLayerTest({
      cls: UpSampling3D,
      inputShape: [1, 2, 2, 3, 2],
      expectedOutputShape: [1, 4, 4, 6, 2],
      expectedNumWeights: 0,
    });
    runLayerTest({
      cls: UpSampling3D,
      args: { size: [1, 2, 3], dataFormat: 'channelsFirst' },
      inputShape: [1, 2, 2, 2, 1],
      expectedOutputShape: [1, 2, 2, 4, 3],
    });
  });

  it("matches Keras's outputs and configs", () => {
    expect(checkGoldenClass('UpSampling3D')).toBe(0);
  });

  it('repeats voxels along each axis', () => {
    const y = new UpSampling3D({ size: [2, 1, 1] }).apply(tensor([1, 2], [1, 2, 1, 1, 1]));
    expect(Array.from(y.dataSync())).toEqual([1, 1, 2, 2]);
  });

  it('refuses bad options with typed errors', () => {
    expect(() => new UpSampling3D({ size: [2, 2] })).toThrow(
      /\(UpSampling3D\): size must be a positive integer or 3 of them, got \[2,2\]/,
    );
    expect(() => new UpSampling3D({ size: 0 })).toThrow(ValueError);
  });
});

describe('ZeroPadding3D', () => {
  it('passes the layer harness', () => {
    runLayerTest({
      cls: ZeroPadding3D,
      inputShape: [1, 2, 2, 2, 2],
      expectedOutputShape: [1, 4, 4, 4, 2],
    });
    runLayerTest({
      cls: ZeroPadding3D,
      args: { padding: [[1, 0], [0, 2], 1], dataFormat: 'channelsFirst' },
      inputShape: [1, 2, 2, 2, 3],
      expectedOutputShape: [1, 2, 3, 4, 5],
    });
  });

  it("matches Keras's outputs and configs", () => {
    expect(checkGoldenClass('ZeroPadding3D')).toBe(0);
  });

  it('refuses bad options with typed errors', () => {
    expect(() => new ZeroPadding3D({ padding: [1, 2] })).toThrow(
      /\(ZeroPadding3D\): padding must be an integer, \[symDepth, symHeight, symWidth\], or/,
    );
    expect(() => new ZeroPadding3D({ padding: -1 })).toThrow(ValueError);
  });
});

describe('Cropping3D', () => {
  it('passes the layer harness', () => {
    runLayerTest({
      cls: Cropping3D,
      inputShape: [1, 3, 4, 3, 2],
      expectedOutputShape: [1, 1, 2, 1, 2],
    });
    runLayerTest({
      cls: Cropping3D,
      args: { cropping: [[1, 0], 0, [0, 2]], dataFormat: 'channelsFirst' },
      inputShape: [1, 2, 3, 2, 4],
      expectedOutputShape: [1, 2, 2, 2, 2],
    });
  });

  it("matches Keras's outputs and configs", () => {
    expect(checkGoldenClass('Cropping3D')).toBe(0);
  });

  it('refuses croppings that leave nothing, naming the axis and the shape', () => {
    const l = new Cropping3D({ cropping: [[1, 1], 0, 0] });
    expect(() => l.apply(zeros([1, 2, 3, 3, 1]))).toThrow(ShapeError);
    expect(() => l.apply(zeros([1, 2, 3, 3, 1]))).toThrow(
      /\(Cropping3D\): cropping \[1, 1\] leaves nothing of axis 1 \(size 2\), got input shape \[1, 2, 3, 3, 1\]/,
    );
  });

  it('round-trips through .keras with the other 3-D reshaping layers', async () => {
    await kerasRoundTrip(
      [
        new ZeroPadding3D({ padding: [[1, 0], [0, 2], 1] }),
        new UpSampling3D({ size: [1, 2, 1] }),
        new Cropping3D({ cropping: [0, [1, 2], 1] }),
      ],
      [2, 2, 3, 2],
    );
  });
});
