/**
 * csvDataset from the browser's sources, in Node 20 (which has them): a Blob, a File, a URL or
 * `{ url }` fetched from a local server, and a Response give the records `{ text }` gives; a
 * character split across chunks decodes whole; a 404 names the URL and the status; the bytes
 * are read as a stream (the first batch comes before the rest is read); a file path in a
 * browser is refused with what to pass instead.
 */
import { File } from 'node:buffer';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ValueError } from '../errors.js';
import { DownloadError } from '../io/get_file.js';
import type { StringTensor } from '../tensor/string_tensor.js';
import type { Tensor } from '../tensor/tensor.js';
import { type CsvSource, csvDataset } from './csv.js';

const plain = (e: unknown): unknown => {
  if (e && typeof e === 'object' && 'stringsSync' in (e as object))
    return (e as StringTensor).arraySync();
  if (e && typeof e === 'object' && 'dataSync' in (e as object)) {
    const t = e as Tensor;
    return t.rank === 0 ? t.dataSync()[0] : t.arraySync();
  }
  if (Array.isArray(e)) return e.map(plain);
  return Object.fromEntries(Object.entries(e as object).map(([k, v]) => [k, plain(v)]));
};

// Two-, three- and four-byte UTF-8 characters in a string column.
const text = 'name,x,y\nnaïve,1,2.5\n€uro,3,-4\n🙂 ok,5,6\n';
const expected = [
  { name: 'naïve', x: 1, y: 2.5 },
  { name: '€uro', x: 3, y: -4 },
  { name: '🙂 ok', x: 5, y: 6 },
];
const opts = { columnTypes: { name: 'string' } } as const;
const bytes = new TextEncoder().encode(text);
const rows = async (source: CsvSource) => (await csvDataset(source, opts).toArray()).map(plain);

/** A byte stream that gives `data` in pieces of `size` bytes, counting the pieces pulled. */
function pieces(data: Uint8Array, size: number) {
  const state = { pulled: 0, cancelled: false };
  let at = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(ctl) {
      if (at >= data.length) return ctl.close();
      state.pulled++;
      ctl.enqueue(data.slice(at, at + size));
      at += size;
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

let server: Server;
let base: string;
// What the server does for the streaming test: send this much, then wait for the test.
let release: () => void = () => undefined;
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/data.csv') {
      res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8' });
      res.end(Buffer.from(bytes));
    } else if (req.url === '/slow.csv') {
      res.writeHead(200, { 'content-type': 'text/csv' });
      res.write('a,b\n1,2\n3,4\n');
      // The rest only once the test has its first batch: a reader that waited for the whole
      // body would never get one.
      new Promise<void>((r) => {
        release = r;
      }).then(() => res.end('5,6\n'));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('no such file');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('csvDataset from browser sources', () => {
  it('reads a Blob, a File, a URL, { url } and a Response as it reads { text }', async () => {
    expect(await rows({ text })).toEqual(expected);
    expect(await rows(new Blob([bytes]))).toEqual(expected);
    expect(await rows(new File([bytes], 'data.csv', { type: 'text/csv' }) as Blob)).toEqual(
      expected,
    );
    expect(await rows(new URL(`${base}/data.csv`))).toEqual(expected);
    expect(await rows({ url: `${base}/data.csv` })).toEqual(expected);
    expect(await rows(await fetch(`${base}/data.csv`))).toEqual(expected);
    expect(await rows(new Response(bytes))).toEqual(expected);
  });

  it('reads a Blob or URL again at every iteration, a Response once', async () => {
    const blob = csvDataset(new Blob([bytes]), opts);
    expect((await blob.toArray()).map(plain)).toEqual(expected);
    expect((await blob.toArray()).map(plain)).toEqual(expected);
    const url = csvDataset({ url: `${base}/data.csv` }, opts);
    expect((await url.toArray()).map(plain)).toEqual(expected);
    expect((await url.toArray()).map(plain)).toEqual(expected);
    const res = csvDataset(new Response(bytes), opts);
    expect((await res.toArray()).map(plain)).toEqual(expected);
    await expect(res.toArray()).rejects.toThrow(/already read.*pass its URL/);
  });

  it('decodes characters split across chunks of any size', async () => {
    // One byte per chunk splits every multi-byte character; 3 and 5 split them elsewhere.
    for (const size of [1, 2, 3, 5]) {
      expect(await rows(new Response(pieces(bytes, size).stream))).toEqual(expected);
      // A Blob whose stream gives the same small pieces: read through blob.stream().
      const blob = new (class extends Blob {
        override stream() {
          return pieces(bytes, size).stream as ReturnType<Blob['stream']>;
        }
      })([]);
      expect(await rows(blob)).toEqual(expected);
    }
  });

  it('names the URL and the status of a failed download', async () => {
    const url = `${base}/missing.csv`;
    const err = await rows({ url }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect((err as Error).message).toBe(
      `csvDataset: ${url} answered HTTP 404 Not Found; expected 2xx`,
    );
    await expect(rows(new URL(url))).rejects.toThrow(`${url} answered HTTP 404`);
    await expect(rows(await fetch(url))).rejects.toThrow(`${url} answered HTTP 404`);
    // Nothing listens on port 1: the network error is a DownloadError too.
    await expect(rows({ url: 'http://127.0.0.1:1/x.csv' })).rejects.toThrow(
      /could not fetch http:\/\/127\.0\.0\.1:1\/x\.csv/,
    );
  });

  it('streams a Blob: the first batch comes after a few chunks, not the whole file', async () => {
    // 2000 rows of 'i,2i\n' (8–11 bytes each) in 64-byte pieces: about 300 pieces in all.
    let csv = 'a,b\n';
    for (let i = 0; i < 2000; i++) csv += `${i},${2 * i}\n`;
    const data = new TextEncoder().encode(csv);
    let state = { pulled: 0, cancelled: false };
    const blob = new (class extends Blob {
      override stream() {
        const p = pieces(data, 64);
        state = p.state;
        return p.stream as ReturnType<Blob['stream']>;
      }
    })([]);
    const it = csvDataset(blob, { batchSize: 4 })[Symbol.asyncIterator]();
    const first = await it.next();
    // Rows 0–3: 'a,b\n0,0\n1,2\n2,4\n3,6\n' is 20 bytes, in the first piece.
    expect(plain(first.value)).toEqual({ a: [0, 1, 2, 3], b: [0, 2, 4, 6] });
    // The stream pulls ahead by its queue (one piece) at most.
    expect(state.pulled).toBeLessThanOrEqual(3);
    await it.return?.();
    // Stopping early cancels the stream (a fetch would stop downloading).
    expect(state.cancelled).toBe(true);
    // Read whole, the same stream gives every row: 2000 rows in 500 batches.
    const all = await csvDataset(blob, { batchSize: 4 }).toArray();
    expect(all.length).toBe(500);
    expect(state.pulled).toBe(Math.ceil(data.length / 64));
    expect(plain(all[499])).toEqual({ a: [1996, 1997, 1998, 1999], b: [3992, 3994, 3996, 3998] });
  });

  it('streams a download: the first batch comes before the server has sent the rest', async () => {
    const it = csvDataset({ url: `${base}/slow.csv` }, { batchSize: 2 })[Symbol.asyncIterator]();
    // Had the body been read whole, this would wait for the server, which waits for it.
    const first = await it.next();
    expect(plain(first.value)).toEqual({ a: [1, 3], b: [2, 4] });
    release();
    const second = await it.next();
    expect(plain(second.value)).toEqual({ a: [5], b: [6] });
    expect((await it.next()).done).toBe(true);
  }, 5000);

  it('refuses a file path in a browser, saying what to pass', () => {
    // A browser has no process.versions.node; csvDataset checks the path as it is called.
    vi.stubGlobal('process', { ...process, versions: {} });
    let err: unknown;
    try {
      csvDataset('data/housing.csv');
    } catch (e) {
      err = e;
    } finally {
      vi.unstubAllGlobals();
    }
    expect(err).toBeInstanceOf(ValueError);
    expect((err as Error).message).toBe(
      "csvDataset: 'data/housing.csv' is a file path, readable only in Node; in a browser pass a URL, { url }, File, Blob or Response",
    );
  });

  it('names a File in its errors', async () => {
    const file = new File([new TextEncoder().encode('a,b\n1\n')], 'short.csv') as Blob;
    await expect(csvDataset(file).toArray()).rejects.toThrow(
      'csvDataset: short.csv: row 1 has 1 fields; the header has 2',
    );
  });
});
