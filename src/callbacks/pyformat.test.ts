import { describe, expect, it } from 'vitest';
import { formatNumber, pyFormat, pyRepr } from './pyformat.js';

const int = (value: number) => ({ value, isInt: true });
const float = (value: number) => ({ value, isInt: false });

describe('pyRepr (Python repr of a float)', () => {
  it.each([
    [0.5, '0.5'],
    [1, '1.0'],
    [-2, '-2.0'],
    [0, '0.0'],
    [-0, '-0.0'],
    [0.1, '0.1'],
    [1e-4, '0.0001'],
    [1e-5, '1e-05'],
    [1.5e-7, '1.5e-07'],
    [123456789012345.6, '123456789012345.6'],
    [1e16, '1e+16'],
    [2.5e21, '2.5e+21'],
    [0.30000000000000004, '0.30000000000000004'],
    [Number.NaN, 'nan'],
    [Number.POSITIVE_INFINITY, 'inf'],
    [Number.NEGATIVE_INFINITY, '-inf'],
  ])('%s → %s', (v, s) => {
    expect(pyRepr(v)).toBe(s);
  });
});

describe('formatNumber (Python format spec)', () => {
  it.each([
    [int(3), '02d', '03'],
    [int(123), '02d', '123'],
    [int(7), '', '7'],
    [int(-5), '03d', '-05'],
    [int(5), '+d', '+5'],
    [int(1234567), ',d', '1,234,567'],
    [int(255), 'x', 'ff'],
    [int(255), '#X', '0XFF'],
    [float(0.123456), '.4f', '0.1235'],
    [float(0.5), '.2f', '0.50'],
    [float(2), 'f', '2.000000'],
    [float(-1.5), '8.2f', '   -1.50'],
    [float(-1.5), '08.2f', '-0001.50'],
    [float(1.5), '<8.2f', '1.50    '],
    [float(1.5), '*^9.1f', '***1.5***'],
    [float(12345.678), '.3e', '1.235e+04'],
    [float(0.000123), 'e', '1.230000e-04'],
    [float(0.000123), 'g', '0.000123'],
    [float(0.0000123), 'g', '1.23e-05'],
    [float(1234567), 'g', '1.23457e+06'],
    [float(100), 'g', '100'],
    [float(0.25), '.1%', '25.0%'],
    [float(0.1), '', '0.1'],
    [float(1.0), '.3', '1.0'],
    [float(Number.NaN), '.2f', 'nan'],
    [float(Number.POSITIVE_INFINITY), '.2f', 'inf'],
    [float(Number.NEGATIVE_INFINITY), 'F', '-INF'],
    // Exact binary values, rounded half to even as Python does (JS toFixed rounds ties up).
    [float(0.125), '.2f', '0.12'],
    [float(0.375), '.2f', '0.38'],
    [float(2.5), '.0f', '2'],
    [float(0.125), '.1e', '1.2e-01'],
    [float(9.995), '.2f', '9.99'],
    [float(999.5), '.0f', '1000'],
    [float(0.5), '.0f', '0'],
    [float(1.5), '.0f', '2'],
    [float(99999.95), '.1f', '99999.9'],
    [float(9.9999995), 'g', '10'],
    [float(0.00012345), '.3g', '0.000123'],
    [float(123456.5), '.6g', '123456'],
    [float(5e-324), '.3e', '4.941e-324'],
    [float(1.7976931348623157e308), '.2e', '1.80e+308'],
    [float(1e22), 'f', '10000000000000000000000.000000'],
    [float(0), 'e', '0.000000e+00'],
    [float(0), '.3g', '0'],
    [float(1e-7), 'g', '1e-07'],
    [float(0.15), '.1f', '0.1'],
    [float(2.675), '.2f', '2.67'],
    [float(1), '#.3g', '1.00'],
    [float(100), '.2g', '1e+02'],
  ])('format(%o, %s)', (v, spec, out) => {
    expect(formatNumber(v, spec)).toBe(out);
  });

  it('refuses d for floats and malformed specs, as Python', () => {
    expect(() => formatNumber(float(1), 'd', 'loss')).toThrow(
      /Unknown format code 'd' for object of type 'float' in field 'loss'/,
    );
    expect(() => formatNumber(float(1), '.2q')).toThrow(/Invalid format specifier/);
  });
});

describe('pyFormat (str.format with named fields)', () => {
  it('fills Keras checkpoint templates', () => {
    const values = { epoch: int(3), val_loss: float(0.123456), loss: float(0.5) };
    expect(pyFormat('weights.{epoch:02d}-{val_loss:.4f}.tsckpt', values)).toBe(
      'weights.03-0.1235.tsckpt',
    );
    expect(pyFormat('e{epoch}-l{loss}', values)).toBe('e3-l0.5');
    expect(pyFormat('{{literal}}-{epoch}', values)).toBe('{literal}-3');
    expect(pyFormat('no-fields.bin', values)).toBe('no-fields.bin');
  });

  it('names the missing field and the available ones', () => {
    expect(() => pyFormat('{val_acc:.2f}', { epoch: int(1), loss: float(1) })).toThrow(
      /No value for field '\{val_acc\}'.*available: epoch, loss/,
    );
  });

  it('refuses positional fields, attribute access and unbalanced braces', () => {
    expect(() => pyFormat('{}', {})).toThrow(/Positional field/);
    expect(() => pyFormat('{0}', {})).toThrow(/Positional field/);
    expect(() => pyFormat('{a.b}', { a: int(1) })).toThrow(/not supported/);
    expect(() => pyFormat('{epoch', { epoch: int(1) })).toThrow(/Single '\{'/);
    expect(() => pyFormat('epoch}', { epoch: int(1) })).toThrow(/Single '\}'/);
  });
});
