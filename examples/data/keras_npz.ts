/**
 * Builds Keras-format dataset files from the raw data in ../shared/datasets, for machines that
 * cannot download Keras's own (`imdb.npz`, `reuters.npz`, `boston_housing.npz`): the loaders
 * then read them with `loadData({ path })` exactly as they read Keras's.
 *
 * - IMDB: the raw reviews tokenized (lowercase, `<br />` removed, split on anything but
 *   letters, digits and apostrophes) and encoded with Keras's `imdb_word_index.json` (words it
 *   lacks are skipped). Keras's tokenizer is undocumented, so this is a near-equivalent.
 * - Reuters: the old Keras recipe that shared's README spells out (first topic, topics with at
 *   least 15 stories, words ranked by count). It gives Keras's 46 topics in Keras's label order
 *   and its 11,228 wires; the vocabulary comes out at 29,982 words where Keras's has 30,979
 *   (the README's recipe does not say how the missing 997 arose).
 * - Boston: the 506 rows of scikit-learn's CSV, which are Keras's.
 *
 * Run: `npx tsx examples/data/keras_npz.ts [sharedDatasetsDir] [outDir]`.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipBounded, readTar, writeNpz, writeObjectNpy } from '../../src/index.js';

/** Where shared's datasets are, from this file. */
export const SHARED_DATASETS = new URL('../../../shared/datasets/', import.meta.url).pathname;

function int64(a: readonly number[]) {
  return {
    dtype: 'int64' as const,
    shape: [a.length],
    data: BigInt64Array.from(a, (v) => BigInt(v)),
  };
}

/** IMDB's tokenizer here: lowercase, line breaks out, words of letters, digits and apostrophes. */
export function imdbTokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/<br\s*\/?>/g, ' ')
    .split(/[^a-z0-9']+/)
    .map((w) => w.replace(/^'+|'+$/g, ''))
    .filter((w) => w.length > 0);
}

/**
 * Writes `imdb.npz` (x_train, y_train, x_test, y_test) from the raw reviews; returns its path.
 * @example const path = buildImdbNpz(SHARED_DATASETS, '/tmp');
 */
export function buildImdbNpz(shared: string, outDir: string): string {
  const out = join(outDir, 'imdb.npz');
  if (existsSync(out)) return out;
  const index = JSON.parse(
    readFileSync(join(shared, 'imdb', 'imdb_word_index.json'), 'utf8'),
  ) as Record<string, number>;
  const has = (w: string) => Object.hasOwn(index, w);
  const tar = readTar(
    gunzipBounded(
      new Uint8Array(readFileSync(join(shared, 'imdb', 'aclImdb_train_test.tar.gz'))),
      400 << 20,
    ),
  );
  const dec = new TextDecoder();
  const splits: Record<string, { xs: number[][]; ys: number[] }> = {
    train: { xs: [], ys: [] },
    test: { xs: [], ys: [] },
  };
  for (const e of tar) {
    const m = /^aclImdb\/(train|test)\/(pos|neg)\/\d+_\d+\.txt$/.exec(e.name);
    if (!m || e.type !== 'file') continue;
    const words = imdbTokens(dec.decode(e.data)).filter(has);
    splits[m[1]!]!.xs.push(words.map((w) => index[w]!));
    splits[m[1]!]!.ys.push(m[2] === 'pos' ? 1 : 0);
  }
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    out,
    writeNpz({
      x_train: writeObjectNpy(splits.train!.xs),
      y_train: int64(splits.train!.ys),
      x_test: writeObjectNpy(splits.test!.xs),
      y_test: int64(splits.test!.ys),
    }),
  );
  return out;
}

/** The Reuters stories: first topic and body text, in file order. */
function reutersStories(dir: string): { topic: string; body: string }[] {
  const files = readdirSync(dir)
    .filter((f) => /^reut2-\d{3}\.sgm$/.test(f))
    .sort();
  const out: { topic: string; body: string }[] = [];
  for (const f of files) {
    const text = readFileSync(join(dir, f), 'latin1');
    for (const story of text.split('<REUTERS').slice(1)) {
      const topics = /<TOPICS>(.*?)<\/TOPICS>/s.exec(story)?.[1] ?? '';
      // The old recipe read the topics up to the first `</`: the first topic wins.
      const first = /<D>(.*?)<\/D>/.exec(topics)?.[1];
      if (!first) continue;
      // A story without a body (990 of them) is kept with no words, as the recipe's counts
      // (46 topics, 11,228 wires) need.
      const at = story.indexOf('<BODY>');
      const rest = at < 0 ? '' : story.slice(at + 6);
      out.push({ topic: first, body: at < 0 ? '' : rest.slice(0, rest.indexOf('</')) });
    }
  }
  return out;
}

/**
 * Writes `reuters.npz` (x, y) and `reuters_word_index.json` with the recipe of shared's
 * README; returns the npz path and the topic names in label order.
 * @example const { path, topics } = buildReutersNpz(SHARED_DATASETS, '/tmp');
 */
export function buildReutersNpz(
  shared: string,
  outDir: string,
): { path: string; topics: string[]; words: number } {
  const stories = reutersStories(join(shared, 'reuters21578'));
  const count = new Map<string, number>();
  for (const s of stories) count.set(s.topic, (count.get(s.topic) ?? 0) + 1);
  const kept = stories.filter((s) => count.get(s.topic)! >= 15);
  // Labels in order of first appearance.
  const topics: string[] = [];
  for (const s of kept) if (!topics.includes(s.topic)) topics.push(s.topic);
  const tokenize = (t: string) =>
    t
      .toLowerCase()
      .replace(/[!"#$%&()*+,\-./:;<=>?@[\\\]^_`{|}~\t\n]/g, ' ')
      .split(' ')
      .filter((w) => w.length > 0);
  const docs = kept.map((s) => tokenize(s.body));
  const freq = new Map<string, number>();
  for (const d of docs) for (const w of d) freq.set(w, (freq.get(w) ?? 0) + 1);
  // Rank by count; ties keep first appearance (the sort is stable).
  const ranked = [...freq.keys()].sort((a, b) => freq.get(b)! - freq.get(a)!);
  const index: Record<string, number> = {};
  ranked.forEach((w, i) => {
    index[w] = i + 1;
  });
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, 'reuters.npz');
  writeFileSync(
    path,
    writeNpz({
      x: writeObjectNpy(docs.map((d) => d.map((w) => index[w]!))),
      y: int64(kept.map((s) => topics.indexOf(s.topic))),
    }),
  );
  writeFileSync(join(outDir, 'reuters_word_index.json'), JSON.stringify(index));
  return { path, topics, words: ranked.length };
}

/**
 * Writes `boston_housing.npz` (x: 506 × 13, y: 506) from scikit-learn's CSV; returns its path.
 * @example const path = buildBostonNpz(SHARED_DATASETS, '/tmp');
 */
export function buildBostonNpz(shared: string, outDir: string): string {
  const rows = readFileSync(join(shared, 'boston_housing', 'boston_house_prices.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(2)
    .map((l) => l.split(',').map(Number));
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, 'boston_housing.npz');
  writeFileSync(
    path,
    writeNpz({
      x: {
        dtype: 'float64',
        shape: [rows.length, 13],
        data: Float64Array.from(rows.flatMap((r) => r.slice(0, 13))),
      },
      y: {
        dtype: 'float64',
        shape: [rows.length],
        data: Float64Array.from(rows.map((r) => r[13]!)),
      },
    }),
  );
  return path;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const shared = process.argv[2] ?? SHARED_DATASETS;
  const out = process.argv[3] ?? 'keras-datasets';
  console.log(buildImdbNpz(shared, out));
  const r = buildReutersNpz(shared, out);
  console.log(r.path, `${r.topics.length} topics, ${r.words} words`);
  console.log(buildBostonNpz(shared, out));
}
