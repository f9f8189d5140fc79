/**
 * Max pooling that keeps its argmax: the forward records where each output's gradient goes,
 * and the backward scatters dy there. Checked against the path that searches x again
 * (`maxPool2d` + `maxPool2dBackward`, bit for bit, ties, NaN and −∞ included), against
 * BaseBackend's scatterAdd default, across backends (native equals js), and by hand.
 */
import { describe, expect, it } from 'vitest';
import { describeBackends } from '../../test/helpers/describe_backends.js';
import { expectClose } from '../../test/helpers/expect_close.js';
import { gradCheck, randomValues } from '../../test/helpers/grad_check.js';
import { rng } from '../../test/helpers/rng.js';
import { variable } from '../autograd/variable.js';
import type { PoolArgs } from '../backend/backend.js';
import { BaseBackend } from '../backend/base.js';
import { windowOutputSize } from '../backend/base.js';
import { JsBackend, type JsData } from '../backend/cpu/index.js';
import { HostArena, withArena } from '../backend/host_arena.js';
import { getBackend } from '../backend/registry.js';
import { tensor } from './creation.js';
import { maxPool1d, maxPool2d } from './pooling.js';

/**
 * Values from a 4-value alphabet, so most windows hold ties; with `specials`, some NaN and −∞
 * (and whole −∞ windows where the alphabet draws them together).
 */
function tieValues(size: number, seed: number, specials: boolean): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: size }, () => {
    const u = r();
    if (specials && u < 0.05) return Number.NaN;
    if (specials && u < 0.2) return Number.NEGATIVE_INFINITY;
    return Math.floor(r() * 4) - 1;
  });
}

function outSize(shape: number[], a: PoolArgs): number {
  const [n, h, w, c] = shape as [number, number, number, number];
  const oh = windowOutputSize(h, a.poolSize[0], a.strides[0], 1, a.padding[0], a.padding[1]);
  const ow = windowOutputSize(w, a.poolSize[1], a.strides[1], 1, a.padding[2], a.padding[3]);
  return n * oh * ow * c;
}

function values(h: unknown): ArrayLike<number> {
  return (h as JsData).values as ArrayLike<number>;
}

/** Same numbers, NaN equal to NaN (toEqual on typed arrays treats NaN as equal). */
function expectSame(a: ArrayLike<number>, b: ArrayLike<number>): void {
  expect(Array.from(a)).toEqual(Array.from(b));
}

// Geometries: plain, overlapping, 'same'-style padding, a big channel count (several channel
// blocks in the native kernel), and explicit padding that leaves whole windows empty.
const CASES: { name: string; shape: number[]; args: PoolArgs }[] = [
  {
    name: '2×2 stride 2',
    shape: [3, 6, 6, 5],
    args: { poolSize: [2, 2], strides: [2, 2], padding: [0, 0, 0, 0] },
  },
  {
    name: '3×3 stride 1 overlapping',
    shape: [2, 7, 5, 3],
    args: { poolSize: [3, 3], strides: [1, 1], padding: [0, 0, 0, 0] },
  },
  {
    name: '3×2 stride 2, padded',
    shape: [2, 5, 6, 4],
    args: { poolSize: [3, 2], strides: [2, 2], padding: [1, 1, 0, 1] },
  },
  {
    name: '2×2, 150 channels',
    shape: [4, 6, 6, 150],
    args: { poolSize: [2, 2], strides: [2, 2], padding: [0, 0, 0, 0] },
  },
  {
    name: 'empty windows',
    shape: [2, 3, 3, 2],
    args: { poolSize: [2, 2], strides: [2, 2], padding: [3, 0, 0, 3] },
  },
];

describeBackends('maxPool2d with argmax: backend primitives', () => {
  for (const { name, shape, args } of CASES) {
    for (const specials of [false, true]) {
      it(`${name}${specials ? ', NaN and −∞' : ''}: same outputs and gradients as the x search`, () => {
        const b = getBackend();
        const size = shape.reduce((p, q) => p * q, 1);
        const x = b.fromArray(tieValues(size, size + (specials ? 1 : 0), specials), 'float32');
        const numOut = outSize(shape, args);
        const dy = b.fromArray(
          Float32Array.from({ length: numOut }, (_, i) => ((i * 7) % 11) - 5),
          'float32',
        );
        const both = b.maxPool2dWithArgmax(x, shape, args, 'float32');
        // Every backend that keeps a CPU typed-array storage has the kernel except wasm, which
        // opts out to keep its SIMD forward.
        if (b.name === 'wasm') {
          expect(both).toBeNull();
          return;
        }
        expect(both).not.toBeNull();
        const [y, argmax] = both!;
        expectSame(values(y), values(b.maxPool2d(x, shape, args, 'float32')));
        const fromArgmax = b.maxPool2dBackwardFromArgmax(dy, argmax, numOut, shape, 'float32');
        const searched = b.maxPool2dBackward(dy, [numOut], x, shape, args, 'float32');
        expectSame(values(fromArgmax), values(searched));
        // Native equals the js reference exactly, argmax included.
        const js = new JsBackend();
        const [yJs, argJs] = js.maxPool2dWithArgmax(x, shape, args, 'float32')!;
        expectSame(values(y), values(yJs));
        expectSame(values(argmax), values(argJs));
      });
    }
  }

  it('the backward writes every input gradient, even into dirty (arena) memory', () => {
    const b = getBackend();
    if (b.name === 'wasm') return;
    // Big enough for the native kernel's threaded path; dx comes from an arena whose only
    // buffer of that size is full of NaN, so any element the kernel skips shows.
    const shape = [4, 26, 26, 8];
    const args: PoolArgs = { poolSize: [2, 2], strides: [2, 2], padding: [0, 0, 0, 0] };
    const size = shape.reduce((p, q) => p * q, 1);
    const x = b.fromArray(tieValues(size, size, false), 'float32');
    const numOut = outSize(shape, args);
    const dy = b.fromArray(
      Float32Array.from({ length: numOut }, (_, i) => (i % 5) - 2),
      'float32',
    );
    const [, argmax] = b.maxPool2dWithArgmax(x, shape, args, 'float32')!;
    const arena = new HostArena();
    const dirty = new Float32Array(size).fill(Number.NaN);
    arena.give(dirty.buffer);
    const dx = withArena(arena, () =>
      b.maxPool2dBackwardFromArgmax(dy, argmax, numOut, shape, 'float32'),
    );
    expect(arena.reusedBytes).toBe(size * 4);
    const searched = b.maxPool2dBackward(dy, [numOut], x, shape, args, 'float32');
    expectSame(values(dx), values(searched));
  });

  it('hand-derived argmax: first of tied maxima, first NaN, an all −∞ window, an empty window', () => {
    const b = getBackend();
    if (b.name === 'wasm') return;
    const ninf = Number.NEGATIVE_INFINITY;
    // One 2×6 image, one channel, 2×2 windows over columns [0,1] [2,3] [4,5], plus one padded
    // window on the right (padding [0, 0, 0, 2]) that sees no input.
    const x = b.fromArray(
      Float32Array.of(2, 1, 3, Number.NaN, ninf, ninf, 2, 0, Number.NaN, 9, ninf, ninf),
      'float32',
    );
    const args: PoolArgs = { poolSize: [2, 2], strides: [2, 2], padding: [0, 0, 0, 2] };
    const [y, argmax] = b.maxPool2dWithArgmax(x, [1, 2, 6, 1], args, 'float32')!;
    expectSame(values(y), [2, Number.NaN, ninf, ninf]);
    // Window 1: x[0]=2 and x[6]=2 tie → 0. Window 2: the NaN at 3 comes before the one at 8.
    // Window 3: all −∞ → its first position, 4. Window 4: no input → −1.
    expectSame(values(argmax), [0, 3, 4, -1]);
    const dx = b.maxPool2dBackwardFromArgmax(
      b.fromArray(Float32Array.of(1, 2, 3, 4), 'float32'),
      argmax,
      4,
      [1, 2, 6, 1],
      'float32',
    );
    expectSame(values(dx), [1, 0, 0, 2, 3, 0, 0, 0, 0, 0, 0, 0]);
  });
});

describe('maxPool2dBackwardFromArgmax: BaseBackend default', () => {
  it('is a scatterAdd of dy into the argmax positions, equal to the kernels', () => {
    const js = new JsBackend();
    const shape = [2, 4, 4, 3];
    const args: PoolArgs = { poolSize: [3, 3], strides: [1, 1], padding: [1, 1, 1, 1] };
    const x = js.fromArray(tieValues(96, 5, false), 'float64');
    const numOut = outSize(shape, args);
    const dy = js.fromArray(
      Float64Array.from({ length: numOut }, (_, i) => i + 1),
      'float64',
    );
    const [, argmax] = js.maxPool2dWithArgmax(x, shape, args, 'float64')!;
    const viaBase = BaseBackend.prototype.maxPool2dBackwardFromArgmax.call(
      js,
      dy,
      argmax,
      numOut,
      shape,
      'float64',
    );
    const viaKernel = js.maxPool2dBackwardFromArgmax(dy, argmax, numOut, shape, 'float64');
    expectSame(values(viaBase), values(viaKernel));
    // BaseBackend itself has no argmax kernel: the op falls back to the x search.
    expect(
      BaseBackend.prototype.maxPool2dWithArgmax.call(js, x, shape, args, 'float64'),
    ).toBeNull();
  });
});

describeBackends('maxPool2d with argmax: the op', () => {
  it('gradients route to the first max (ties) and add over overlapping windows', () => {
    const x = variable(tensor([2, 2, 1, 2], [1, 2, 2, 1]));
    maxPool2d(x, 2).backward(tensor([[[[1]]]]));
    expectClose(x.grad!, [1, 0, 0, 0]);
    const y = variable(tensor([[[0], [9], [1], [2]]]));
    maxPool1d(y, 3, { strides: 1 }).backward(tensor([[[1], [10]]]));
    expectClose(y.grad!, [0, 11, 0, 0]);
  });

  it('a NaN in a window takes the gradient', () => {
    const x = variable(tensor([1, Number.NaN, 5, 2], [1, 2, 2, 1]));
    maxPool2d(x, 2).backward(tensor([[[[3]]]]));
    expect(Array.from(x.grad!.dataSync())).toEqual([0, 3, 0, 0]);
  });

  it('same padding, channelsFirst, strides: gradients equal the js backend', () => {
    const r = rng(9);
    const data = Float32Array.from({ length: 2 * 3 * 7 * 6 }, () => Math.floor(r() * 5));
    const x = variable(tensor(data, [2, 3, 7, 6]));
    const dyData = Float32Array.from({ length: 2 * 3 * 4 * 3 }, (_, i) => (i % 7) - 3);
    maxPool2d(x, 3, { strides: 2, padding: 'same', dataFormat: 'channelsFirst' }).backward(
      tensor(dyData, [2, 3, 4, 3]),
    );
    // Oracle: the js reference kernels called directly (search x for each window's max).
    const js = new JsBackend();
    const xl = js.transpose(js.fromArray(data, 'float32'), [2, 3, 7, 6], [0, 2, 3, 1], 'float32');
    const dyl = js.transpose(
      js.fromArray(dyData, 'float32'),
      [2, 3, 4, 3],
      [0, 2, 3, 1],
      'float32',
    );
    const args: PoolArgs = { poolSize: [3, 3], strides: [2, 2], padding: [1, 1, 0, 1] };
    const dxl = js.maxPool2dBackward(dyl, [2, 4, 3, 3], xl, [2, 7, 6, 3], args, 'float32');
    const dx = js.transpose(dxl, [2, 7, 6, 3], [0, 3, 1, 2], 'float32');
    expectSame(x.grad!.dataSync(), values(dx));
  });
});

describe('maxPool2d with argmax: gradient check (float64, central differences)', () => {
  it('overlapping windows, same padding, distinct values', () => {
    gradCheck(
      (x) => maxPool2d(x, 3, { strides: 2, padding: 'same' }),
      [randomValues([2, 5, 6, 3], 21)],
    );
  });
});
