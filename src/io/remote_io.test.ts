/**
 * loadModel from http(s) URLs (a local server on 127.0.0.1) and from File/Blob objects:
 * Keras's .keras file and TF.js's model.json with its shard predict as the same files loaded
 * from disk; bodies are bounded (Content-Length, streamed bytes, the manifest's needs);
 * shard paths stay in the model's folder; errors name the URL, status or file.
 */
import { readFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { tensor } from '../ops/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { FileError, FormatError } from './errors.js';
import { loadModel } from './save_load.js';

const SHARED = '/work/shared/models';
const kerasBytes = readFileSync(`${SHARED}/keras/mlp/mlp.keras`);
const tfjsJson = readFileSync(`${SHARED}/tfjs/mlp/model.json`);
const tfjsBin = readFileSync(`${SHARED}/tfjs/mlp/weights.bin`);
const manifestPath = (JSON.parse(tfjsJson.toString()) as { weightsManifest: { paths: string[] }[] })
  .weightsManifest[0]!.paths[0]!;

/** Routes: path → body (and whether to send a Content-Length). */
const routes = new Map<string, { body: Uint8Array; length?: boolean }>();
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const r = routes.get(req.url ?? '');
    if (!r) {
      res.writeHead(404, 'Not Found');
      res.end();
      return;
    }
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
    if (r.length !== false) headers['content-length'] = String(r.body.length);
    res.writeHead(200, headers);
    // Two writes, so a body without a length arrives chunked.
    const mid = Math.floor(r.body.length / 2);
    res.write(r.body.subarray(0, mid));
    res.end(r.body.subarray(mid));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  routes.set('/m/mlp.keras', { body: kerasBytes });
  routes.set('/m/chunked.keras', { body: kerasBytes, length: false });
  routes.set('/t/model.json', { body: tfjsJson });
  routes.set(`/t/${manifestPath}`, { body: tfjsBin });
});
afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

const x = () => {
  const { inputs } = JSON.parse(readFileSync(`${SHARED}/keras/mlp/input.json`, 'utf8')) as {
    inputs: { shape: number[]; data: number[][] }[];
  };
  return tensor(Float32Array.from(inputs[0]!.data.flat()), inputs[0]!.shape);
};

describe('loadModel from http(s) URLs', () => {
  it("loads Keras's .keras file as from disk (with and without a Content-Length)", async () => {
    const fromDisk = await loadModel(`${SHARED}/keras/mlp/mlp.keras`);
    for (const path of ['/m/mlp.keras', '/m/chunked.keras']) {
      const m = await loadModel(`${base}${path}`);
      expectClose(m.predict(x()) as Tensor, fromDisk.predict(x()) as Tensor, { rtol: 0, atol: 0 });
    }
  });

  it("loads TF.js's model.json with its shard fetched beside it", async () => {
    const fromDisk = await loadModel(`${SHARED}/tfjs/mlp/model.json`);
    const m = await loadModel(`${base}/t/model.json`);
    expectClose(m.predict(x()) as Tensor, fromDisk.predict(x()) as Tensor, { rtol: 0, atol: 0 });
  });

  it('bounds what it reads', async () => {
    await expect(loadModel(`${base}/m/mlp.keras`, { maxFileBytes: 1000 })).rejects.toThrow(
      /is \d+ bytes or more, over the limit of 1000; refused before reading it/,
    );
    await expect(loadModel(`${base}/m/chunked.keras`, { maxFileBytes: 1000 })).rejects.toThrow(
      FormatError,
    );
    // A shard larger than its manifest group needs.
    routes.set('/big/model.json', { body: tfjsJson });
    routes.set(`/big/${manifestPath}`, {
      body: new Uint8Array(tfjsBin.length + 100_000),
      length: false,
    });
    await expect(loadModel(`${base}/big/model.json`)).rejects.toThrow(
      /weight shard .* over the limit/,
    );
  });

  it('keeps shard paths inside the model folder and names failures', async () => {
    const evil = JSON.parse(tfjsJson.toString()) as { weightsManifest: { paths: string[] }[] };
    for (const p of ['../secret.bin', 'https://elsewhere.example/w.bin', '/abs.bin']) {
      evil.weightsManifest[0]!.paths = [p];
      routes.set('/evil/model.json', { body: new TextEncoder().encode(JSON.stringify(evil)) });
      await expect(loadModel(`${base}/evil/model.json`)).rejects.toThrow(
        /leaves the model's folder/,
      );
    }
    await expect(loadModel(`${base}/nothing.keras`)).rejects.toThrow(/answered 404 Not Found/);
    await expect(loadModel(`${base}/nothing.keras`)).rejects.toBeInstanceOf(FileError);
    await expect(loadModel('ftp://host/m.keras')).rejects.toThrow(
      /'ftp:\/\/' sources are not supported/,
    );
    // Browser storage in Node: a FileError naming what is missing.
    await expect(loadModel('indexeddb://my-model')).rejects.toThrow(
      /'indexeddb:\/\/' needs a browser's IndexedDB, which this runtime lacks/,
    );
  });
});

describe('loadModel from File and Blob objects', () => {
  it('loads a .keras File, and a model.json with its shard', async () => {
    const fromDisk = await loadModel(`${SHARED}/keras/mlp/mlp.keras`);
    const m = await loadModel(new File([kerasBytes], 'mlp.keras'));
    expectClose(m.predict(x()) as Tensor, fromDisk.predict(x()) as Tensor, { rtol: 0, atol: 0 });
    const t = await loadModel([
      new File([tfjsJson], 'model.json', { type: 'application/json' }),
      new File([tfjsBin], manifestPath.split('/').pop()!),
    ]);
    expect(t.layers.length).toBe(fromDisk.layers.length);
  });

  it('names what is missing or too large', async () => {
    await expect(loadModel([new File([tfjsJson], 'model.json')])).rejects.toThrow(
      /lists weight file .* which is not among the files given/,
    );
    await expect(
      loadModel([new File([kerasBytes], 'a.keras'), new File([kerasBytes], 'b.keras')]),
    ).rejects.toThrow(/2 files but no model.json among them/);
    await expect(
      loadModel([
        new File([tfjsJson], 'model.json'),
        new File([new Uint8Array(tfjsBin.length + 100_000)], manifestPath.split('/').pop()!),
      ]),
    ).rejects.toThrow(/more than its manifest group needs/);
    await expect(loadModel(new Blob([kerasBytes]), { maxFileBytes: 10 })).rejects.toThrow(
      /over the limit of 10/,
    );
  });
});
