import { describe, expect, it } from 'vitest';
import { expectClose } from '../test/helpers/expect_close.js';
import { gradCheck, randomValues } from '../test/helpers/grad_check.js';
import { ValueError, grad, tensor } from './index.js';
import {
  L1,
  L1L2,
  L2,
  OrthogonalRegularizer,
  type Regularizer,
  type RegularizerId,
  getRegularizer,
  l1,
  l1l2,
  l2,
} from './regularizers.js';
import { type SerializedObject, deserialize, serialize } from './serialization.js';

// Σ|x| = 10, Σx² = 30.
const X = () =>
  tensor([
    [1, -2],
    [3, -4],
  ]);

describe('regularizers: values', () => {
  it('L1 is l1·Σ|x| with default l1 = 0.01', () => {
    const p = new L1().call(X());
    expect(p.shape).toEqual([]);
    expectClose(p, 0.1);
    expectClose(new L1({ l1: 0.5 }).call(X()), 5);
  });

  it('L2 is l2·Σx² (no ½) with default l2 = 0.01', () => {
    expectClose(new L2().call(X()), 0.3);
    expectClose(new L2({ l2: 2 }).call(tensor([[1, 1, 1, 1, 1]])), 10);
  });

  it('L1L2 adds both, each factor defaulting to 0', () => {
    expectClose(new L1L2({ l1: 0.1, l2: 0.2 }).call(X()), 0.1 * 10 + 0.2 * 30);
    expectClose(new L1L2({ l2: 0.1 }).call(X()), 3);
    expectClose(new L1L2({ l1: 0.1 }).call(X()), 1);
    const zero = new L1L2().call(X());
    expect(zero.shape).toEqual([]);
    expect(zero.item()).toBe(0);
  });

  it('keeps the float dtype of x', () => {
    const x64 = tensor([1, -2], undefined, 'float64');
    expect(new L1().call(x64).dtype).toBe('float64');
    expect(new L1L2().call(x64).dtype).toBe('float64');
  });

  it('factories match Keras: l1(), l2(), l1l2()', () => {
    expect(l1().l1).toBe(0.01);
    expect(l1(0.2).l1).toBe(0.2);
    expect(l2().l2).toBe(0.01);
    expect(l2(1e-4).l2).toBe(1e-4);
    expect(l1l2().getConfig()).toEqual({ l1: 0, l2: 0 });
    expect(l1l2(0.1, 0.2).getConfig()).toEqual({ l1: 0.1, l2: 0.2 });
  });
});

describe('regularizers: gradients', () => {
  // Away from 0, where |x| has its kink.
  const values = { values: [0.7, -1.3, 2.1, -0.4, 1.6, -2.2], shape: [2, 3] };
  const regs: [string, Regularizer][] = [
    ['L1', new L1({ l1: 0.3 })],
    ['L2', new L2({ l2: 0.7 })],
    ['L1L2', new L1L2({ l1: 0.2, l2: 0.5 })],
  ];
  it.each(regs)('%s has the numerical gradient', (_n, reg) => {
    gradCheck((x) => reg.call(x), [values]);
  });

  it('L2 has gradient 2·l2·x and L1 has l1·sign(x)', () => {
    expectClose(grad((x) => new L2({ l2: 0.5 }).call(x))(tensor([1, -3])), [1, -3]);
    expectClose(grad((x) => new L1({ l1: 0.5 }).call(x))(tensor([1, -3])), [0.5, -0.5]);
  });
});

describe('regularizers: serialization and lookup', () => {
  const all: Regularizer[] = [
    new L1({ l1: 0.25 }),
    new L2({ l2: 0.125 }),
    new L1L2({ l1: 0.5, l2: 0.75 }),
  ];
  it.each(all.map((r) => [r.className, r] as const))(
    '%s: getConfig → JSON → fromConfig',
    (name, reg) => {
      const s = serialize(reg);
      expect(s.className).toBe(name);
      const back = deserialize<Regularizer>(
        'regularizer',
        JSON.parse(JSON.stringify(s)) as SerializedObject,
      );
      expect(back.constructor).toBe(reg.constructor);
      expect(back.getConfig()).toEqual(reg.getConfig());
      expectClose(back.call(X()), reg.call(X()));
    },
  );

  it('writes Keras configs', () => {
    expect(serialize(new L1())).toEqual({ className: 'L1', config: { l1: 0.01 } });
    expect(serialize(new L2())).toEqual({ className: 'L2', config: { l2: 0.01 } });
    expect(serialize(new L1L2())).toEqual({ className: 'L1L2', config: { l1: 0, l2: 0 } });
  });

  it("getRegularizer takes ids, class names, instances and {className, config}; 'l1l2' is zero as in Keras 3", () => {
    const ids: [RegularizerId, unknown, object][] = [
      ['l1', L1, { l1: 0.01 }],
      ['l2', L2, { l2: 0.01 }],
      ['l1l2', L1L2, { l1: 0, l2: 0 }],
      ['l1_l2', L1L2, { l1: 0, l2: 0 }],
    ];
    for (const [id, cls, config] of ids) {
      const r = getRegularizer(id);
      expect(r.constructor).toBe(cls);
      expect(r.getConfig()).toEqual(config);
    }
    expect(getRegularizer('L2' as RegularizerId)).toBeInstanceOf(L2);
    const reg = new L2({ l2: 3 });
    expect(getRegularizer(reg)).toBe(reg);
    expect(getRegularizer({ className: 'L1', config: { l1: 0.5 } }).getConfig()).toEqual({
      l1: 0.5,
    });
  });

  it('refuses unknown identifiers and bad factors', () => {
    expect(() => getRegularizer('l3' as RegularizerId)).toThrow(
      /^getRegularizer: unknown regularizer 'l3'; valid: l1, l2, l1l2, l1_l2/,
    );
    expect(() => getRegularizer({ className: 'L3', config: {} })).toThrow(
      /unknown regularizer class 'L3'/,
    );
    expect(() => getRegularizer(undefined as unknown as RegularizerId)).toThrow(
      /getRegularizer: expected/,
    );
    expect(() => new L1({ l1: -1 })).toThrow('L1: l1 must be a finite non-negative number, got -1');
    expect(() => new L2({ l2: Number.POSITIVE_INFINITY })).toThrow(
      /L2: l2 must be a finite non-negative number/,
    );
    expect(() => new L1L2({ l2: -0.1 })).toThrow(ValueError);
    expect(() => L1.fromConfig({ l1: 'big' })).toThrow(
      'L1: l1 must be a finite non-negative number, got big',
    );
  });
});

describe('OrthogonalRegularizer', () => {
  // Keras 3.15.1 (numpy backend): OrthogonalRegularizer(factor=0.3, mode='rows') of X is
  // 0.03139883702591403 and of Xᵀ 0.06608258748382667. Keras's own 'columns' mode fails on the
  // numpy backend (a broadcasting bug in its normalize), so columns(X) is checked as rows(Xᵀ).
  const X = [
    [1, 2, 0.5],
    [0.3, -1, 2],
    [2, 0.1, -0.4],
    [0, 0, 0],
  ];
  it("matches Keras's penalty (a zero row stays zero), rows and columns", () => {
    const rows = new OrthogonalRegularizer({ factor: 0.3 });
    expect(rows.call(tensor(X)).dataSync()[0]).toBeCloseTo(0.03139883702591403, 6);
    const cols = new OrthogonalRegularizer({ factor: 0.3, mode: 'columns' });
    expect(cols.call(tensor(X)).dataSync()[0]).toBeCloseTo(0.06608258748382667, 6);
  });

  it('passes a float64 gradient check, round-trips its config, and names bad input', () => {
    const reg = new OrthogonalRegularizer({ factor: 0.7, mode: 'columns' });
    gradCheck((x) => reg.call(x), [randomValues([3, 4], 11)]);
    const back = getRegularizer(
      JSON.parse(JSON.stringify({ className: 'OrthogonalRegularizer', config: reg.getConfig() })),
    );
    expect(back).toBeInstanceOf(OrthogonalRegularizer);
    expect((back as OrthogonalRegularizer).mode).toBe('columns');
    expect(() => reg.call(tensor([1, 2]))).toThrow(
      /OrthogonalRegularizer: inputs must have rank 2/,
    );
    expect(() => new OrthogonalRegularizer({ mode: 'diag' as never })).toThrow(
      /mode must be 'rows' or 'columns'/,
    );
  });
});
