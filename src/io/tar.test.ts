import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync as zlibGzip } from 'node:zlib';
import fc from 'fast-check';
import { gzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError } from './errors.js';
import {
  type TarEntry,
  extractTar,
  forEachTarEntry,
  gunzipBounded,
  isGzip,
  readTar,
} from './tar.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const IMDB = '/work/shared/datasets/imdb/aclImdb_train_test.tar.gz';
const MiB = 1024 ** 2;

function hasGnuTar(): boolean {
  try {
    return execFileSync('tar', ['--version'], { encoding: 'utf8' }).includes('GNU tar');
  } catch {
    return false;
  }
}
const GNU_TAR = hasGnuTar();

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

async function expectFormatErrorAsync(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await expect(p).rejects.toBeInstanceOf(FormatError);
  await expect(p).rejects.toThrow(pattern);
}

// ---------------------------------------------------------------------------------------------
// A minimal tar writer, to build the archives GNU tar would refuse to write.

interface HeaderSpec {
  name: string;
  size?: number;
  type?: string;
  linkname?: string;
  prefix?: string;
  mode?: number;
  gnu?: boolean;
  /** Raw bytes for the 12-byte size field (base-256, odd spacing). */
  sizeField?: number[];
}

function octal(h: Uint8Array, at: number, width: number, v: number): void {
  h.set(enc.encode(`${v.toString(8).padStart(width - 1, '0')}\0`), at);
}

function header(s: HeaderSpec): Uint8Array {
  const h = new Uint8Array(512);
  h.set(enc.encode(s.name).subarray(0, 100), 0);
  octal(h, 100, 8, s.mode ?? 0o644);
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  if (s.sizeField) h.set(s.sizeField, 124);
  else octal(h, 124, 12, s.size ?? 0);
  octal(h, 136, 12, 0);
  h[156] = (s.type ?? '0').charCodeAt(0);
  if (s.linkname) h.set(enc.encode(s.linkname), 157);
  h.set(enc.encode(s.gnu ? 'ustar  \0' : 'ustar\u000000'), 257);
  if (s.prefix) h.set(enc.encode(s.prefix), 345);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.set(enc.encode(`${sum.toString(8).padStart(6, '0')}\0 `), 148);
  return h;
}

function padded(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(data.length / 512) * 512);
  out.set(data);
  return out;
}

/** One member: its header and data, padded. */
function member(s: HeaderSpec, data: Uint8Array | string = new Uint8Array(0)): Uint8Array[] {
  const bytes = typeof data === 'string' ? enc.encode(data) : data;
  return [header({ size: bytes.length, ...s }), padded(bytes)];
}

function paxRecords(kv: Record<string, string>): Uint8Array {
  let s = '';
  for (const [k, v] of Object.entries(kv)) {
    // The length counts bytes (UTF-8), its own digits included.
    const body = ` ${k}=${v}\n`;
    const n = enc.encode(body).length;
    let len = n + 1;
    while (String(len).length + n !== len) len = String(len).length + n;
    s += `${len}${body}`;
  }
  return enc.encode(s);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** An archive: the members, then the two zero blocks. */
function tarOf(...members: Uint8Array[][]): Uint8Array {
  return concat([...members.flat(), new Uint8Array(1024)]);
}

// ---------------------------------------------------------------------------------------------

describe('readTar on archives made by GNU tar', () => {
  let dir: string;
  const longDir = `deep/${'a'.repeat(90)}`;
  const longName = `${longDir}/${'b'.repeat(90)}.bin`; // 190 chars: ustar splits it with the prefix
  const veryLong = `${'p'.repeat(200)}/${'q'.repeat(200)}`; // 401 chars: GNU and pax only
  const blocks = new Uint8Array(1537).map((_, i) => (i * 31 + 7) & 0xff);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-tar-'));
    const src = join(dir, 'src');
    mkdirSync(join(src, 'dir'), { recursive: true });
    writeFileSync(join(src, 'dir', 'hello.txt'), 'hello\n', { mode: 0o640 });
    writeFileSync(join(src, 'empty.txt'), '');
    writeFileSync(join(src, 'blocks.bin'), blocks, { mode: 0o755 });
    writeFileSync(join(src, 'café.txt'), 'é');
    mkdirSync(join(src, longDir), { recursive: true });
    writeFileSync(join(src, longName), blocks.subarray(0, 700));
    mkdirSync(join(src, 'p'.repeat(200)));
    writeFileSync(join(src, veryLong), 'very long\n');
    symlinkSync('dir/hello.txt', join(src, 'link'));
    symlinkSync(longName, join(src, 'longlink'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const names = (format: string): string[] => {
    const base = ['dir', 'dir/hello.txt', 'empty.txt', 'blocks.bin', 'café.txt', 'link', longName];
    return format === 'ustar' ? base : [...base, veryLong, 'longlink'];
  };

  function makeTar(format: string, extra: string[] = []): Uint8Array {
    const out = join(dir, `${format}.tar`);
    execFileSync('tar', [
      `--format=${format}`,
      '--no-recursion',
      ...extra,
      '-cf',
      out,
      '-C',
      join(dir, 'src'),
      ...names(format),
    ]);
    return readFileSync(out);
  }

  function checkEntries(entries: TarEntry[], format: string): void {
    expect(entries.map((e) => e.name)).toEqual(names(format));
    for (const e of entries) {
      const p = join(dir, 'src', e.name);
      const st = lstatSync(p);
      expect(e.mode, e.name).toBe(st.mode & 0o7777);
      if (st.isDirectory()) {
        expect(e.type).toBe('directory');
        expect(e.size).toBe(0);
      } else if (st.isSymbolicLink()) {
        expect(e.type).toBe('symlink');
        expect(e.linkName).toBe(readlinkSync(p));
        expect(e.data.length).toBe(0);
      } else {
        expect(e.type, e.name).toBe('file');
        expect(e.size).toBe(st.size);
        expect(Buffer.from(e.data).equals(readFileSync(p)), e.name).toBe(true);
      }
    }
  }

  for (const format of ['ustar', 'gnu', 'pax'] as const) {
    it.skipIf(!GNU_TAR)(`reads --format=${format}: names, types, modes, bytes, links`, () => {
      const tar = makeTar(format);
      const entries = readTar(tar);
      checkEntries(entries, format);
      // Data are views into the archive, not copies.
      const file = entries.find((e) => e.name === 'blocks.bin')!;
      expect(file.data.buffer).toBe(tar.buffer);
    });
  }

  it.skipIf(!GNU_TAR)('honours a pax global header (and ignores its unknown keys)', () => {
    const tar = makeTar('pax', ['--pax-option=comment=made for tessera']);
    // The archive starts with the 'g' header GNU tar wrote.
    expect(String.fromCharCode(tar[156]!)).toBe('g');
    checkEntries(readTar(tar), 'pax');
  });

  it.skipIf(!GNU_TAR)('streams entries with forEachTarEntry and stops when asked', () => {
    const tar = makeTar('gnu');
    const seen: string[] = [];
    const n = forEachTarEntry(tar, (e, i) => {
      seen.push(`${i}:${e.name}`);
      return e.name !== 'empty.txt';
    });
    expect(n).toBe(3);
    expect(seen).toEqual(['0:dir', '1:dir/hello.txt', '2:empty.txt']);
  });

  it.skipIf(!GNU_TAR)('extractTar writes files and directories, skips links', async () => {
    makeTar('gnu');
    execFileSync('sh', [
      '-c',
      `gzip -9 -c '${join(dir, 'gnu.tar')}' > '${join(dir, 'gnu.tar.gz')}'`,
    ]);
    const gz = readFileSync(join(dir, 'gnu.tar.gz'));
    expect(isGzip(gz)).toBe(true);
    const dest = join(dir, 'out');
    const r = await extractTar(gz, dest);
    expect(r).toEqual({ files: 6, directories: 1, skipped: ['link', 'longlink'] });
    for (const name of [
      'dir/hello.txt',
      'empty.txt',
      'blocks.bin',
      'café.txt',
      longName,
      veryLong,
    ]) {
      expect(
        readFileSync(join(dest, name)).equals(readFileSync(join(dir, 'src', name))),
        name,
      ).toBe(true);
    }
    expect(existsSync(join(dest, 'link'))).toBe(false);
    expect(lstatSync(join(dest, 'blocks.bin')).mode & 0o777).toBe(0o755);
    // Extracting again overwrites in place.
    await extractTar(gz, dest);
    expect(readFileSync(join(dest, 'dir/hello.txt'), 'utf8')).toBe('hello\n');
  });
});

describe('readTar: header details', () => {
  it('reads base-256 and space-padded octal sizes', () => {
    const b256 = [0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5];
    const spaced = [...enc.encode('      5 \0\0\0\0')];
    for (const sizeField of [b256, spaced]) {
      const tar = tarOf(member({ name: 'f', sizeField }, 'hello'));
      const [e] = readTar(tar);
      expect(e!.size).toBe(5);
      expect(dec.decode(e!.data)).toBe('hello');
    }
    const negative = [0xff, ...new Array(11).fill(0xff)];
    expectFormatError(
      () => readTar(tarOf(member({ name: 'f', sizeField: negative }, 'x'))),
      /negative size/,
    );
    const junk = [...enc.encode('12x45\0\0\0\0\0\0\0')];
    expectFormatError(
      () => readTar(tarOf(member({ name: 'f', sizeField: junk }, 'x'))),
      /malformed size field/,
    );
  });

  it('joins the ustar prefix, maps v7 directories and other types', () => {
    const tar = tarOf(
      member({ name: 'file.txt', prefix: 'some/where' }, 'x'),
      member({ name: 'olddir/', type: '\0' }),
      member({ name: 'hard', type: '1', linkname: 'some/where/file.txt' }),
      member({ name: 'dev', type: '3' }),
      member({ name: 'fifo', type: '6' }),
      member({ name: 'contig', type: '7' }, 'abc'),
    );
    const es = readTar(tar);
    expect(es.map((e) => [e.name, e.type, e.typeflag])).toEqual([
      ['some/where/file.txt', 'file', '0'],
      ['olddir', 'directory', '\0'],
      ['hard', 'other', '1'],
      ['dev', 'other', '3'],
      ['fifo', 'other', '6'],
      ['contig', 'file', '7'],
    ]);
    expect(es[2]!.linkName).toBe('some/where/file.txt');
    // The old GNU magic has no prefix field: those bytes are not part of the name.
    const gnu = tarOf(member({ name: 'x.txt', prefix: 'ignored', gnu: true }, 'y'));
    expect(readTar(gnu)[0]!.name).toBe('x.txt');
  });

  it('honours pax path, size and linkpath, local over global, and GNU long names', () => {
    const tar = tarOf(
      member({ name: 'PaxHeaders/g', type: 'g' }, paxRecords({ path: 'global.txt', comment: 'c' })),
      member({ name: 'ignored-by-global' }, 'g'),
      member({ name: 'PaxHeaders/x', type: 'x' }, paxRecords({ path: 'local/é.txt', size: '3' })),
      // The header's size field is wrong on purpose: pax's size wins.
      member({ name: 'short', sizeField: [...enc.encode('00000077777\0')] }, 'abc'),
      member({ name: 'PaxHeaders/x', type: 'x' }, paxRecords({ path: '' })),
      member({ name: 'own-name.txt' }, 'own'),
      member({ name: '././@LongLink', type: 'L' }, `${'n'.repeat(150)}\0`),
      member({ name: 'truncated-name' }, 'long'),
      member(
        { name: 'PaxHeaders/x', type: 'x' },
        paxRecords({ linkpath: `target/${'t'.repeat(120)}` }),
      ),
      member({ name: 'sym', type: '2', linkname: 'short-target' }),
    );
    const es = readTar(tar);
    expect(es.map((e) => [e.name, dec.decode(e.data)])).toEqual([
      ['global.txt', 'g'],
      ['local/é.txt', 'abc'],
      ['own-name.txt', 'own'],
      ['n'.repeat(150), 'long'],
      ['global.txt', ''],
    ]);
    expect(es[4]!.type).toBe('symlink');
    expect(es[4]!.linkName).toBe(`target/${'t'.repeat(120)}`);
  });

  it('applies a pax size to the next real entry, not to a GNU long-name header between', () => {
    const tar = tarOf(
      member({ name: 'h', type: 'x' }, paxRecords({ size: '4' })),
      member({ name: '././@LongLink', type: 'L' }, `${'m'.repeat(120)}\0`),
      member({ name: 'short', sizeField: [...enc.encode('00000000001\0')] }, 'data'),
      member({ name: 'after' }, 'z'),
    );
    const es = readTar(tar);
    expect(es.map((e) => [e.name, dec.decode(e.data)])).toEqual([
      ['m'.repeat(120), 'data'],
      ['after', 'z'],
    ]);
  });

  it('refuses malformed pax headers', () => {
    for (const [body, why] of [
      ['5 a=b\n', /length of 5 that does not fit|does not end/],
      ['x path=a\n', /has no length/],
      ['9 pathab\n', /no key=value/],
      ['99 path=a\n', /does not fit/],
    ] as const) {
      expectFormatError(
        () => readTar(tarOf(member({ name: 'h', type: 'x' }, body), member({ name: 'f' }, 'x'))),
        why,
      );
    }
    expectFormatError(
      () =>
        readTar(
          tarOf(
            member({ name: 'h', type: 'x' }, paxRecords({ size: '-1' })),
            member({ name: 'f' }),
          ),
        ),
      /malformed size '-1'/,
    );
    expectFormatError(
      () => readTar(tarOf(member({ name: 'h', type: 'x' }, paxRecords({ path: 'a' })))),
      /describes no entry/,
    );
  });
});

describe('readTar: hostile archives', () => {
  const good = tarOf(member({ name: 'a.txt' }, 'hello'), member({ name: 'b.txt' }, 'world'));

  it('refuses a bad header checksum', () => {
    const bad = good.slice();
    bad[3] ^= 0x01; // inside the first name
    expectFormatError(() => readTar(bad), /bad header checksum at offset 0/);
    const second = good.slice();
    second[1024 + 100] ^= 0x02;
    expectFormatError(() => readTar(second), /bad header checksum at offset 1024/);
    expectFormatError(() => readTar(enc.encode('x'.repeat(1024))), /checksum field/);
  });

  it('refuses a size beyond the buffer', () => {
    const tar = concat([header({ name: 'big', size: 100_000 }), padded(enc.encode('tiny'))]);
    expectFormatError(() => readTar(tar), /declares 100000 bytes of data but only 512 remain/);
    const huge = concat([
      header({
        name: 'huge',
        sizeField: [0x80, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0],
      }),
      new Uint8Array(1024),
    ]);
    expectFormatError(
      () => readTar(huge),
      /declares 68719476736 bytes of data but only 1024 remain/,
    );
    const beyond = concat([
      header({ name: 'beyond', sizeField: [0x80, ...new Array(11).fill(0xff)] }),
      new Uint8Array(1024),
    ]);
    expectFormatError(() => readTar(beyond), /size too large to read/);
  });

  it('refuses unsafe names, however they are stored', () => {
    for (const name of ['../evil', 'a/../../evil', '/abs', '/etc/passwd', 'a\\b', 'C:/x']) {
      expectFormatError(() => readTar(tarOf(member({ name }, 'x'))), /unsafe entry name/);
      expectFormatError(
        () => readTar(tarOf(member({ name: 'L', type: 'L' }, `${name}\0`), member({ name: 'ok' }))),
        /unsafe entry name/,
      );
      expectFormatError(
        () =>
          readTar(
            tarOf(
              member({ name: 'x', type: 'x' }, paxRecords({ path: name })),
              member({ name: 'ok' }),
            ),
          ),
        /unsafe entry name/,
      );
    }
    expectFormatError(() => readTar(tarOf(member({ name: 'evil', prefix: '..' }))), /'\.\.' path/);
    expectFormatError(
      () =>
        readTar(
          tarOf(
            member({ name: 'x', type: 'x' }, paxRecords({ path: 'a\u0000b' })),
            member({ name: 'ok' }),
          ),
        ),
      /control character/,
    );
    // Symlinks are reported, never followed, whatever they point to.
    const [sym] = readTar(tarOf(member({ name: 'up', type: '2', linkname: '../../etc/passwd' })));
    expect(sym).toMatchObject({ type: 'symlink', linkName: '../../etc/passwd', size: 0 });
  });

  it('refuses truncated archives', () => {
    expectFormatError(() => readTar(good.subarray(0, 700)), /data blocks of 'a\.txt' run past/);
    expectFormatError(() => readTar(good.subarray(0, 515)), /declares 5 bytes of data but only 3/);
    expectFormatError(() => readTar(good.subarray(0, 300)), /header at offset 0 runs past the end/);
    expectFormatError(() => readTar(good.subarray(0, 2048)), /without the end-of-archive block/);
    expectFormatError(() => readTar(new Uint8Array(0)), /ends after 0 entries/);
    // One zero block is enough to end (as GNU tar reads it), and padding after it is ignored.
    expect(readTar(good.subarray(0, 2048 + 512))).toHaveLength(2);
  });

  it('applies maxEntries and maxTotalBytes', () => {
    expect(readTar(good, { maxEntries: 2, maxTotalBytes: 10 })).toHaveLength(2);
    expectFormatError(() => readTar(good, { maxEntries: 1 }), /more than 1 entries \(maxEntries\)/);
    expectFormatError(() => readTar(good, { maxTotalBytes: 9 }), /maxTotalBytes.*'b\.txt'/);
    const longMeta = tarOf(member({ name: 'L', type: 'L' }, new Uint8Array(2 * MiB).fill(0x61)));
    expectFormatError(() => readTar(longMeta), /holds 2097152 bytes, more than the limit/);
  });

  it('refuses entries extractTar would place outside its directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-tar-x-'));
    try {
      await expectFormatErrorAsync(
        extractTar(tarOf(member({ name: '.' }, 'x')), join(dir, 'd1')),
        /outside/,
      );
      // A symbolic link already in the destination must not be written through.
      const outside = join(dir, 'elsewhere');
      mkdirSync(outside);
      mkdirSync(join(dir, 'd2'));
      symlinkSync(outside, join(dir, 'd2', 'sub'));
      await expectFormatErrorAsync(
        extractTar(tarOf(member({ name: 'sub/x.txt' }, 'x')), join(dir, 'd2')),
        /symbolic link leading outside/,
      );
      symlinkSync(join(outside, 'f'), join(dir, 'd2', 'f'));
      await expectFormatErrorAsync(
        extractTar(tarOf(member({ name: 'f' }, 'x')), join(dir, 'd2')),
        /would replace a symbolic link/,
      );
      expect(readdirSync(outside)).toEqual([]);
      // A malformed archive writes nothing: it is read whole before anything is written.
      const bad = tarOf(member({ name: 'first.txt' }, 'x'), member({ name: '../evil' }, 'y'));
      await expectFormatErrorAsync(extractTar(bad, join(dir, 'd3')), /unsafe entry name/);
      expect(existsSync(join(dir, 'd3', 'first.txt'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('readTar / gunzipBounded on mutated bytes', () => {
  const base = tarOf(
    member({ name: 'PaxHeaders/x', type: 'x' }, paxRecords({ path: 'p/é.txt', size: '3' })),
    member({ name: 'p' }, 'abc'),
    member({ name: 'L', type: 'L' }, `${'l'.repeat(130)}\0`),
    member({ name: 'x' }, 'long'),
    member({ name: 'd/', type: '5' }),
    member({ name: 's', type: '2', linkname: 'p' }),
  );
  const gz = gzipSync(base);

  it('gives only FormatErrors, whatever bytes are edited or cut', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(base, gz),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(),
        (bytes, edits, cut) => {
          const b = bytes.slice(0, bytes.length - (cut % 600));
          for (const [i, v] of edits) b[i % b.length] = v;
          try {
            readTar(isGzip(b) ? gunzipBounded(b, 1 << 20) : b);
          } catch (e) {
            if (!(e instanceof FormatError)) throw e;
          }
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });
});

describe('gunzipBounded', () => {
  const data = new Uint8Array(300_000).map((_, i) => (i * 7) % 251);
  const gz = gzipSync(data);

  it('inflates single and concatenated members, checking each trailer', () => {
    expect(isGzip(gz)).toBe(true);
    expect(isGzip(data)).toBe(false);
    expect(gunzipBounded(gz, data.length)).toEqual(data);
    const two = concat([gz, gzipSync(data.subarray(0, 1000)), zlibGzip(new Uint8Array(0))]);
    const out = gunzipBounded(two, 1 << 20);
    expect(out.length).toBe(301_000);
    expect(out.subarray(300_000)).toEqual(data.subarray(0, 1000));
    expect(gunzipBounded(zlibGzip(new Uint8Array(0)), 0)).toEqual(new Uint8Array(0));
  });

  it('refuses corrupted, truncated and non-gzip data', () => {
    const badCrc = gz.slice();
    badCrc[badCrc.length - 6]! ^= 1;
    expectFormatError(() => gunzipBounded(badCrc, 1 << 20), /member 1 is corrupted \(CRC-32/);
    const badLen = gz.slice();
    new DataView(badLen.buffer).setUint32(badLen.length - 4, 12345, true);
    expectFormatError(() => gunzipBounded(badLen, 1 << 20), /trailer says 12345/);
    expectFormatError(() => gunzipBounded(gz.subarray(0, gz.length - 100), 1 << 20), /truncated/);
    expectFormatError(() => gunzipBounded(gz.subarray(0, gz.length - 3), 1 << 20), /trailer|CRC/);
    expectFormatError(() => gunzipBounded(gz.subarray(0, 12), 1 << 20), /truncated gzip data/);
    expectFormatError(() => gunzipBounded(data, 1 << 20), /not gzip data/);
    const badMember = concat([gz, gz.subarray(0, 40)]);
    expectFormatError(() => gunzipBounded(badMember, 1 << 20), /truncated|corrupted/);
    expectFormatError(() => gunzipBounded(gz, -1), /maxBytes must be/);
  });

  it('refuses gzip bombs quickly, within the limit', () => {
    const limit = 10 * MiB;
    // 200 MB of zeros in one member: inflation stops at the limit.
    const bomb = zlibGzip(new Uint8Array(200 * MiB), { level: 9 });
    const t1 = performance.now();
    expect(bomb.length).toBeLessThan(1 * MiB);
    expectFormatError(
      () => gunzipBounded(bomb, limit),
      /more than the limit of 10485760.*gzip bomb/,
    );
    // The same bomb with a trailer that lies: stopped by the streaming check.
    const liar = bomb.slice();
    new DataView(liar.buffer).setUint32(liar.length - 4, 1000, true);
    expectFormatError(
      () => gunzipBounded(liar, limit),
      /more than the limit of 10485760.*gzip bomb/,
    );
    // 200 members of 1 MB each: every trailer is small, the total is not.
    const one = zlibGzip(new Uint8Array(MiB), { level: 9 });
    const many = concat(new Array(200).fill(one));
    expectFormatError(() => gunzipBounded(many, limit), /gzip bomb/);
    const t2 = performance.now();
    // Compressing the bomb took t1 - t0; refusing it all three ways must be quick.
    expect(t2 - t1).toBeLessThan(5000);
  });
});

describe.skipIf(!existsSync(IMDB))('the raw IMDB reviews (aclImdb_train_test.tar.gz)', () => {
  it('gunzips within bounds and holds 4 x 12,500 reviews', () => {
    const gz = readFileSync(IMDB);
    expect(isGzip(gz)).toBe(true);
    expectFormatError(() => gunzipBounded(gz, 10 * MiB), /limit of 10485760/);
    const tar = gunzipBounded(gz, 512 * MiB);
    expect(tar.length).toBe(110_663_680);
    const perFolder = new Map<string, number>();
    let reviewBytes = 0;
    let dirs = 0;
    let first = '';
    const others: string[] = [];
    const n = forEachTarEntry(tar, (e) => {
      if (e.type === 'directory') {
        dirs++;
        return;
      }
      expect(e.type).toBe('file');
      const m = /^aclImdb\/(train|test)\/(pos|neg)\/\d+_\d+\.txt$/.exec(e.name);
      if (!m) {
        others.push(e.name);
        return;
      }
      const key = `${m[1]}/${m[2]}`;
      perFolder.set(key, (perFolder.get(key) ?? 0) + 1);
      reviewBytes += e.size;
      if (e.name === 'aclImdb/train/pos/576_10.txt') first = dec.decode(e.data);
    });
    expect(Object.fromEntries(perFolder)).toEqual({
      'train/pos': 12_500,
      'train/neg': 12_500,
      'test/pos': 12_500,
      'test/neg': 12_500,
    });
    expect(others.sort()).toEqual([
      'aclImdb/README',
      'aclImdb/imdb.vocab',
      'aclImdb/imdbEr.txt',
      'aclImdb/test/urls_neg.txt',
      'aclImdb/test/urls_pos.txt',
      'aclImdb/train/urls_neg.txt',
      'aclImdb/train/urls_pos.txt',
      'aclImdb/train/urls_unsup.txt',
    ]);
    expect(dirs).toBe(7);
    expect(n).toBe(50_015);
    // The README's figure for the review text, and Keras's first training review.
    expect(reviewBytes).toBe(65_483_508);
    expect(first.startsWith('this film was just brilliant,casting,location scenery')).toBe(true);
  });
});
