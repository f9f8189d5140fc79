/**
 * String tensors and string ops on hand-derived cases: shapes and movement (reshape, gather,
 * slice, concat, stack), equality, UTF-8 lengths in bytes and code points, Unicode case,
 * regex replace, whitespace and separator splits, n-grams, joins, number parsing; string
 * tensors inside datasets (batched, unbatched, shuffled, cached to a file).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as pathJoin } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Dataset } from '../data/dataset.js';
import {
  StringTensor,
  concatStrings,
  stackStrings,
  stringTensor,
} from '../tensor/string_tensor.js';
import { tensor } from './creation.js';
import {
  asString,
  join,
  lower,
  ngrams,
  reduceJoin,
  regexReplace,
  split,
  stringEqual,
  stringLength,
  stringToNumber,
  strip,
  upper,
} from './strings.js';

const dir = mkdtempSync(pathJoin(tmpdir(), 'tessera-str-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('StringTensor', () => {
  it('tensor() of strings makes one, with shape, values and nested arrays back', () => {
    const t = tensor([
      ['a', 'b', 'c'],
      ['d', 'e', 'f'],
    ]);
    expect(t).toBeInstanceOf(StringTensor);
    expect(t.dtype).toBe('string');
    expect(t.shape).toEqual([2, 3]);
    expect(t.stringsSync()).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(t.reshape([3, -1]).toArray()).toEqual([
      ['a', 'b'],
      ['c', 'd'],
      ['e', 'f'],
    ]);
    expect(tensor('x').shape).toEqual([]);
    expect(tensor('x').toArray()).toBe('x');
    expect(() => tensor([['a'], ['b', 'c']])).toThrow(/ragged nested array/);
    expect(() => tensor(['a', 'b'], undefined, 'float32' as never)).toThrow(
      /strings cannot make a float32 tensor/,
    );
  });

  it('gathers, slices, concatenates and stacks like numeric tensors', () => {
    const t = stringTensor([
      ['a', 'b', 'c'],
      ['d', 'e', 'f'],
    ]);
    expect(t.gather([1, 0, 1]).toArray()).toEqual([
      ['d', 'e', 'f'],
      ['a', 'b', 'c'],
      ['d', 'e', 'f'],
    ]);
    expect(t.gather([2, 0], 1).toArray()).toEqual([
      ['c', 'a'],
      ['f', 'd'],
    ]);
    expect(t.slice([0, 1], [2, 2]).toArray()).toEqual([
      ['b', 'c'],
      ['e', 'f'],
    ]);
    expect(concatStrings([t, stringTensor([['g', 'h', 'i']])]).shape).toEqual([3, 3]);
    expect(concatStrings([t, stringTensor([['x'], ['y']])], 1).toArray()).toEqual([
      ['a', 'b', 'c', 'x'],
      ['d', 'e', 'f', 'y'],
    ]);
    expect(stackStrings([stringTensor(['a', 'b']), stringTensor(['c', 'd'])], 1).toArray()).toEqual(
      [
        ['a', 'c'],
        ['b', 'd'],
      ],
    );
    expect(() => t.gather([2])).toThrow(/index 2 is out of range \[0, 2\)/);
    expect(() => concatStrings([t, stringTensor(['z'])])).toThrow(/does not fit/);
  });
});

describe('string ops', () => {
  it('compare elementwise to a bool tensor', () => {
    expect(Array.from(stringEqual(['a', 'b', 'a'], 'a').dataSync())).toEqual([1, 0, 1]);
    expect(stringEqual(['a', 'b'], ['a', 'c']).dtype).toBe('bool');
    expect(() => stringEqual(['a'], ['a', 'b'])).toThrow(/differ/);
  });

  it('measure UTF-8 bytes and code points', () => {
    const s = ['héllo', '🙂', ''];
    expect(Array.from(stringLength(s).dataSync())).toEqual([6, 4, 0]);
    expect(Array.from(stringLength(s, 'UTF8_CHAR').dataSync())).toEqual([5, 1, 0]);
  });

  it('change case by Unicode rules, strip, and replace by regex', () => {
    expect(lower(['ÀÉÎ Straße']).stringsSync()).toEqual(['àéî straße']);
    expect(upper(['straße']).stringsSync()).toEqual(['STRASSE']);
    expect(strip(['  a b \n']).stringsSync()).toEqual(['a b']);
    // Keras's default standardization: lowercase, then strip this punctuation.
    const punct = `[!"#$%&()\\*\\+,-\\./:;<=>?@\\[\\\\\\]^_\`{|}~']`;
    expect(regexReplace(lower(["It's GREAT, isn't it?!"]), punct, '').stringsSync()).toEqual([
      'its great isnt it',
    ]);
    expect(regexReplace(['a1b22'], '[0-9]+', '#', { replaceGlobal: false }).stringsSync()).toEqual([
      'a#b22',
    ]);
    expect(regexReplace(['ab'], '(a)(b)', '$2$1').stringsSync()).toEqual(['ba']);
    expect(() => regexReplace(['a'], '(', '')).toThrow(/invalid pattern/);
  });

  it('split on whitespace runs (TensorFlow’s default) or a separator, ragged', () => {
    expect(split([' the  cat\tsat ', 'dog', ''])).toEqual([['the', 'cat', 'sat'], ['dog'], []]);
    expect(split(['a,b,,c'], ',')).toEqual([['a', 'b', '', 'c']]);
    expect(split(['a b c d'], undefined, 2)).toEqual([['a', 'b', 'c d']]);
    expect(split(['a,b,c'], ',', 1)).toEqual([['a', 'b,c']]);
  });

  it('make n-grams and join', () => {
    expect(ngrams(['a', 'b', 'c'], [1, 2])).toEqual(['a', 'b', 'c', 'a b', 'b c']);
    expect(ngrams(['a', 'b'], 3)).toEqual([]);
    expect(ngrams(['a', 'b', 'c'], 2, '_')).toEqual(['a_b', 'b_c']);
    expect(
      join(
        [
          ['a', 'b'],
          ['x', 'y'],
        ],
        '-',
      ).stringsSync(),
    ).toEqual(['a-x', 'b-y']);
    expect(
      reduceJoin(
        [
          ['a', 'b'],
          ['c', 'd'],
        ],
        1,
        ' ',
      ).stringsSync(),
    ).toEqual(['a b', 'c d']);
    expect(
      reduceJoin(
        [
          ['a', 'b'],
          ['c', 'd'],
        ],
        0,
      ).stringsSync(),
    ).toEqual(['ac', 'bd']);
    expect(reduceJoin(['a', 'b'], undefined, '+').toArray()).toBe('a+b');
  });

  it('parse numbers and print them', () => {
    expect(Array.from(stringToNumber(['1.5', ' 2 ']).dataSync())).toEqual([1.5, 2]);
    expect(Array.from(stringToNumber(['3'], 'int32').dataSync())).toEqual([3]);
    expect(() => stringToNumber(['x'])).toThrow(/element 0 \('x'\) is not a number/);
    expect(asString(tensor([1, 2.5])).stringsSync()).toEqual(['1', '2.5']);
  });
});

describe('string tensors in datasets', () => {
  it('slice, batch, unbatch and shuffle with the strings intact', async () => {
    const texts = stringTensor(['good film', 'bad film', 'fine', 'awful', 'great']);
    const labels = tensor([1, 0, 1, 0, 1], undefined, 'int32');
    const ds = Dataset.fromTensorSlices([texts, labels]);
    const rows = (await ds.toArray()) as [StringTensor, unknown][];
    expect(rows[1]![0].toArray()).toBe('bad film');
    const batches = (await ds.batch(2).toArray()) as [StringTensor, unknown][];
    expect(batches[0]![0].toArray()).toEqual(['good film', 'bad film']);
    // Stacked one by one (a generator) gives the same batches.
    const gen = Dataset.fromGenerator(function* () {
      for (let i = 0; i < 5; i++) yield [texts.stringsSync()[i]!, i % 2];
    }).batch(2);
    expect(((await gen.toArray())[2] as [StringTensor])[0].toArray()).toEqual(['great']);
    const shuffled = (await ds.shuffle(5, { seed: 2 }).toArray()).map((e) =>
      (e as [StringTensor])[0].toArray(),
    );
    expect([...(shuffled as string[])].sort()).toEqual([
      'awful',
      'bad film',
      'fine',
      'good film',
      'great',
    ]);
    const un = (await ds.batch(2).unbatch().toArray()).map((e) =>
      (e as [StringTensor])[0].toArray(),
    );
    expect(un).toEqual(texts.stringsSync());
  });

  it('cache to a file keeps strings, UTF-8 included', async () => {
    const file = pathJoin(dir, 'strings.cache');
    const make = () =>
      Dataset.fromTensorSlices(stringTensor(['héllo', '🙂 ok', '']))
        .batch(2)
        .cache(file);
    const first = (await make().toArray()).map((e) => (e as StringTensor).toArray());
    const second = (await make().toArray()).map((e) => (e as StringTensor).toArray());
    expect(second).toEqual(first);
    expect(second).toEqual([['héllo', '🙂 ok'], ['']]);
  });
});
