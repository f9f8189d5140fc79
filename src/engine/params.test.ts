/**
 * Step parameters at the engine level: a step's per-call host values (scalars made by
 * `stepScalar`, primitive arguments made by `stepNumber`) are recomputed at every replay, and
 * its host effects (`stepEffect`) rerun, so replays equal eager calls.
 */
import { describe, expect, it } from 'vitest';
import { tensor } from '../ops/creation.js';
import { clip } from '../ops/elementwise.js';
import type { Tensor } from '../tensor/tensor.js';
import { stepEffect, stepNumber, stepScalar } from './params.js';
import { CompiledStep } from './step.js';

describe('step parameters', () => {
  it('eagerly they are plain values and the effect runs once', () => {
    let n = 0;
    expect(stepNumber('a', () => 2.5)).toBe(2.5);
    const s = stepScalar('b', () => 0.1, 'float32');
    expect(s.shape).toEqual([]);
    expect(s.dtype).toBe('float32');
    expect(s.item()).toBe(Math.fround(0.1));
    stepEffect('count', () => {
      n++;
    });
    expect(n).toBe(1);
  });

  it('a scalar and a primitive argument are fed fresh values at every replay; effects rerun', () => {
    let count = 0;
    const x = tensor([-3, -1, 0.5, 2, 7], [5], 'float32');
    const step = new CompiledStep('test', true);
    const run = (): Tensor[] =>
      step.call(
        [x],
        () => [],
        ([xi]) => {
          const k = stepScalar('k', () => count + 1, 'float32');
          const scaled = xi!.mul(k);
          // Right before the one backend call that takes it.
          const y = clip(
            scaled,
            -0.25,
            stepNumber('hi', () => 1.5 + count),
          );
          stepEffect('count', () => {
            count++;
          });
          return [y];
        },
      );
    for (let i = 0; i < 6; i++) {
      const [y] = run();
      // Oracle: the same formula in plain JS with call i's values.
      const k = i + 1;
      const hi = 1.5 + i;
      const want = [-3, -1, 0.5, 2, 7].map((v) =>
        Math.min(Math.max(Math.fround(v * k), -0.25), hi),
      );
      expect(Array.from(y!.dataSync())).toEqual(want.map(Math.fround));
    }
    expect(count).toBe(6);
    const info = step.info();
    expect(info.fallbacks).toEqual([]);
    expect(info.compiled.length).toBe(1);
    expect(info.compiled[0]!.stats.params).toBe(2);
    // The parameter nodes are not folded away as constants.
    expect(info.compiled[0]!.stats.replayed).toBeGreaterThanOrEqual(3);
  });

  it('a parameter equal to a constant beside it is ambiguous: retried, then refused with the reason', () => {
    const x = tensor([0, 1, 2], [3], 'float32');
    const step = new CompiledStep('test', 'auto');
    for (let i = 0; i < 8; i++) {
      step.call(
        [x],
        () => [],
        ([xi]) => [
          clip(
            xi!,
            stepNumber('lo', () => 1),
            1,
          ),
        ],
      );
    }
    const info = step.info();
    expect(info.compiled).toEqual([]);
    expect(info.fallbacks[0]!.reason).toMatch(/step parameter 'lo' = 1 appears 2 times in .*clip/);
  });

  it('a parameter no backend call uses is refused with the reason', () => {
    const x = tensor([1, 2], [2], 'float32');
    const step = new CompiledStep('test', true);
    expect(() =>
      step.call(
        [x],
        () => [],
        ([xi]) => {
          stepNumber('unused', () => 0.123);
          return [xi!];
        },
      ),
    ).toThrow(/step parameter was made but no backend call used it/);
  });

  it('a host value not declared as a step parameter still makes the traces differ', () => {
    let lr = 0.5;
    const x = tensor([1, 2], [2], 'float32');
    const step = new CompiledStep('test', 'auto');
    for (let i = 0; i < 4; i++) {
      step.call(
        [x],
        () => [],
        ([xi]) => [xi!.mul(lr)],
      );
      lr /= 2;
    }
    expect(step.info().fallbacks[0]!.reason).toMatch(/host data made inside the step changed/);
  });
});
