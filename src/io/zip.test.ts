import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { FormatError } from './errors.js';
import { crc32, readZip, unsafeEntryName, writeZip } from './zip.js';

const enc = new TextEncoder();
const KERAS = '/work/shared/models/keras';

/** Offsets of the central-directory entries of a zip made here (one per entry). */
function centralOffsets(zip: Uint8Array): number[] {
  const v = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 4 <= zip.length; i++) if (v.getUint32(i, true) === 0x02014b50) out.push(i);
  return out;
}

function expectFormatError(fn: () => unknown, pattern?: RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a FormatError').toBeInstanceOf(FormatError);
  if (pattern) expect((err as Error).message).toMatch(pattern);
}

describe('writeZip / readZip', () => {
  it('round-trips stored and deflated members, in order', () => {
    const big = new Uint8Array(100_000).map((_, i) => (i * 7) % 13);
    const entries = {
      'metadata.json': enc.encode('{"keras_version": "3.15.1"}'),
      'config.json': enc.encode('{}'),
      'model.weights.h5': big,
      'assets/vocab é.txt': enc.encode('a\nb\n'),
      'empty.bin': new Uint8Array(0),
    };
    for (const compress of [false, true, 9] as const) {
      const zip = writeZip(entries, { compress });
      const back = readZip(zip);
      expect([...back.keys()]).toEqual(Object.keys(entries));
      for (const [k, v] of Object.entries(entries)) expect(back.get(k)).toEqual(v);
      if (compress !== false) expect(zip.length).toBeLessThan(big.length);
    }
  });

  it('stores members by default with fixed timestamps, like Keras', () => {
    const entries = { 'config.json': enc.encode('{"a": 1}') };
    const a = writeZip(entries);
    expect(a).toEqual(writeZip(entries));
    const v = new DataView(a.buffer, a.byteOffset);
    expect(v.getUint16(8, true)).toBe(0); // method: stored
  });

  it('reads the .keras archives Keras wrote', () => {
    for (const name of ['mlp', 'cnn', 'lstm']) {
      const files = readZip(readFileSync(`${KERAS}/${name}/${name}.keras`));
      expect([...files.keys()]).toEqual(['metadata.json', 'config.json', 'model.weights.h5']);
      const meta = JSON.parse(new TextDecoder().decode(files.get('metadata.json')));
      expect(meta.keras_version).toBe('3.15.1');
    }
  });

  it('computes the CRC-32 zip uses', () => {
    expect(crc32(enc.encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('refuses unsafe names on write', () => {
    for (const name of ['../evil', 'a/../../b', '/abs', 'a\\b', 'nul\u0000x', 'C:/x', '']) {
      expectFormatError(() => writeZip({ [name]: new Uint8Array(1) }), /unsafe entry name/);
    }
  });
});

describe('readZip safety', () => {
  it('classifies entry names', () => {
    expect(unsafeEntryName('model.weights.h5')).toBeNull();
    expect(unsafeEntryName('assets/a..b/c')).toBeNull();
    expect(unsafeEntryName('../x')).toMatch(/'\.\.'/);
    expect(unsafeEntryName('x/..')).toMatch(/'\.\.'/);
    expect(unsafeEntryName('/etc/passwd')).toMatch(/absolute/);
    expect(unsafeEntryName('a\\..\\b')).toMatch(/backslash/);
    expect(unsafeEntryName('a\u0000')).toMatch(/NUL/);
    expect(unsafeEntryName('c:evil')).toMatch(/drive/);
  });

  it("refuses a '..' entry, an absolute path, a backslash or NUL written by another tool", () => {
    for (const name of ['../../etc/cron.d/x', '/tmp/x', 'dir\\..\\x', 'a\u0000b']) {
      const zip = zipSync({ [name]: enc.encode('payload') });
      expectFormatError(() => readZip(zip), /unsafe entry name/);
    }
  });

  it('refuses a huge declared size before inflating anything', () => {
    const zip = writeZip(
      { 'a.bin': new Uint8Array(10), 'b.bin': new Uint8Array(10) },
      {
        compress: true,
      },
    );
    const [c0] = centralOffsets(zip);
    const v = new DataView(zip.buffer, zip.byteOffset);
    v.setUint32(c0! + 24, 0xfffffff0, true); // uncompressed size ≈ 4 GiB
    expectFormatError(() => readZip(zip), /uncompressed bytes, more than the limit/);
    // Small members that add up past the limit.
    const ok = writeZip({ 'a.bin': new Uint8Array(600), 'b.bin': new Uint8Array(600) });
    expectFormatError(() => readZip(ok, { maxTotalBytes: 1000 }), /in all/);
    expect(readZip(ok, { maxTotalBytes: 1200 }).size).toBe(2);
  });

  it('stops a member that inflates to more than it declares (zip bomb)', () => {
    const zeros = new Uint8Array(5_000_000);
    const zip = writeZip({ 'bomb.bin': zeros }, { compress: 9 });
    expect(zip.length).toBeLessThan(20_000);
    const [c0] = centralOffsets(zip);
    const v = new DataView(zip.buffer, zip.byteOffset);
    v.setUint32(c0! + 24, 1000, true);
    expectFormatError(() => readZip(zip), /inflates to more than the 1000 bytes it declares/);
  });

  it('refuses too many entries', () => {
    const entries: Record<string, Uint8Array> = {};
    for (let i = 0; i < 20; i++) entries[`f${i}`] = new Uint8Array(1);
    const zip = writeZip(entries);
    expectFormatError(() => readZip(zip, { maxEntries: 10 }), /20 entries, more than the limit/);
    expect(readZip(zip, { maxEntries: 20 }).size).toBe(20);
  });

  it('refuses truncated archives', () => {
    const zip = readFileSync(`${KERAS}/mlp/mlp.keras`);
    for (const n of [0, 10, 21, 100, 5000, zip.length - 30, zip.length - 1]) {
      expectFormatError(() => readZip(new Uint8Array(zip.subarray(0, n))));
    }
  });

  it('detects corrupted member data (CRC-32) and corrupted deflate streams', () => {
    const stored = writeZip({ 'x.txt': enc.encode('hello world') });
    const bad = stored.slice();
    bad[30 + 'x.txt'.length + 2]! ^= 0xff;
    expectFormatError(() => readZip(bad), /CRC-32/);
    const deflated = writeZip(
      { 'x.bin': new Uint8Array(50_000).map((_, i) => i % 251) },
      {
        compress: true,
      },
    );
    const bad2 = deflated.slice();
    for (let i = 40; i < 60; i++) bad2[i] = 0xff;
    expectFormatError(() => readZip(bad2));
  });

  it('refuses duplicate names, encryption and unknown methods', () => {
    const zip = writeZip({ aa: enc.encode('1'), ab: enc.encode('2') });
    const [c0, c1] = centralOffsets(zip);
    const dup = zip.slice();
    const local1 = new DataView(dup.buffer).getUint32(c1! + 42, true);
    dup[c1! + 46 + 1] = 'a'.charCodeAt(0); // 'ab' → 'aa', in the central directory…
    dup[local1 + 30 + 1] = 'a'.charCodeAt(0); // …and in the local header
    expectFormatError(() => readZip(dup), /appears twice/);
    const enc1 = zip.slice();
    new DataView(enc1.buffer).setUint16(c0! + 8, 1, true);
    expectFormatError(() => readZip(enc1), /encrypted/);
    const m = zip.slice();
    new DataView(m.buffer).setUint16(c0! + 10, 12, true);
    expectFormatError(() => readZip(m), /compression method 12/);
  });

  it('reads a zip64 archive', () => {
    // One stored member whose sizes and offset live in the zip64 extra field.
    const name = enc.encode('z.txt');
    const data = enc.encode('zip64 data');
    const crc = crc32(data);
    const parts: number[] = [];
    const u16 = (v: number) => parts.push(v & 0xff, v >>> 8);
    const u32 = (v: number) => {
      u16(v & 0xffff);
      u16(v >>> 16);
    };
    const u64 = (v: number) => {
      u32(v);
      u32(0);
    };
    // Local header.
    u32(0x04034b50);
    u16(45);
    u16(0);
    u16(0);
    u16(0);
    u16(0);
    u32(crc);
    u32(0xffffffff);
    u32(0xffffffff);
    u16(name.length);
    u16(20);
    parts.push(...name);
    u16(1);
    u16(16);
    u64(data.length);
    u64(data.length);
    parts.push(...data);
    const cd = parts.length;
    u32(0x02014b50);
    u16(45);
    u16(45);
    u16(0);
    u16(0);
    u16(0);
    u16(0);
    u32(crc);
    u32(0xffffffff);
    u32(0xffffffff);
    u16(name.length);
    u16(28);
    u16(0);
    u16(0);
    u16(0);
    u32(0);
    u32(0xffffffff);
    parts.push(...name);
    u16(1);
    u16(24);
    u64(data.length);
    u64(data.length);
    u64(0);
    const cdSize = parts.length - cd;
    const z64 = parts.length;
    u32(0x06064b50);
    u64(44);
    u16(45);
    u16(45);
    u32(0);
    u32(0);
    u64(1);
    u64(1);
    u64(cdSize);
    u64(cd);
    u32(0x07064b50);
    u32(0);
    u64(z64);
    u32(1);
    u32(0x06054b50);
    u16(0);
    u16(0);
    u16(0xffff);
    u16(0xffff);
    u32(0xffffffff);
    u32(0xffffffff);
    u16(0);
    const files = readZip(new Uint8Array(parts));
    expect(new TextDecoder().decode(files.get('z.txt'))).toBe('zip64 data');
  });

  it('gives only FormatErrors on random and mutated input (fuzz)', () => {
    const base = writeZip({
      'config.json': enc.encode('{"a": [1, 2, 3]}'),
      'w.bin': new Uint8Array(3000).map((_, i) => i % 7),
    });
    const deflated = writeZip(
      { 'w.bin': new Uint8Array(3000).map((_, i) => i % 7) },
      {
        compress: true,
      },
    );
    fc.assert(
      fc.property(
        fc.constantFrom(base, deflated),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(),
        (zip, edits, cut) => {
          const b = zip.slice(0, zip.length - (cut % 40));
          for (const [i, v] of edits) b[i % b.length] = v;
          try {
            readZip(b);
          } catch (e) {
            if (!(e instanceof FormatError)) throw e;
          }
        },
      ),
      { numRuns: 400, seed: 7 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        try {
          readZip(b);
        } catch (e) {
          if (!(e instanceof FormatError)) throw e;
        }
      }),
      { numRuns: 200, seed: 11 },
    );
  });
});
