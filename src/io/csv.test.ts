/**
 * The streaming CSV parser against Python's csv module (golden JSON from scripts/csv_golden.py),
 * split at every possible chunk boundary, and on malformed input.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CsvParser } from './csv.js';
import { FormatError } from './errors.js';

const golden = JSON.parse(
  readFileSync(new URL('../../test/fixtures/csv_golden.json', import.meta.url), 'utf8'),
) as {
  text: string;
  delimiter: string;
  rows: string[][];
}[];

function parse(chunks: string[], delimiter = ','): string[][] {
  const p = new CsvParser({ delimiter });
  const out: string[][] = [];
  for (const c of chunks) out.push(...p.push(c));
  out.push(...p.end());
  return out;
}

describe('CsvParser', () => {
  golden.forEach((c, k) => {
    it(`case ${k}: reads what Python's csv module reads, whatever the chunking`, () => {
      expect(parse([c.text], c.delimiter)).toEqual(c.rows);
      for (let cut = 1; cut < c.text.length; cut++)
        expect(parse([c.text.slice(0, cut), c.text.slice(cut)], c.delimiter)).toEqual(c.rows);
      expect(parse([...c.text], c.delimiter)).toEqual(c.rows);
    });
  });

  it('refuses an unclosed quote, junk after a closing quote and over-long fields, naming the line', () => {
    expect(() => parse(['a\n"open,1\n2\n'])).toThrow(
      /a quoted field opened on line 2 never closes/,
    );
    expect(() => parse(['a,b\n"x"y,1\n'])).toThrow(/line 2: unexpected 'y' after a closing quote/);
    expect(() => parse(['a\nab"c\n'])).toThrow(/a quote inside an unquoted field/);
    const p = new CsvParser({ maxFieldLength: 10 });
    expect(() => p.push(`"${'x'.repeat(20)}`)).toThrow(FormatError);
    expect(() => new CsvParser({ delimiter: '::' })).toThrow(/one character/);
  });
});
