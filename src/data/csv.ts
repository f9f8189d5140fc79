/**
 * `csvDataset`: a {@link Dataset} over the rows of a CSV file, read as a stream (in the spirit
 * of `tf.data.experimental.make_csv_dataset`): named numeric columns, an optional label
 * column, missing values filled from defaults, rows batched straight into tensors.
 */
import { ValueError } from '../errors.js';
import { CsvParser } from '../io/csv.js';
import { DownloadError } from '../io/get_file.js';
import { nodeBuiltin } from '../io/node_builtin.js';
import { tensor } from '../ops/creation.js';
import { StringTensor } from '../tensor/string_tensor.js';
import type { Tensor } from '../tensor/tensor.js';
import { Dataset, UNKNOWN_CARDINALITY } from './dataset.js';
import type { Element } from './structure.js';

/** A column's dtype in a CSV dataset. */
export type CsvColumnType = 'float32' | 'int32' | 'string';

/** Options of {@link csvDataset}. */
export interface CsvDatasetOptions {
  /** The first row names the columns (default true). */
  header?: boolean;
  /** Column names (required without a header; with one, they replace it). */
  columnNames?: readonly string[];
  /** Each column's dtype, by name (default float32). */
  columnTypes?: Readonly<Record<string, CsvColumnType>>;
  /** Keep only these columns (default all), in this order. */
  selectColumns?: readonly string[];
  /** The label column: elements become `[features, label]`. */
  labelName?: string;
  /** Values for missing fields (empty, or equal to `naValue`), by column; without one, a missing field is an error. */
  columnDefaults?: Readonly<Record<string, number>>;
  /** The text that marks a missing value besides the empty field (default none). */
  naValue?: string;
  /** Features as one float32 vector per row (in column order) instead of a record. */
  packFeatures?: boolean;
  /** Rows per element (default: one row per element, scalars per column). */
  batchSize?: number;
  /** Drop a last batch smaller than `batchSize` (default false). */
  dropRemainder?: boolean;
  /** Field delimiter (default `,`). */
  delimiter?: string;
  /** Quote character (default `"`; `''` for none). */
  quoteChar?: string;
}

/**
 * Where CSV text comes from: a file path (Node only), text, chunks of text, a `Blob` or `File`,
 * a `URL` or `{ url }` (fetched), or a `Response`; bytes are read as a stream of UTF-8.
 */
export type CsvSource =
  | string
  | { text: string }
  | { url: string }
  | URL
  | Blob
  | Response
  | AsyncIterable<string>
  | Iterable<string>;

/** Whether this is Node (a path can be read) rather than a browser or worker. */
function inNode(): boolean {
  return !!(globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node;
}

/** The source's name in messages. */
function nameOf(source: CsvSource): string {
  if (typeof source === 'string') return source;
  if (typeof File !== 'undefined' && source instanceof File) return source.name || 'File';
  if (typeof Blob !== 'undefined' && source instanceof Blob) return 'Blob';
  if (typeof Response !== 'undefined' && source instanceof Response)
    return source.url || 'Response';
  if (source instanceof URL) return source.href;
  if (typeof (source as { url?: unknown }).url === 'string') return (source as { url: string }).url;
  return 'CSV text';
}

/**
 * Text chunks of a byte stream, decoded as UTF-8 a chunk at a time: the decoder keeps a
 * character split across chunks until its last byte comes, and nothing holds the whole file.
 */
async function* decodeStream(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  const reader = stream.getReader();
  let done = false;
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      const text = decoder.decode(r.value, { stream: true });
      if (text) yield text;
    }
    done = true;
    const tail = decoder.decode();
    if (tail) yield tail;
  } finally {
    // Stopped early (an error, or the dataset's consumer stopped): stop the download too.
    if (!done) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/** A fetched body's text chunks; a status outside 200–299 is an error naming the URL. */
async function* responseChunks(res: Response, name: string): AsyncGenerator<string> {
  if (!res.ok) {
    // Nothing will read the error page: let the connection go.
    await res.body?.cancel().catch(() => undefined);
    throw new DownloadError(
      `csvDataset: ${name} answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}; expected 2xx`,
    );
  }
  if (res.bodyUsed)
    throw new ValueError(
      `csvDataset: the Response from ${name} was already read (a body is read once); pass its URL to read it at every iteration`,
    );
  if (res.body) yield* decodeStream(res.body);
}

async function* chunksOf(source: CsvSource, name: string): AsyncGenerator<string> {
  if (typeof source === 'string') {
    const { createReadStream } = await nodeBuiltin<typeof import('node:fs')>('fs');
    const stream = createReadStream(source, { encoding: 'utf8', highWaterMark: 1 << 16 });
    for await (const chunk of stream) yield chunk as string;
    return;
  }
  if (typeof Blob !== 'undefined' && source instanceof Blob) {
    yield* decodeStream(source.stream());
    return;
  }
  if (typeof Response !== 'undefined' && source instanceof Response) {
    yield* responseChunks(source, name);
    return;
  }
  if (source instanceof URL || typeof (source as { url?: unknown }).url === 'string') {
    let res: Response;
    try {
      res = await fetch(source instanceof URL ? source : (source as { url: string }).url);
    } catch (err) {
      throw new DownloadError(`csvDataset: could not fetch ${name} (${(err as Error).message})`, {
        cause: err,
      });
    }
    yield* responseChunks(res, name);
    return;
  }
  if ('text' in (source as object) && typeof (source as { text: unknown }).text === 'string') {
    yield (source as { text: string }).text;
    return;
  }
  for await (const c of source as AsyncIterable<string>) {
    if (typeof c !== 'string')
      throw new ValueError(`csvDataset: the source yielded ${typeof c}; expected text chunks`);
    yield c;
  }
}

/**
 * A dataset of a CSV file's rows: a record of scalar tensors per row (or one packed float32
 * vector), with `[features, label]` when `labelName` is given; batched straight from the
 * parsed rows with `batchSize`. The source is read again at each iteration, as a stream: a
 * path (Node), a `Blob`/`File`, or a URL fetched anew (a `Response`'s body can be read once).
 *
 * Shape: per element, each column `[]` (or `[batchSize]` batched); packed features
 * `[numFeatures]` (or `[batchSize, numFeatures]`).
 * @example
 * const ds = csvDataset('housing.csv', { labelName: 'MEDV', packFeatures: true, batchSize: 32 });
 * await model.fit(ds, { epochs: 10 });
 * // In a browser: a File from an <input type="file">, or a URL.
 * csvDataset(input.files[0], { labelName: 'MEDV' });
 * csvDataset(new URL('data/housing.csv', location.href), { labelName: 'MEDV' });
 */
export function csvDataset(source: CsvSource, opts: CsvDatasetOptions = {}): Dataset {
  const op = 'csvDataset';
  const name = nameOf(source);
  if (typeof source === 'string' && !inNode())
    throw new ValueError(
      `${op}: '${source}' is a file path, readable only in Node; in a browser pass a URL, { url }, File, Blob or Response`,
    );
  const header = opts.header ?? true;
  if (!header && !opts.columnNames)
    throw new ValueError(`${op}: without a header row, give columnNames`);
  if (opts.batchSize !== undefined && (!Number.isInteger(opts.batchSize) || opts.batchSize < 1))
    throw new ValueError(`${op}: batchSize must be a positive integer, got ${opts.batchSize}`);
  const batch = opts.batchSize ?? null;
  return Dataset.fromSource(async function* () {
    const parser = new CsvParser({
      delimiter: opts.delimiter,
      quoteChar: opts.quoteChar,
      name: `${op}: ${name}`,
    });
    let names: string[] | null = opts.columnNames ? [...opts.columnNames] : null;
    let plan: {
      columns: { index: number; name: string; type: CsvColumnType }[];
      label: { index: number; type: CsvColumnType } | null;
    } | null = null;
    let rows: (number | string)[][] = [];
    let rowNo = 0;
    let headerSeen = !header;
    const makePlan = (width: number) => {
      if (!names) names = Array.from({ length: width }, (_, i) => `column_${i}`);
      if (new Set(names).size !== names.length)
        throw new ValueError(`${op}: ${name}: column names repeat: ${names.join(', ')}`);
      const pick = opts.selectColumns
        ? [...opts.selectColumns]
        : names.filter((n) => n !== opts.labelName);
      for (const n of [...pick, ...(opts.labelName ? [opts.labelName] : [])])
        if (!names.includes(n))
          throw new ValueError(
            `${op}: ${name} has no column '${n}' (columns: ${names.join(', ')})`,
          );
      const typeOf = (n: string): CsvColumnType => {
        const t = opts.columnTypes?.[n] ?? 'float32';
        if (t !== 'float32' && t !== 'int32' && t !== 'string')
          throw new ValueError(
            `${op}: column '${n}' has type '${t}'; expected 'float32', 'int32' or 'string'`,
          );
        if (t === 'string' && opts.packFeatures && n !== opts.labelName)
          throw new ValueError(
            `${op}: packFeatures needs numeric feature columns; '${n}' is a string column`,
          );
        return t;
      };
      plan = {
        columns: pick
          .filter((n) => n !== opts.labelName)
          .map((n) => ({ index: names!.indexOf(n), name: n, type: typeOf(n) })),
        label: opts.labelName
          ? { index: names.indexOf(opts.labelName), type: typeOf(opts.labelName) }
          : null,
      };
    };
    const value = (raw: string, col: string, type: CsvColumnType): number | string => {
      // Text columns keep the field as written (quotes removed by the parser).
      if (type === 'string') return raw;
      const s = raw.trim();
      if (s === '' || (opts.naValue !== undefined && s === opts.naValue)) {
        const d = opts.columnDefaults?.[col];
        if (d === undefined)
          throw new ValueError(
            `${op}: ${name}: row ${rowNo} has no value in column '${col}' (give columnDefaults['${col}'])`,
          );
        return d;
      }
      const v = Number(s);
      if (!Number.isFinite(v) && !/^[+-]?(inf(inity)?|nan)$/i.test(s))
        throw new ValueError(
          `${op}: ${name}: row ${rowNo}, column '${col}': '${raw}' is not a number`,
        );
      const num = Number.isFinite(v)
        ? v
        : /nan/i.test(s)
          ? Number.NaN
          : s.startsWith('-')
            ? Number.NEGATIVE_INFINITY
            : Number.POSITIVE_INFINITY;
      if (type === 'int32' && !Number.isInteger(num))
        throw new ValueError(
          `${op}: ${name}: row ${rowNo}, column '${col}': '${raw}' is not an integer`,
        );
      return num;
    };
    const toElement = (block: (number | string)[][]): Element => {
      const p = plan!;
      const one = batch === null;
      const col = (j: number, type: CsvColumnType): Tensor | StringTensor => {
        if (type === 'string') {
          const texts = block.map((r) => r[j] as string);
          return new StringTensor(texts, one ? [] : [block.length]);
        }
        const arr =
          type === 'int32'
            ? Int32Array.from(block, (r) => r[j] as number)
            : Float32Array.from(block, (r) => r[j] as number);
        return one ? tensor(arr, [], type) : tensor(arr, [block.length], type);
      };
      let features: Element;
      if (opts.packFeatures) {
        const k = p.columns.length;
        const arr = new Float32Array(block.length * k);
        block.forEach((r, i) => {
          for (let j = 0; j < k; j++) arr[i * k + j] = r[j] as number;
        });
        features = one ? tensor(arr, [k]) : tensor(arr, [block.length, k]);
      } else {
        const rec: Record<string, Tensor | StringTensor> = {};
        p.columns.forEach((c, j) => {
          rec[c.name] = col(j, c.type);
        });
        features = rec;
      }
      return p.label ? [features, col(p.columns.length, p.label.type)] : features;
    };
    // One parsed record: the header, or a row added to the batch; returns a full element.
    const accept = (rec: string[]): Element | null => {
      if (!headerSeen) {
        headerSeen = true;
        if (!opts.columnNames) names = rec.map((f) => f.trim());
        return null;
      }
      rowNo++;
      if (!plan) makePlan(rec.length);
      if (rec.length !== names!.length)
        throw new ValueError(
          `${op}: ${name}: row ${rowNo} has ${rec.length} fields; the header has ${names!.length}`,
        );
      const p = plan!;
      const row = p.columns.map((c) => value(rec[c.index]!, c.name, c.type));
      if (p.label) row.push(value(rec[p.label.index]!, opts.labelName!, p.label.type));
      rows.push(row);
      if (batch !== null && rows.length < batch) return null;
      const out = toElement(rows);
      rows = [];
      return out;
    };
    for await (const chunk of chunksOf(source, name)) {
      for (const rec of parser.push(chunk)) {
        const e = accept(rec);
        if (e) yield e;
      }
    }
    for (const rec of parser.end()) {
      const e = accept(rec);
      if (e) yield e;
    }
    if (rows.length > 0 && !(opts.dropRemainder && batch !== null && rows.length < batch))
      yield toElement(rows);
  }, UNKNOWN_CARDINALITY);
}
