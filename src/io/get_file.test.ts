/**
 * getFile against a local HTTP server on 127.0.0.1 (nothing is downloaded from the internet):
 * the download, the cache, both hash algorithms, a hash that does not match (the download is
 * removed), a stale cached copy, resuming an interrupted download with a byte range, server
 * errors, and extracting zip and tar.gz archives.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ValueError } from '../errors.js';
import { DownloadError, getFile } from './get_file.js';
import { writeZip } from './zip.js';

const payload = new Uint8Array(50_000).map((_, i) => (i * 31 + 7) & 255);
const sha256 = createHash('sha256').update(payload).digest('hex');
const md5 = createHash('md5').update(payload).digest('hex');

let server: Server;
let base = '';
const requests: { url: string; range: string | undefined }[] = [];
/** How many requests to /flaky still break after 20,000 bytes. */
let flakyBreaks = 0;
const files = new Map<string, Uint8Array>();

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', range: req.headers.range });
    const url = req.url ?? '';
    const key = url.replace(/^\/(data|flaky|norange)\//, '/');
    const body =
      files.get(key) ??
      (url.startsWith('/data') || url.startsWith('/flaky') || url.startsWith('/norange')
        ? payload
        : null);
    if (!body) {
      res.writeHead(404, 'Not Found');
      res.end('missing');
      return;
    }
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (m && !url.startsWith('/norange')) {
      const from = Number(m[1]);
      res.writeHead(206, {
        'content-range': `bytes ${from}-${body.length - 1}/${body.length}`,
        'content-length': String(body.length - from),
      });
      res.end(Buffer.from(body.subarray(from)));
      return;
    }
    res.writeHead(200, { 'content-length': String(body.length) });
    if (url.startsWith('/flaky') && flakyBreaks > 0) {
      flakyBreaks--;
      // Give the client time to take the bytes before the connection drops.
      res.write(Buffer.from(body.subarray(0, 20_000)), () =>
        setTimeout(() => res.socket?.destroy(), 150),
      );
      return;
    }
    res.end(Buffer.from(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

let cache = '';
beforeEach(() => {
  cache = mkdtempSync(join(tmpdir(), 'tessera-getfile-'));
  requests.length = 0;
  return () => rmSync(cache, { recursive: true, force: true });
});

const quiet = { verbose: 0 as const };

describe('getFile', () => {
  it('downloads once into the cache, then serves the cached copy', async () => {
    const p = await getFile('a.bin', `${base}/data/a.bin`, {
      cacheDir: cache,
      fileHash: sha256,
      ...quiet,
    });
    expect(p).toBe(join(cache, 'datasets', 'a.bin'));
    expect(new Uint8Array(readFileSync(p))).toEqual(payload);
    const again = await getFile('a.bin', `${base}/data/a.bin`, {
      cacheDir: cache,
      fileHash: md5,
      ...quiet,
    });
    expect(again).toBe(p);
    expect(requests).toHaveLength(1);
    // The name defaults to the URL's last segment; cacheSubdir picks the folder.
    const q = await getFile(null, `${base}/data/b.bin`, {
      cacheDir: cache,
      cacheSubdir: 'x',
      ...quiet,
    });
    expect(q).toBe(join(cache, 'x', 'b.bin'));
  });

  it('honours TESSERA_HOME when no cacheDir is given', async () => {
    const before = process.env.TESSERA_HOME;
    process.env.TESSERA_HOME = cache;
    try {
      expect(await getFile('c.bin', `${base}/data/c.bin`, quiet)).toBe(
        join(cache, 'datasets', 'c.bin'),
      );
    } finally {
      if (before === undefined) Reflect.deleteProperty(process.env, 'TESSERA_HOME');
      else process.env.TESSERA_HOME = before;
    }
  });

  it('refuses and removes a download whose hash does not match; nothing is left in the cache', async () => {
    const wrong = '0'.repeat(64);
    await expect(
      getFile('d.bin', `${base}/data/d.bin`, { cacheDir: cache, fileHash: wrong, ...quiet }),
    ).rejects.toThrow(
      /incomplete or corrupted: its sha256 hash is [0-9a-f]{64}, expected 0{64}; the download was removed/,
    );
    expect(existsSync(join(cache, 'datasets', 'd.bin'))).toBe(false);
    expect(existsSync(join(cache, 'datasets', 'd.bin.part'))).toBe(false);
    await expect(
      getFile('d.bin', `${base}/data/d.bin`, { cacheDir: cache, fileHash: 'abc' }),
    ).rejects.toThrow(ValueError);
  });

  it('downloads again when the cached copy does not match its hash', async () => {
    const dir = join(cache, 'datasets');
    await getFile('e.bin', `${base}/data/e.bin`, { cacheDir: cache, ...quiet });
    writeFileSync(join(dir, 'e.bin'), 'stale');
    const lines: string[] = [];
    const p = await getFile('e.bin', `${base}/data/e.bin`, {
      cacheDir: cache,
      fileHash: sha256,
      out: { write: (s: string) => lines.push(s) },
    });
    expect(new Uint8Array(readFileSync(p))).toEqual(payload);
    expect(lines.join('')).toMatch(/hash does not match .*downloading it again/);
    expect(lines.join('')).toMatch(/Downloading data from http:\/\/127.0.0.1/);
    expect(requests).toHaveLength(2);
  });

  it('resumes an interrupted download from the bytes it kept', async () => {
    flakyBreaks = 1;
    const url = `${base}/flaky/f.bin`;
    const err = await getFile('f.bin', url, { cacheDir: cache, fileHash: sha256, ...quiet }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DownloadError);
    expect((err as Error).message).toMatch(
      /URL fetch failure on http.*flaky\/f.bin: .*20000 .*run again to resume/,
    );
    const part = join(cache, 'datasets', 'f.bin.part');
    expect(readFileSync(part).length).toBe(20_000);
    expect(existsSync(join(cache, 'datasets', 'f.bin'))).toBe(false);
    const p = await getFile('f.bin', url, { cacheDir: cache, fileHash: sha256, ...quiet });
    expect(requests.at(-1)!.range).toBe('bytes=20000-');
    expect(new Uint8Array(readFileSync(p))).toEqual(payload);
    expect(existsSync(part)).toBe(false);
  });

  it('starts over when the server ignores the byte range', async () => {
    const dir = join(cache, 'datasets');
    await getFile('g.bin', `${base}/data/g.bin`, { cacheDir: cache, ...quiet });
    writeFileSync(join(dir, 'h.bin.part'), Buffer.from(payload.subarray(0, 100)));
    const p = await getFile('h.bin', `${base}/norange/h.bin`, {
      cacheDir: cache,
      fileHash: sha256,
      ...quiet,
    });
    expect(new Uint8Array(readFileSync(p))).toEqual(payload);
  });

  it('reports a server error with its status and the URL, leaving nothing behind', async () => {
    await expect(
      getFile('nope.bin', `${base}/missing/nope.bin`, { cacheDir: cache, ...quiet }),
    ).rejects.toThrow(
      /getFile: URL fetch failure on http:\/\/127.0.0.1:\d+\/missing\/nope.bin: HTTP 404 Not Found/,
    );
    expect(existsSync(join(cache, 'datasets', 'nope.bin'))).toBe(false);
    await expect(
      getFile('n.bin', 'http://127.0.0.1:1/n.bin', { cacheDir: cache, ...quiet }),
    ).rejects.toThrow(DownloadError);
    await expect(getFile('../up.bin', `${base}/data/x`, { cacheDir: cache })).rejects.toThrow(
      /fname must be a file name, not a path/,
    );
  });

  it('extracts a zip and a tar.gz into <name>_extracted (Keras’s folder), once', async () => {
    files.set(
      '/arch.zip',
      writeZip({
        'top/a.txt': new TextEncoder().encode('alpha'),
        'b.txt': new TextEncoder().encode('beta'),
      }),
    );
    const src = mkdtempSync(join(tmpdir(), 'tessera-tar-'));
    try {
      writeFileSync(join(src, 'one.txt'), 'one');
      execFileSync('tar', ['-czf', join(src, 'arch.tar.gz'), '-C', src, 'one.txt']);
      files.set('/arch.tar.gz', new Uint8Array(readFileSync(join(src, 'arch.tar.gz'))));
    } finally {
      rmSync(src, { recursive: true, force: true });
    }
    const z = await getFile('arch.zip', `${base}/data/arch.zip`, {
      cacheDir: cache,
      extract: true,
      ...quiet,
    });
    expect(z).toBe(join(cache, 'datasets', 'arch_extracted'));
    expect(readFileSync(join(z, 'top', 'a.txt'), 'utf8')).toBe('alpha');
    const t = await getFile('tarred.tar.gz', `${base}/data/arch.tar.gz`, {
      cacheDir: cache,
      extract: true,
      ...quiet,
    });
    expect(readFileSync(join(t, 'one.txt'), 'utf8')).toBe('one');
    // Without an extension the archive is kept as <name>_archive and extracted to <name>.
    const u = await getFile('plain', `${base}/data/arch.tar.gz`, {
      cacheDir: cache,
      extract: true,
      ...quiet,
    });
    expect(u).toBe(join(cache, 'datasets', 'plain'));
    expect(existsSync(join(cache, 'datasets', 'plain_archive'))).toBe(true);
    const n = requests.length;
    await getFile('plain', `${base}/data/arch.tar.gz`, {
      cacheDir: cache,
      extract: true,
      ...quiet,
    });
    expect(requests.length).toBe(n);
  });
});
