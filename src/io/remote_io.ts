/**
 * Models from where browsers (and Node's `fetch`) find them: `http(s)://` URLs — a `.keras` or
 * `.h5` file, or a TF.js `model.json` whose weight shards are fetched from beside it — and
 * `File`/`Blob` objects (a dropped `.keras`, or a `model.json` with its shard files). Every
 * read is bounded: a body is refused when its Content-Length, or what it has streamed so far,
 * passes the limit (JSON at {@link MAX_JSON_BYTES}; a TF.js shard at what its manifest
 * group needs), before the rest is read.
 */
import type { Model } from '../models/model.js';
import { FileError, FormatError } from './errors.js';
import { DEFAULT_MAX_FILE_BYTES } from './files.js';
import { MAX_JSON_BYTES, parseJsonBounded } from './keras_config/json.js';
import { type ModelJson, decodeTfjsModel, parseModelJson } from './tfjs_format.js';
import { SHARD_SLACK_BYTES, groupByteLengths, shardPathEscapes } from './weights_manifest.js';

/** Options of the remote and Blob loaders (those of `loadModel`). */
export interface RemoteLoadOptions {
  /** Compile the model with the saved training configuration, when there is one (default true). */
  compile?: boolean;
  /** Refuse a model file larger than this many bytes (default 4 GiB). */
  maxFileBytes?: number;
}

type BytesLoader = (bytes: Uint8Array, opts: RemoteLoadOptions) => Promise<Model>;

/** Whether `s` is an http(s) URL. @example isHttpUrl('https://x/m.keras') // true */
export function isHttpUrl(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

function shortUrl(url: string): string {
  return url.length > 120 ? `${url.slice(0, 120)}…` : url;
}

/**
 * GETs `url` and reads at most `maxBytes` of its body: a larger Content-Length is refused
 * before reading, and a body that streams past the limit is cancelled there.
 */
export async function fetchBounded(
  url: string,
  maxBytes: number,
  what: string,
  op: string,
): Promise<Uint8Array> {
  const f = (globalThis as { fetch?: typeof fetch }).fetch;
  if (!f) throw new FileError(`${op}: this runtime has no fetch() to read ${shortUrl(url)}`, url);
  let res: Response;
  try {
    res = await f(url);
  } catch (err) {
    throw new FileError(
      `${op}: could not fetch ${what} ${shortUrl(url)} (${err instanceof Error ? err.message : String(err)})`,
      url,
    );
  }
  if (!res.ok)
    throw new FileError(
      `${op}: GET ${shortUrl(url)} answered ${res.status} ${res.statusText} (${what})`,
      url,
    );
  const declared = Number(res.headers.get('content-length'));
  const tooBig = (n: number) =>
    new FormatError(
      `${op}: ${what} ${shortUrl(url)} is ${n} bytes or more, over the limit of ${maxBytes}; refused before reading it`,
    );
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel();
    throw tooBig(declared);
  }
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooBig(total);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** A manifest path checked to be relative and inside the model's folder, resolved against `base`. */
function shardUrl(p: string, base: string, where: string): string {
  const shown = JSON.stringify(p.length > 80 ? `${p.slice(0, 80)}…` : p);
  if (p === '' || p.endsWith('/') || shardPathEscapes(p))
    throw new FileError(`${where}: weight path ${shown} leaves the model's folder`, p);
  return new URL(p, base).href;
}

/**
 * A TF.js model from its parsed `model.json` and a shard reader bounded by the manifest: each
 * distinct path read once, with at most what its group still needs (plus a little slack).
 */
async function tfjsFromShards(
  json: ModelJson,
  where: string,
  read: (path: string, maxBytes: number) => Promise<Uint8Array>,
): Promise<Model> {
  const need = groupByteLengths(json.weightsManifest);
  const files = new Map<string, Uint8Array>();
  for (const [gi, g] of json.weightsManifest.entries()) {
    let budget = need[gi]! + SHARD_SLACK_BYTES;
    for (const p of g.paths) {
      const have = files.get(p);
      if (have) {
        budget -= have.length;
        continue;
      }
      const bytes = await read(p, Math.max(0, budget));
      budget -= bytes.length;
      files.set(p, bytes);
    }
  }
  return decodeTfjsModel(json, (p) => {
    const b = files.get(p);
    if (!b) throw new FormatError(`${where}: weight file '${p}' not found`);
    return b;
  });
}

function parseModelJsonBytes(bytes: Uint8Array, where: string): ModelJson {
  return parseModelJson(parseJsonBounded(bytes, where), where);
}

/**
 * A model from an http(s) URL: a TF.js `model.json` (shards fetched relative to it) when the
 * URL's path ends in `.json`, else a `.keras` / `.h5` file fetched whole.
 */
export async function loadModelFromUrl(
  url: string,
  opts: RemoteLoadOptions,
  fromBytes: BytesLoader,
): Promise<Model> {
  const op = 'loadModel';
  const path = new URL(url).pathname;
  if (!path.endsWith('.json')) {
    const bytes = await fetchBounded(
      url,
      opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
      'model file',
      op,
    );
    return fromBytes(bytes, opts);
  }
  const json = parseModelJsonBytes(
    await fetchBounded(url, MAX_JSON_BYTES, 'model.json', op),
    shortUrl(url),
  );
  return tfjsFromShards(json, shortUrl(url), (p, max) =>
    fetchBounded(shardUrl(p, url, shortUrl(url)), max, 'weight shard', op),
  );
}

/** A Blob's or File's name, where it has one. */
function nameOf(b: Blob): string {
  return (b as { name?: string }).name ?? '';
}

/**
 * A model from browser `File`/`Blob` objects: one `.keras` / `.h5` file, or a TF.js
 * `model.json` and its shard files (matched by name, as `tf.io.browserFiles` does).
 */
export async function loadModelFromBlobs(
  blobs: readonly Blob[],
  opts: RemoteLoadOptions,
  fromBytes: BytesLoader,
): Promise<Model> {
  const op = 'loadModel';
  if (blobs.length === 0) throw new FileError(`${op}: no files given`, '');
  const json = blobs.find((b) => nameOf(b).endsWith('.json') || b.type === 'application/json');
  if (!json) {
    if (blobs.length !== 1)
      throw new FileError(
        `${op}: ${blobs.length} files but no model.json among them (${blobs.map(nameOf).join(', ')}); give one .keras/.h5 file, or a model.json with its shards`,
        nameOf(blobs[0]!),
      );
    const b = blobs[0]!;
    const max = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    if (b.size > max)
      throw new FormatError(`${op}: '${nameOf(b)}' is ${b.size} bytes, over the limit of ${max}`);
    return fromBytes(new Uint8Array(await b.arrayBuffer()), opts);
  }
  const where = nameOf(json) || 'model.json';
  if (json.size > MAX_JSON_BYTES)
    throw new FormatError(
      `${op}: ${where} is ${json.size} bytes, over the JSON limit ${MAX_JSON_BYTES}`,
    );
  const model = parseModelJsonBytes(new Uint8Array(await json.arrayBuffer()), where);
  const byName = new Map(blobs.filter((b) => b !== json).map((b) => [nameOf(b), b]));
  return tfjsFromShards(model, where, async (p, max) => {
    // Shards are matched by their file name (a browser gives no folders).
    const file = byName.get(p.split('/').pop()!);
    if (!file)
      throw new FileError(
        `${op}: ${where} lists weight file '${p}', which is not among the files given (${[...byName.keys()].join(', ') || 'none'})`,
        p,
      );
    if (file.size > max)
      throw new FormatError(
        `${op}: weight file '${p}' is ${file.size} bytes, more than its manifest group needs (${max}); refused before reading it`,
      );
    return new Uint8Array(await file.arrayBuffer());
  });
}
