/**
 * `Dataset`: a re-iterable, lazily evaluated pipeline of elements, in the spirit of `tf.data`
 * and Keras's `PyDataset`. Each iteration (each epoch of `fit`) runs the pipeline from its
 * source again; only the buffers an operation needs (a shuffle buffer, a batch, prefetched
 * elements, a cache) are held, so a generator of any length trains in bounded memory.
 */
import { TesseraError, ValueError } from '../errors.js';
import { openCacheWriter, readCache } from '../io/dataset_cache.js';
import { Generator, globalGenerator } from '../ops/random.js';
import { Tensor } from '../tensor/tensor.js';
import {
  type Element,
  type ElementLike,
  batchRows,
  rowOf,
  sliceRows,
  stackElements,
  toElement,
} from './structure.js';

/** An error raised inside a dataset's source or one of its functions, with where it happened. */
export class DatasetError extends TesseraError {
  static override readonly errorName: string = 'DatasetError';
}

/** Element count of a dataset whose length is infinite (`repeat()` without a count). */
export const INFINITE_CARDINALITY = -1;
/** Element count of a dataset whose length is not known without running it (a generator, `filter`). */
export const UNKNOWN_CARDINALITY = -2;

/** Options of {@link Dataset.map}. */
export interface MapOptions {
  /**
   * How many calls of an asynchronous function may run at once (default 1). Results keep the
   * input order. `'autotune'` picks 8. Synchronous functions gain nothing from it: JavaScript
   * runs them one at a time.
   */
  numParallelCalls?: number | 'autotune';
}

/** Options of {@link Dataset.batch}. */
export interface BatchOptions {
  /** Drop the last batch when it has fewer than `batchSize` elements (default false). */
  dropRemainder?: boolean;
}

/** Options of {@link Dataset.shuffle}. */
export interface ShuffleOptions {
  /**
   * Seed of the shuffle's own generator (default: drawn from the global generator at each
   * iteration, so `setSeed` makes it reproducible).
   */
  seed?: number;
  /** Shuffle differently at each iteration (each epoch; default true). */
  reshuffleEachIteration?: boolean;
}

type Source<T> = () => AsyncIterator<T>;

/** An iterator over `it` whether it is sync or async. */
function iteratorOf<T>(
  it: Iterable<T> | AsyncIterable<T> | Iterator<T> | AsyncIterator<T>,
  op: string,
): AsyncIterator<T> {
  const anyIt = it as {
    [Symbol.asyncIterator]?: () => AsyncIterator<T>;
    [Symbol.iterator]?: () => Iterator<T>;
    next?: unknown;
  };
  if (typeof anyIt[Symbol.asyncIterator] === 'function') return anyIt[Symbol.asyncIterator]!();
  if (typeof anyIt[Symbol.iterator] === 'function') {
    const sync = anyIt[Symbol.iterator]!();
    return {
      next: async () => sync.next(),
      return: async (v?: unknown) => sync.return?.(v as T) ?? { done: true, value: undefined },
    } as AsyncIterator<T>;
  }
  if (typeof anyIt.next === 'function') {
    const raw = it as Iterator<T> | AsyncIterator<T>;
    return { next: async () => raw.next() } as AsyncIterator<T>;
  }
  throw new ValueError(
    `${op}: expected an iterable, an async iterable or an iterator, got ${typeof it}`,
  );
}

function checkCount(n: number, name: string, op: string, allowMinusOne = false): void {
  if (!Number.isInteger(n) || n < (allowMinusOne ? -1 : 0))
    throw new ValueError(
      `${op}: ${name} must be a ${allowMinusOne ? 'non-negative integer or -1' : 'non-negative integer'}, got ${n}`,
    );
}

/**
 * A pipeline of elements (tensors, tuples or records of tensors), iterated asynchronously and
 * again from its source at each iteration.
 *
 * Shape: elements keep their structure; `batch` adds a leading axis of size ≤ batchSize to
 * every leaf, `unbatch` removes it.
 * @example
 * const ds = Dataset.fromTensorSlices([x, y]).shuffle(1000, { seed: 1 }).batch(32);
 * await model.fit(ds, undefined, { epochs: 3 });
 */
export class Dataset<T extends Element = Element> implements AsyncIterable<T> {
  /** {@link INFINITE_CARDINALITY}. */
  static readonly INFINITE = INFINITE_CARDINALITY;
  /** {@link UNKNOWN_CARDINALITY}. */
  static readonly UNKNOWN = UNKNOWN_CARDINALITY;

  private constructor(
    private readonly source: Source<T>,
    private readonly card: number,
    /** Set on `fromTensorSlices` datasets: `batch` slices rows directly instead of stacking. */
    private readonly slices: { whole: Element; n: number } | null = null,
  ) {}

  /** A dataset over a source function that opens a fresh iterator per iteration. */
  static fromSource<U extends Element>(
    open: () => AsyncIterator<U>,
    cardinality: number,
  ): Dataset<U> {
    return new Dataset(open, cardinality);
  }

  /**
   * A dataset of one element: `element` itself.
   * @example Dataset.fromTensors(tensor([1, 2])).cardinality() // 1
   */
  static fromTensors(element: ElementLike): Dataset {
    const e = toElement(element, 'Dataset.fromTensors');
    return new Dataset(
      async function* () {
        yield e;
      } as Source<Element>,
      1,
    );
  }

  /**
   * A dataset of the rows of `element`: every leaf is sliced along its first axis, which all
   * leaves must share.
   *
   * Shape: leaves `[n, …]` give n elements with leaves `[…]`.
   * @example Dataset.fromTensorSlices([x, y]) // x [100, 4], y [100] → 100 elements [x_i, y_i]
   */
  static fromTensorSlices(element: ElementLike): Dataset {
    const whole = toElement(element, 'Dataset.fromTensorSlices');
    const n = batchRows(whole, 'Dataset.fromTensorSlices');
    return new Dataset(
      async function* () {
        for (let i = 0; i < n; i++) yield rowOf(whole, i);
      } as Source<Element>,
      n,
      { whole, n },
    );
  }

  /**
   * A dataset over a generator function (sync or async), called again at each iteration. Its
   * values become elements as {@link toElement} converts them.
   * @example Dataset.fromGenerator(function* () { for (let i = 0; i < 3; i++) yield [i, i * 2]; })
   */
  static fromGenerator(
    fn: () =>
      | Iterator<unknown>
      | AsyncIterator<unknown>
      | Iterable<unknown>
      | AsyncIterable<unknown>,
  ): Dataset {
    if (typeof fn !== 'function')
      throw new ValueError(
        `Dataset.fromGenerator: expected a generator function, got ${typeof fn}`,
      );
    return new Dataset(
      async function* () {
        const it = iteratorOf(fn(), 'Dataset.fromGenerator');
        let i = 0;
        try {
          for (;;) {
            const r = await it.next();
            if (r.done) return;
            yield toElement(r.value, 'Dataset.fromGenerator', `element ${i}`);
            i++;
          }
        } finally {
          await it.return?.();
        }
      } as Source<Element>,
      UNKNOWN_CARDINALITY,
    );
  }

  /**
   * A dataset over any iterable or async iterable of elements (iterated again at each
   * iteration: a one-shot iterator gives its elements only once).
   * @example Dataset.from([[x0, y0], [x1, y1]])
   */
  static from(iterable: Iterable<unknown> | AsyncIterable<unknown>): Dataset {
    if (iterable instanceof Dataset) return iterable as Dataset;
    const n = Array.isArray(iterable) ? iterable.length : UNKNOWN_CARDINALITY;
    const d = Dataset.fromGenerator(() => iterable);
    return new Dataset(d.source, n);
  }

  /**
   * The int32 scalars `start, start + step, …` below `stop` (as Python's `range`).
   * @example Dataset.range(5) // 0, 1, 2, 3, 4
   */
  static range(start: number, stop?: number, step = 1): Dataset<Tensor> {
    const [lo, hi] = stop === undefined ? [0, start] : [start, stop];
    for (const [v, name] of [
      [lo, 'start'],
      [hi, 'stop'],
      [step, 'step'],
    ] as const)
      if (!Number.isInteger(v))
        throw new ValueError(`Dataset.range: ${name} must be an integer, got ${v}`);
    if (step === 0) throw new ValueError('Dataset.range: step must not be 0');
    const n = Math.max(0, Math.ceil((hi - lo) / step));
    return new Dataset(
      async function* () {
        for (let i = 0; i < n; i++)
          yield (toElement(new Int32Array([lo + i * step]), 'Dataset.range') as Tensor).reshape([]);
      } as Source<Tensor>,
      n,
    );
  }

  /**
   * Elements of several datasets side by side, as a tuple (an array of datasets) or a record;
   * ends with the shortest.
   * @example Dataset.zip([xs, ys]) // elements [x_i, y_i]
   */
  static zip(datasets: readonly Dataset[] | Readonly<Record<string, Dataset>>): Dataset {
    const entries = Array.isArray(datasets)
      ? datasets.map((d, i) => [String(i), d] as const)
      : Object.entries(datasets);
    if (entries.length === 0) throw new ValueError('Dataset.zip: needs at least one dataset');
    for (const [k, d] of entries)
      if (!(d instanceof Dataset)) throw new ValueError(`Dataset.zip: entry ${k} is not a Dataset`);
    const asArray = Array.isArray(datasets);
    const cards = entries.map(([, d]) => d.card);
    const finite = cards.filter((c) => c >= 0);
    const card =
      cards.includes(UNKNOWN_CARDINALITY) && finite.length === 0
        ? UNKNOWN_CARDINALITY
        : finite.length > 0
          ? Math.min(...finite)
          : cards.includes(UNKNOWN_CARDINALITY)
            ? UNKNOWN_CARDINALITY
            : INFINITE_CARDINALITY;
    return new Dataset(
      async function* () {
        const its = entries.map(([, d]) => d.source());
        try {
          for (;;) {
            const rs = await Promise.all(its.map((it) => it.next()));
            if (rs.some((r) => r.done)) return;
            if (asArray) yield rs.map((r) => r.value as Element);
            else {
              const rec: Record<string, Element> = {};
              entries.forEach(([k], i) => {
                rec[k] = rs[i]!.value as Element;
              });
              yield rec;
            }
          }
        } finally {
          await Promise.all(its.map((it) => it.return?.()));
        }
      } as Source<Element>,
      card,
    );
  }

  /**
   * How many elements one iteration gives: a count, {@link INFINITE_CARDINALITY} (−1) or
   * {@link UNKNOWN_CARDINALITY} (−2).
   * @example Dataset.range(10).batch(3).cardinality() // 4
   */
  cardinality(): number {
    return this.card;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.source();
  }

  /**
   * Every element of one iteration, in an array (for finite datasets).
   * @example await Dataset.range(3).toArray() // three int32 scalars
   */
  async toArray(): Promise<T[]> {
    if (this.card === INFINITE_CARDINALITY)
      throw new ValueError('Dataset.toArray: the dataset is infinite (take() a finite part first)');
    const out: T[] = [];
    for await (const e of this) out.push(e);
    return out;
  }

  /**
   * Calls `fn` on every element of one iteration, in order (awaiting it when it is async).
   * @example await ds.forEach((e) => console.log(e));
   */
  async forEach(fn: (e: T, index: number) => unknown): Promise<void> {
    let i = 0;
    for await (const e of this) await fn(e, i++);
  }

  /**
   * Applies `fn` to every element (a tuple arrives as one array argument: `([x, y]) => …`).
   * `fn` may be async; `numParallelCalls` lets that many calls run at once, in order.
   * @example ds.map(([x, y]) => [x.div(255), y])
   */
  map(fn: (e: T) => ElementLike | Promise<ElementLike>, opts: MapOptions = {}): Dataset {
    if (typeof fn !== 'function')
      throw new ValueError(`Dataset.map: expected a function, got ${typeof fn}`);
    const p = opts.numParallelCalls === 'autotune' ? 8 : (opts.numParallelCalls ?? 1);
    if (!Number.isInteger(p) || p < 1)
      throw new ValueError(
        `Dataset.map: numParallelCalls must be a positive integer or 'autotune', got ${opts.numParallelCalls}`,
      );
    const src = this.source;
    const call = async (e: T, i: number): Promise<Element> => {
      let r: ElementLike;
      try {
        r = await fn(e);
      } catch (err) {
        throw new DatasetError(
          `Dataset.map: the function failed on element ${i}: ${(err as Error)?.message ?? err}`,
          { cause: err },
        );
      }
      return toElement(r, 'Dataset.map', `the result for element ${i}`);
    };
    return new Dataset(
      async function* () {
        const it = src();
        const pending: Promise<Element>[] = [];
        let i = 0;
        let done = false;
        try {
          for (;;) {
            while (!done && pending.length < p) {
              const r = await it.next();
              if (r.done) done = true;
              else {
                const pr = call(r.value, i++);
                // A rejection is observed when its turn comes; do not report it as unhandled.
                pr.catch(() => undefined);
                pending.push(pr);
              }
            }
            if (pending.length === 0) return;
            yield await pending.shift()!;
          }
        } finally {
          await it.return?.();
        }
      } as Source<Element>,
      this.card,
    );
  }

  /**
   * Keeps the elements for which `predicate` is true (a boolean, or a scalar tensor read once).
   * @example Dataset.range(10).filter((x) => x.dataSync()[0] % 2 === 0) // 0, 2, 4, 6, 8
   */
  filter(predicate: (e: T) => boolean | Tensor | Promise<boolean | Tensor>): Dataset<T> {
    if (typeof predicate !== 'function')
      throw new ValueError(`Dataset.filter: expected a function, got ${typeof predicate}`);
    const src = this.source;
    return new Dataset(
      async function* () {
        const it = src();
        let i = 0;
        try {
          for (;;) {
            const r = await it.next();
            if (r.done) return;
            let keep = await predicate(r.value);
            if (keep instanceof Tensor) {
              if (keep.size !== 1)
                throw new ValueError(
                  `Dataset.filter: the predicate returned a tensor of shape [${keep.shape.join(', ')}] for element ${i}; expected a boolean or a scalar`,
                );
              keep = Boolean((await keep.data())[0]);
            }
            if (typeof keep !== 'boolean')
              throw new ValueError(
                `Dataset.filter: the predicate returned ${typeof keep} for element ${i}; expected a boolean`,
              );
            i++;
            if (keep) yield r.value;
          }
        } finally {
          await it.return?.();
        }
      } as Source<T>,
      this.card === INFINITE_CARDINALITY ? INFINITE_CARDINALITY : UNKNOWN_CARDINALITY,
    );
  }

  /**
   * Stacks consecutive elements into batches of `batchSize` (the last one smaller unless
   * `dropRemainder`). Elements of a batch must agree in structure, dtype and shape.
   *
   * Shape: leaves `[…]` become `[b, …]` with b ≤ batchSize.
   * @example Dataset.range(5).batch(2) // [0, 1], [2, 3], [4]
   */
  batch(batchSize: number, opts: BatchOptions = {}): Dataset {
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new ValueError(`Dataset.batch: batchSize must be a positive integer, got ${batchSize}`);
    const drop = opts.dropRemainder ?? false;
    const card =
      this.card < 0
        ? this.card
        : drop
          ? Math.floor(this.card / batchSize)
          : Math.ceil(this.card / batchSize);
    if (this.slices) {
      // Rows of tensors already in memory: slice each batch instead of stacking single rows.
      const { whole, n } = this.slices;
      return new Dataset(
        async function* () {
          for (let lo = 0; lo < n; lo += batchSize) {
            const hi = Math.min(n, lo + batchSize);
            if (drop && hi - lo < batchSize) return;
            yield sliceRows(whole, lo, hi);
          }
        } as Source<Element>,
        card,
      );
    }
    const src = this.source;
    return new Dataset(
      async function* () {
        const it = src();
        let buf: Element[] = [];
        let first = 0;
        try {
          for (;;) {
            const r = await it.next();
            if (r.done) break;
            buf.push(r.value);
            if (buf.length === batchSize) {
              const b = stackElements(buf, 'Dataset.batch', first);
              first += buf.length;
              buf = [];
              yield b;
            }
          }
        } finally {
          await it.return?.();
        }
        if (buf.length > 0 && !drop) yield stackElements(buf, 'Dataset.batch', first);
      } as Source<Element>,
      card,
    );
  }

  /**
   * Splits every (batched) element into its rows: the inverse of `batch`.
   *
   * Shape: leaves `[b, …]` give b elements with leaves `[…]`.
   * @example Dataset.fromTensors(tensor([[1, 2], [3, 4]])).unbatch() // [1, 2], [3, 4]
   */
  unbatch(): Dataset {
    const src = this.source;
    return new Dataset(
      async function* () {
        const it = src();
        try {
          for (;;) {
            const r = await it.next();
            if (r.done) return;
            const n = batchRows(r.value, 'Dataset.unbatch');
            for (let i = 0; i < n; i++) yield rowOf(r.value, i);
          }
        } finally {
          await it.return?.();
        }
      } as Source<Element>,
      this.card === INFINITE_CARDINALITY ? INFINITE_CARDINALITY : UNKNOWN_CARDINALITY,
    );
  }

  /**
   * Shuffles through a buffer of `bufferSize` elements: each output is drawn uniformly from the
   * buffer, which the next input refills (a buffer at least the dataset's size shuffles fully).
   * @example ds.shuffle(10000, { seed: 42 })
   */
  shuffle(bufferSize: number, opts: ShuffleOptions = {}): Dataset<T> {
    if (!Number.isInteger(bufferSize) || bufferSize < 1)
      throw new ValueError(
        `Dataset.shuffle: bufferSize must be a positive integer, got ${bufferSize}`,
      );
    const reshuffle = opts.reshuffleEachIteration ?? true;
    const seed = opts.seed;
    // With a seed and reshuffling, one generator runs on across iterations: each epoch differs,
    // and the whole run is reproducible.
    const shared = seed !== undefined && reshuffle ? new Generator(seed) : null;
    const fixedSeed = seed === undefined && !reshuffle ? globalGenerator().nextUint32() : seed;
    const src = this.source;
    return new Dataset(
      async function* () {
        const g = shared ?? new Generator(fixedSeed ?? globalGenerator().nextUint32());
        const it = src();
        const buf: T[] = [];
        try {
          let done = false;
          while (!done && buf.length < bufferSize) {
            const r = await it.next();
            if (r.done) done = true;
            else buf.push(r.value);
          }
          while (buf.length > 0) {
            const j = g.int(buf.length);
            const out = buf[j]!;
            const r = done ? null : await it.next();
            if (r && !r.done) buf[j] = r.value;
            else {
              done = true;
              buf[j] = buf[buf.length - 1]!;
              buf.pop();
            }
            yield out;
          }
        } finally {
          await it.return?.();
        }
      } as Source<T>,
      this.card,
    );
  }

  /**
   * Iterates the dataset `count` times (forever without a count).
   * @example Dataset.range(2).repeat(2) // 0, 1, 0, 1
   */
  repeat(count?: number): Dataset<T> {
    if (count !== undefined) checkCount(count, 'count', 'Dataset.repeat', true);
    const times = count === undefined || count === -1 ? Number.POSITIVE_INFINITY : count;
    const src = this.source;
    const card =
      this.card === 0 || times === 0
        ? 0
        : times === Number.POSITIVE_INFINITY
          ? INFINITE_CARDINALITY
          : this.card < 0
            ? this.card
            : this.card * times;
    return new Dataset(
      async function* () {
        for (let k = 0; k < times; k++) {
          let any = false;
          const it = src();
          try {
            for (;;) {
              const r = await it.next();
              if (r.done) break;
              any = true;
              yield r.value;
            }
          } finally {
            await it.return?.();
          }
          // An empty pass would loop forever.
          if (!any) return;
        }
      } as Source<T>,
      card,
    );
  }

  /**
   * The first `count` elements (all of them for −1).
   * @example Dataset.range(10).take(3) // 0, 1, 2
   */
  take(count: number): Dataset<T> {
    checkCount(count, 'count', 'Dataset.take', true);
    if (count === -1) return this;
    const src = this.source;
    const card =
      this.card === INFINITE_CARDINALITY
        ? count
        : this.card < 0
          ? UNKNOWN_CARDINALITY
          : Math.min(this.card, count);
    return new Dataset(
      async function* () {
        if (count === 0) return;
        const it = src();
        let k = 0;
        try {
          for (;;) {
            const r = await it.next();
            if (r.done) return;
            yield r.value;
            if (++k >= count) return;
          }
        } finally {
          await it.return?.();
        }
      } as Source<T>,
      card,
    );
  }

  /**
   * All but the first `count` elements (none for −1).
   * @example Dataset.range(5).skip(3) // 3, 4
   */
  skip(count: number): Dataset<T> {
    checkCount(count, 'count', 'Dataset.skip', true);
    const src = this.source;
    const card = count === -1 ? 0 : this.card < 0 ? this.card : Math.max(0, this.card - count);
    return new Dataset(
      async function* () {
        if (count === -1) return;
        const it = src();
        try {
          for (let k = 0; k < count; k++) if ((await it.next()).done) return;
          for (;;) {
            const r = await it.next();
            if (r.done) return;
            yield r.value;
          }
        } finally {
          await it.return?.();
        }
      } as Source<T>,
      card,
    );
  }

  /**
   * The elements of this dataset, then those of `other`.
   * @example Dataset.range(2).concatenate(Dataset.range(1)) // 0, 1, 0
   */
  concatenate(other: Dataset<T>): Dataset<T> {
    if (!(other instanceof Dataset))
      throw new ValueError('Dataset.concatenate: expected a Dataset');
    const a = this.source;
    const b = other.source;
    const card =
      this.card === INFINITE_CARDINALITY || other.card === INFINITE_CARDINALITY
        ? INFINITE_CARDINALITY
        : this.card < 0 || other.card < 0
          ? UNKNOWN_CARDINALITY
          : this.card + other.card;
    return new Dataset(
      async function* () {
        for (const open of [a, b]) {
          const it = open();
          try {
            for (;;) {
              const r = await it.next();
              if (r.done) break;
              yield r.value;
            }
          } finally {
            await it.return?.();
          }
        }
      } as Source<T>,
      card,
    );
  }

  /**
   * Keeps the elements of the first complete iteration and replays them afterwards: in memory,
   * or in a file (Node) that later iterations — and later runs — read instead of the source.
   * An iteration stopped early caches nothing.
   * @example ds.map(decode).cache().shuffle(1000).batch(32)
   */
  cache(filename?: string): Dataset<T> {
    const src = this.source;
    if (filename !== undefined) {
      if (typeof filename !== 'string' || filename === '')
        throw new ValueError(
          'Dataset.cache: filename must be a non-empty string (omit it to cache in memory)',
        );
      return new Dataset(
        async function* () {
          const cached = await readCache(filename);
          if (cached) {
            yield* cached as AsyncIterable<T>;
            return;
          }
          // Written as the elements pass (memory stays bounded) and renamed into place only
          // when the iteration completes.
          const w = await openCacheWriter(filename);
          const it = src();
          let complete = false;
          try {
            for (;;) {
              const r = await it.next();
              if (r.done) break;
              await w.append(r.value);
              yield r.value;
            }
            complete = true;
          } finally {
            await it.return?.();
            if (complete) await w.commit();
            else await w.abort();
          }
        } as Source<T>,
        this.card,
      );
    }
    let memory: T[] | null = null;
    return new Dataset(
      async function* () {
        if (memory) {
          yield* memory;
          return;
        }
        const elems: T[] = [];
        const it = src();
        try {
          for (;;) {
            const r = await it.next();
            if (r.done) break;
            elems.push(r.value);
            yield r.value;
          }
          memory = elems;
        } finally {
          await it.return?.();
        }
      } as Source<T>,
      this.card,
    );
  }

  /**
   * Pulls up to `bufferSize` elements ahead of the consumer, so an asynchronous source (file
   * reads, decoding) works while the model trains.
   * @example ds.batch(32).prefetch(2)
   */
  prefetch(bufferSize = 1): Dataset<T> {
    if (!Number.isInteger(bufferSize) || bufferSize < 1)
      throw new ValueError(
        `Dataset.prefetch: bufferSize must be a positive integer, got ${bufferSize}`,
      );
    const src = this.source;
    return new Dataset(
      async function* () {
        const it = src();
        const ahead: Promise<IteratorResult<T>>[] = [];
        try {
          for (;;) {
            while (ahead.length < bufferSize + 1) {
              const p = it.next();
              p.catch(() => undefined);
              ahead.push(p);
            }
            const r = await ahead.shift()!;
            if (r.done) return;
            yield r.value;
          }
        } finally {
          // Let pulls already started settle before closing the source.
          await Promise.allSettled(ahead);
          await it.return?.();
        }
      } as Source<T>,
      this.card,
    );
  }
}
