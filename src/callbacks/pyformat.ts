/**
 * @internal Python's number formatting, as Keras callbacks use it: `repr(float)` for values
 * written to CSV files and messages, and `str.format` with keyword fields
 * (`'{epoch:02d}-{val_loss:.4f}'`) for checkpoint file paths.
 */
import { ValueError } from '../errors.js';

/** A value for {@link pyFormat}: Python ints (epoch, batch) and floats (logs) format differently. */
export interface PyValue {
  value: number;
  isInt: boolean;
}

function nonFinite(v: number, upper = false): string | null {
  let s: string | null = null;
  if (Number.isNaN(v)) s = 'nan';
  else if (v === Number.POSITIVE_INFINITY) s = 'inf';
  else if (v === Number.NEGATIVE_INFINITY) s = '-inf';
  return s !== null && upper ? s.toUpperCase() : s;
}

/** Splits `toExponential` output into sign, digits (no dot) and decimal exponent. */
function decompose(exp: string): { neg: boolean; digits: string; e: number } {
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(exp);
  if (!m) throw new Error(`pyformat: unexpected exponent form ${exp}`);
  return { neg: m[1] === '-', digits: m[2]! + (m[3] ?? ''), e: Number(m[4]) };
}

/** The exact decimal expansion of a finite `a ≥ 0` (every double is a finite decimal). */
function exactDecimal(a: number): { int: string; frac: string } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, a);
  const bits = view.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let e = -1074;
  if (expBits !== 0) {
    mant |= 1n << 52n;
    e = expBits - 1075;
  }
  if (e >= 0) return { int: (mant << BigInt(e)).toString(), frac: '' };
  // a = mant · 2^e = mant · 5^-e / 10^-e
  const s = (mant * 5n ** BigInt(-e)).toString().padStart(-e + 1, '0');
  return { int: s.slice(0, s.length + e), frac: s.slice(s.length + e).replace(/0+$/, '') };
}

/** Adds one to the last digit of a digit string (`'199'` → `'200'`, `'99'` → `'100'`). */
function incrementDigits(d: string): string {
  const out = d.split('');
  let i = out.length - 1;
  while (i >= 0 && out[i] === '9') out[i--] = '0';
  if (i < 0) return `1${out.join('')}`;
  out[i] = String(Number(out[i]) + 1);
  return out.join('');
}

/** Whether dropping `rest` after `kept` rounds up, half to even (Python's rounding). */
function roundsUp(kept: string, rest: string): boolean {
  const first = rest[0] ?? '0';
  if (first > '5') return true;
  if (first < '5') return false;
  if (/[1-9]/.test(rest.slice(1))) return true;
  return Number(kept[kept.length - 1] ?? '0') % 2 === 1;
}

/** `a ≥ 0` with `p` decimals, correctly rounded half to even (Python's `f`). */
function toFixedExact(a: number, p: number): string {
  const { int, frac } = exactDecimal(a);
  const f = frac.padEnd(p, '0');
  let kept = int + f.slice(0, p);
  if (roundsUp(kept, f.slice(p))) kept = incrementDigits(kept);
  const intLen = kept.length - p;
  return p > 0 ? `${kept.slice(0, intLen)}.${kept.slice(intLen)}` : kept;
}

/** `a > 0` rounded to `n` significant digits, half to even: the digits and decimal exponent. */
function toSignificantExact(a: number, n: number): { digits: string; e: number } {
  const { int, frac } = exactDecimal(a);
  let all = int + frac;
  let e = int.length - 1;
  const lead = all.search(/[1-9]/);
  all = all.slice(lead);
  e -= lead;
  const padded = all.padEnd(n, '0');
  let kept = padded.slice(0, n);
  if (roundsUp(kept, padded.slice(n))) {
    kept = incrementDigits(kept);
    if (kept.length > n) {
      kept = kept.slice(0, n);
      e += 1;
    }
  }
  return { digits: kept, e };
}

/** Digits with a decimal exponent, written out in fixed notation. */
function fixedFromDigits(digits: string, e: number): string {
  if (e < 0) return `0.${'0'.repeat(-e - 1)}${digits}`;
  const intPart = digits.slice(0, e + 1).padEnd(e + 1, '0');
  const frac = digits.slice(e + 1);
  return frac ? `${intPart}.${frac}` : intPart;
}

/** Python's exponent form: at least two exponent digits, always signed (`1e-05`, `1.5e+21`). */
function pyExponent(mantissa: string, e: number): string {
  return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

/**
 * Python's `repr(float)`: the shortest digits that round-trip, fixed notation for decimal
 * exponents in [-4, 16), otherwise scientific; integral values keep `.0`.
 * @example pyRepr(0.5) // '0.5'; pyRepr(1) // '1.0'; pyRepr(1e-5) // '1e-05'
 */
export function pyRepr(v: number): string {
  const nf = nonFinite(v);
  if (nf !== null) return nf;
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const { neg, digits, e } = decompose(v.toExponential());
  const sign = neg ? '-' : '';
  if (e >= -4 && e < 16) {
    const s = fixedFromDigits(digits, e);
    return sign + (s.includes('.') ? s : `${s}.0`);
  }
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return sign + pyExponent(mantissa, e);
}

/** `str()` of a Python int or float. */
export function pyStr(v: PyValue): string {
  return v.isInt ? String(v.value) : pyRepr(v.value);
}

interface Spec {
  fill: string;
  align: '<' | '>' | '^' | '=' | null;
  sign: '+' | '-' | ' ';
  z: boolean;
  alt: boolean;
  zero: boolean;
  width: number;
  grouping: ',' | '_' | null;
  precision: number | null;
  type: string;
}

const SPEC_RE =
  /^(?:(.)?([<>=^]))?([+\- ])?(z)?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/s;

function parseSpec(spec: string): Spec {
  const m = SPEC_RE.exec(spec);
  if (!m) throw new ValueError(`Invalid format specifier '${spec}'`);
  return {
    fill: m[1] ?? (m[6] ? '0' : ' '),
    align: (m[2] as Spec['align']) ?? (m[6] ? '=' : null),
    sign: (m[3] as Spec['sign']) ?? '-',
    z: m[4] !== undefined,
    alt: m[5] !== undefined,
    zero: m[6] !== undefined,
    width: m[7] ? Number(m[7]) : 0,
    grouping: (m[8] as Spec['grouping']) ?? null,
    precision: m[9] !== undefined ? Number(m[9]) : null,
    type: m[10] ?? '',
  };
}

function stripZeros(s: string): string {
  if (!s.includes('.')) return s;
  return s.replace(/0+$/, '').replace(/\.$/, '');
}

/** Python's `g` format of a finite non-negative number with `p` significant digits. */
function formatG(a: number, p: number, alt: boolean, upper: boolean): string {
  if (p === 0) p = 1;
  if (a === 0) return alt ? `0.${'0'.repeat(p - 1)}`.replace(/\.$/, '') : '0';
  const { digits, e } = toSignificantExact(a, p);
  let out: string;
  if (e >= -4 && e < p) {
    // p significant digits: p − 1 − e decimals.
    out = fixedFromDigits(digits, e);
    if (!alt) out = stripZeros(out);
  } else {
    let mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    if (!alt) mant = stripZeros(mant);
    out = pyExponent(mant, e);
  }
  return upper ? out.toUpperCase() : out;
}

/** Formats |v| (finite) per the presentation type; the sign is added by the caller. */
function formatMagnitude(a: number, spec: Spec, isInt: boolean, field: string): string {
  const t = spec.type;
  const p = spec.precision;
  switch (t) {
    case 'd':
    case 'n':
      if (!isInt) {
        if (t === 'n') return formatG(a, p ?? 6, spec.alt, false);
        throw new ValueError(
          `Unknown format code 'd' for object of type 'float' in field '${field}'`,
        );
      }
      return String(a);
    case 'b':
    case 'o':
    case 'x':
    case 'X': {
      if (!isInt)
        throw new ValueError(
          `Unknown format code '${t}' for object of type 'float' in field '${field}'`,
        );
      const radix = t === 'b' ? 2 : t === 'o' ? 8 : 16;
      const s = a.toString(radix);
      const prefix = spec.alt ? `0${t}` : '';
      return t === 'X' ? (prefix + s).toUpperCase() : prefix + s;
    }
    case 'f':
    case 'F':
      return toFixedExact(a, p ?? 6) + (spec.alt && p === 0 ? '.' : '');
    case 'e':
    case 'E': {
      const { digits, e } =
        a === 0 ? { digits: '0'.repeat((p ?? 6) + 1), e: 0 } : toSignificantExact(a, (p ?? 6) + 1);
      const mant =
        digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : `${digits}${spec.alt ? '.' : ''}`;
      const s = pyExponent(mant, e);
      return t === 'E' ? s.toUpperCase() : s;
    }
    case 'g':
    case 'G':
      return formatG(a, p ?? 6, spec.alt, t === 'G');
    case '%':
      return `${toFixedExact(a * 100, p ?? 6)}%`;
    case 'c':
      throw new ValueError(`Format code 'c' is not supported (field '${field}')`);
    default: {
      // No type: str() for ints and for floats without precision; 'g'-like with precision.
      if (isInt) return String(a);
      if (p === null) return pyRepr(a);
      const g = formatG(a, p, spec.alt, false);
      return /[.e]/.test(g) ? g : `${g}.0`;
    }
  }
}

function group(intDigits: string, sep: string, every: number): string {
  let out = '';
  for (let i = 0; i < intDigits.length; i++) {
    if (i > 0 && (intDigits.length - i) % every === 0) out += sep;
    out += intDigits[i];
  }
  return out;
}

/** Python's `format(value, spec)` for an int or float. */
export function formatNumber(v: PyValue, specText: string, field = '?'): string {
  const spec = parseSpec(specText);
  let x = v.value;
  if (v.isInt && !Number.isInteger(x)) throw new ValueError(`formatNumber: ${x} is not an integer`);
  const upper = spec.type === 'F' || spec.type === 'E' || spec.type === 'G';
  let neg = x < 0 || Object.is(x, -0);
  let body: string;
  const nf = nonFinite(Math.abs(x), upper);
  if (Number.isNaN(x)) {
    body = upper ? 'NAN' : 'nan';
    neg = false;
  } else if (nf !== null) {
    body = nf;
  } else {
    x = Math.abs(x);
    body = formatMagnitude(x, spec, v.isInt, field);
    if (spec.z && neg && Number(body.replace(/[^0-9.eE+-]/g, '')) === 0) neg = false;
    if (v.isInt && neg && x === 0) neg = false;
    if (spec.grouping) {
      const every =
        spec.type === 'b' || spec.type === 'o' || spec.type === 'x' || spec.type === 'X' ? 4 : 3;
      const m = /^(\d+)(.*)$/s.exec(body);
      if (m) body = group(m[1]!, spec.grouping, every) + m[2]!;
    }
  }
  const signStr = neg ? '-' : spec.sign === '+' ? '+' : spec.sign === ' ' ? ' ' : '';
  const len = signStr.length + body.length;
  if (len >= spec.width) return signStr + body;
  const pad = spec.width - len;
  const fill = spec.fill;
  switch (spec.align ?? '>') {
    case '<':
      return signStr + body + fill.repeat(pad);
    case '^':
      return (
        fill.repeat(Math.floor(pad / 2)) + signStr + body + fill.repeat(pad - Math.floor(pad / 2))
      );
    case '=':
      return signStr + fill.repeat(pad) + body;
    default:
      return fill.repeat(pad) + signStr + body;
  }
}

/**
 * Python's `template.format(**values)` for keyword fields: `{name}`, `{name:spec}`, `{{` and
 * `}}`. Positional fields, attribute/index access and conversions are refused.
 * @example pyFormat('w-{epoch:02d}-{val_loss:.4f}', { epoch: { value: 3, isInt: true }, val_loss: { value: 0.12345, isInt: false } }) // 'w-03-0.1235'
 */
export function pyFormat(template: string, values: Readonly<Record<string, PyValue>>): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const c = template[i]!;
    if (c === '{' && template[i + 1] === '{') {
      out += '{';
      i += 2;
    } else if (c === '}' && template[i + 1] === '}') {
      out += '}';
      i += 2;
    } else if (c === '}') {
      throw new ValueError(`Single '}' encountered in format string '${template}'`);
    } else if (c === '{') {
      const end = template.indexOf('}', i + 1);
      if (end < 0) throw new ValueError(`Single '{' encountered in format string '${template}'`);
      const field = template.slice(i + 1, end);
      const colon = field.indexOf(':');
      const name = colon < 0 ? field : field.slice(0, colon);
      const spec = colon < 0 ? '' : field.slice(colon + 1);
      if (name === '' || /^\d+$/.test(name)) {
        throw new ValueError(
          `Positional field '{${field}}' in '${template}': only named fields such as {epoch} are supported`,
        );
      }
      if (/[.[!{]/.test(name)) {
        throw new ValueError(
          `Field '{${field}}' in '${template}': attribute, index and conversion syntax is not supported`,
        );
      }
      const v = values[name];
      if (v === undefined) {
        throw new ValueError(
          `No value for field '{${name}}' in '${template}'; available: ${Object.keys(values).join(', ')}`,
        );
      }
      out += formatNumber(v, spec, name);
      i = end + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
