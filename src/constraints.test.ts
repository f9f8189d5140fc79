import { describe, expect, it } from 'vitest';
import { expectClose } from '../test/helpers/expect_close.js';
import {
  type Constraint,
  type ConstraintId,
  MaxNorm,
  MinMaxNorm,
  NonNeg,
  UnitNorm,
  getConstraint,
} from './constraints.js';
import { ValueError, tensor } from './index.js';
import { type SerializedObject, deserialize, serialize } from './serialization.js';

const EPS = 1e-7;

/** Columns: norm 5 (3-4-5), norm 1, norm 0.5, norm 0. */
const W = () =>
  tensor([
    [3, 0.6, 0.3, 0],
    [4, 0.8, 0.4, 0],
  ]);

describe('constraints: values', () => {
  it('MaxNorm clips columns whose norm exceeds maxValue and keeps the others', () => {
    expectClose(new MaxNorm({ maxValue: 2 }).call(W()), [
      [1.2, 0.6 / (1 + EPS), 0.3 / (1 + 2 * EPS), 0],
      [1.6, 0.8 / (1 + EPS), 0.4 / (1 + 2 * EPS), 0],
    ]);
    // Default maxValue is 2, axis 0.
    expectClose(new MaxNorm().call(W()), new MaxNorm({ maxValue: 2, axis: 0 }).call(W()));
  });

  it('MaxNorm puts ε in the denominator as Keras: w·clip(n)/(ε + n)', () => {
    // A norm of ε is halved, which is only the case if ε sits beside the norm.
    const w = tensor([[EPS]], undefined, 'float64');
    expectClose(new MaxNorm().call(w), [[EPS / 2]], { rtol: 1e-9, atol: 0 });
  });

  it('MaxNorm along axis 1 and along several axes', () => {
    const rows = new MaxNorm({ maxValue: 1, axis: 1 }).call(
      tensor([
        [3, 4],
        [0.3, 0.4],
      ]),
    );
    expectClose(rows, [
      [0.6, 0.8],
      [0.3 / (1 + 2 * EPS), 0.4 / (1 + 2 * EPS)],
    ]);
    // A conv-like kernel [2, 2, 1]: norm over axes 0 and 1 of all four entries (√(1+4+4+16) = 5).
    const k = tensor([
      [[1], [2]],
      [[2], [4]],
    ]);
    const c = new MaxNorm({ maxValue: 1, axis: [0, 1] }).call(k);
    expectClose(c, [
      [[0.2], [0.4]],
      [[0.4], [0.8]],
    ]);
  });

  it('UnitNorm gives every column norm 1 and leaves zero columns at zero', () => {
    const u = new UnitNorm().call(W());
    expectClose(u.slice([0, 0], [2, 3]).square().sum(0).sqrt(), [1, 1, 1], { atol: 1e-6 });
    expectClose(u, [
      [0.6, 0.6, 0.6, 0],
      [0.8, 0.8, 0.8, 0],
    ]);
    expectClose(new UnitNorm({ axis: -1 }).call(tensor([[3, 4]])), [[0.6, 0.8]]);
  });

  it('NonNeg zeroes negative weights', () => {
    expectClose(
      new NonNeg().call(
        tensor([
          [-1, 2],
          [0, -0.5],
        ]),
      ),
      [
        [0, 2],
        [0, 0],
      ],
    );
  });

  it('MinMaxNorm with rate 0.5 moves each norm half way into [min, max]', () => {
    const c = new MinMaxNorm({ minValue: 1, maxValue: 2, rate: 0.5 });
    // Norm 5 → 0.5·2 + 0.5·5 = 3.5; norm 1 → 1 (inside); norm 0.5 → 0.5·1 + 0.5·0.5 = 0.75.
    expectClose(c.call(W()), [
      [(3 * 3.5) / (5 + EPS), 0.6 / (1 + EPS), (0.3 * 0.75) / (0.5 + EPS), 0],
      [(4 * 3.5) / (5 + EPS), 0.8 / (1 + EPS), (0.4 * 0.75) / (0.5 + EPS), 0],
    ]);
    const norms = c.call(W()).slice([0, 0], [2, 3]).square().sum(0).sqrt();
    expectClose(norms, [3.5, 1, 0.75], { atol: 1e-6 });
  });

  it('MinMaxNorm defaults (0, 1, rate 1) project norms above 1 onto 1', () => {
    const c = new MinMaxNorm();
    expect(c.getConfig()).toEqual({ minValue: 0, maxValue: 1, rate: 1, axis: 0 });
    expectClose(c.call(tensor([[3], [4]])), [[0.6], [0.8]]);
  });

  it('keeps the shape and dtype of w', () => {
    const w = tensor([[1, 2, 3]], undefined, 'float64');
    for (const c of [new MaxNorm(), new NonNeg(), new UnitNorm(), new MinMaxNorm()]) {
      const y = c.call(w);
      expect(y.shape).toEqual([1, 3]);
      expect(y.dtype).toBe('float64');
    }
  });
});

describe('constraints: serialization and lookup', () => {
  const all: Constraint[] = [
    new MaxNorm({ maxValue: 3, axis: [0, 1] }),
    new NonNeg(),
    new UnitNorm({ axis: 1 }),
    new MinMaxNorm({ minValue: 0.5, maxValue: 1.5, rate: 0.25, axis: 0 }),
  ];
  it.each(all.map((c) => [c.className, c] as const))(
    '%s: getConfig → JSON → fromConfig',
    (name, c) => {
      const s = serialize(c);
      expect(s.className).toBe(name);
      const back = deserialize<Constraint>(
        'constraint',
        JSON.parse(JSON.stringify(s)) as SerializedObject,
      );
      expect(back.constructor).toBe(c.constructor);
      expect(back.getConfig()).toEqual(c.getConfig());
      const w = tensor([
        [3, -0.2],
        [4, 0.1],
      ]);
      expectClose(back.call(w), c.call(w));
    },
  );

  it("reads Keras's snake_case config keys", () => {
    expect(MaxNorm.fromConfig({ max_value: 3, axis: 0 }).maxValue).toBe(3);
    const m = MinMaxNorm.fromConfig({ min_value: 0.2, max_value: 0.9, rate: 0.5, axis: 1 });
    expect(m.getConfig()).toEqual({ minValue: 0.2, maxValue: 0.9, rate: 0.5, axis: 1 });
  });

  it('getConstraint takes camelCase and snake_case ids, class names, instances and {className, config}', () => {
    const ids: [ConstraintId | 'max_norm' | 'non_neg' | 'unit_norm' | 'min_max_norm', unknown][] = [
      ['maxNorm', MaxNorm],
      ['max_norm', MaxNorm],
      ['nonNeg', NonNeg],
      ['non_neg', NonNeg],
      ['unitNorm', UnitNorm],
      ['unit_norm', UnitNorm],
      ['minMaxNorm', MinMaxNorm],
      ['min_max_norm', MinMaxNorm],
    ];
    for (const [id, cls] of ids) expect(getConstraint(id).constructor).toBe(cls);
    expect(getConstraint('MaxNorm' as ConstraintId)).toBeInstanceOf(MaxNorm);
    const c = new UnitNorm();
    expect(getConstraint(c)).toBe(c);
    const m = getConstraint({
      className: 'MaxNorm',
      config: { maxValue: 4, axis: [0, 1, 2] },
    }) as MaxNorm;
    expect(m.maxValue).toBe(4);
    expect(m.axis).toEqual([0, 1, 2]);
  });

  it('refuses unknown identifiers, bad arguments and bad axes, naming the class', () => {
    expect(() => getConstraint('maxnorm' as ConstraintId)).toThrow(
      /^getConstraint: unknown constraint 'maxnorm'; valid: maxNorm, nonNeg, unitNorm, minMaxNorm/,
    );
    expect(() => getConstraint({ className: 'Clip', config: {} })).toThrow(
      /unknown constraint class 'Clip'/,
    );
    expect(() => getConstraint(7 as unknown as ConstraintId)).toThrow(
      /getConstraint: expected .* got number 7/,
    );
    expect(() => new MaxNorm({ maxValue: -1 })).toThrow('MaxNorm: maxValue must be >= 0, got -1');
    expect(() => new MinMaxNorm({ minValue: 2, maxValue: 1 })).toThrow(
      'MinMaxNorm: need minValue <= maxValue, got 2, 1',
    );
    expect(() => new UnitNorm({ axis: 0.5 })).toThrow(/UnitNorm: axis must be an integer/);
    expect(() => new MaxNorm({ axis: [] })).toThrow(ValueError);
    expect(() => new MaxNorm({ axis: 2 }).call(tensor([[1, 2]]))).toThrow(/^MaxNorm: /);
  });
});
