import { describe, expect, it } from 'vitest';
import { Dense } from '../layers/dense.js';
import { Sequential } from '../models/sequential.js';
import { tensor } from '../ops/creation.js';
import { ProgbarLogger, pageProgbar } from './progbar.js';

function model(): Sequential {
  const m = new Sequential({ layers: [new Dense({ units: 1, inputShape: [2] })] });
  m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae'] });
  return m;
}

const X = tensor([
  [1, 2],
  [2, 1],
  [3, 3],
  [-1, 2],
  [0, 1],
]);
const Y = tensor([[3], [3], [6], [1], [1]]);

/** A fake stream that records every write. */
function sink() {
  const writes: string[] = [];
  return { writes, out: { write: (s: string) => writes.push(s) }, text: () => writes.join('') };
}

const NUM = '-?\\d+\\.\\d{4}(e[+-]\\d+)?';

describe('ProgbarLogger', () => {
  it('off a terminal: the epoch header and one line per epoch with the step count and values', async () => {
    const s = sink();
    await model().fit(X, Y, {
      epochs: 2,
      batchSize: 2,
      verbose: 0,
      callbacks: [new ProgbarLogger({ out: s.out, tty: false })],
    });
    const lines = s.text().split('\n');
    expect(lines.length).toBe(5);
    expect(lines[4]).toBe('');
    expect(lines[0]).toBe('Epoch 1/2');
    expect(lines[2]).toBe('Epoch 2/2');
    for (const l of [lines[1]!, lines[3]!]) {
      expect(l).toMatch(
        new RegExp(`^3/3 ━{20} \\d+(s|ms|us) \\d+(s|ms|us)/step - loss: ${NUM} - mae: ${NUM}$`),
      );
    }
    expect(s.text()).not.toContain('\r');
    expect(s.writes.length).toBe(4);
  });

  it('on a terminal: updates the line in place with carriage returns, then ends it', async () => {
    const s = sink();
    await model().fit(X, Y, {
      epochs: 1,
      batchSize: 1,
      verbose: 0,
      callbacks: [new ProgbarLogger({ out: s.out, tty: true })],
    });
    // One epoch: no "Epoch 1/1" header, as Keras.
    expect(s.text()).not.toContain('Epoch');
    expect(s.writes.every((w) => w.startsWith('\r\x1b[2K'))).toBe(true);
    // The first batch is drawn (the throttle lets the first update through), with an ETA.
    // After the escape prefix (checked above), each write is one drawn line.
    const drawn = s.writes.map((w) => w.slice('\r\x1b[2K'.length));
    expect(drawn[0]).toMatch(/^1\/5 ━{4} {16} \d+(s|ms|us) ETA - loss: /);
    expect(drawn.at(-1)).toMatch(
      new RegExp(`^5/5 ━{20} \\d+(s|ms|us) \\d+(s|ms|us)/step - loss: ${NUM} - mae: ${NUM}\\n$`),
    );
    expect(s.writes.slice(0, -1).every((w) => !w.endsWith('\n'))).toBe(true);
  });

  it('verbose 2: Keras’s one line per epoch, with the step count', async () => {
    for (const tty of [false, true]) {
      const s = sink();
      await model().fit(X, Y, {
        epochs: 2,
        batchSize: 2,
        verbose: 0,
        callbacks: [new ProgbarLogger({ out: s.out, tty, verbose: 2 })],
      });
      const lines = s.text().split('\r\x1b[2K').join('').split('\n');
      expect(lines.length).toBe(5);
      expect([lines[0], lines[2]]).toEqual(['Epoch 1/2', 'Epoch 2/2']);
      expect(lines[1]).toMatch(
        new RegExp(`^3/3 - \\d+s - \\d+(s|ms|us)/step - loss: ${NUM} - mae: ${NUM}$`),
      );
      expect(s.writes.length).toBe(4);
    }
  });

  it('shows validation values at the end of a fit epoch', async () => {
    const s = sink();
    await model().fit(X, Y, {
      epochs: 1,
      validationSplit: 0.4,
      verbose: 0,
      callbacks: [new ProgbarLogger({ out: s.out, tty: false })],
    });
    expect(s.text()).toMatch(
      new RegExp(
        `^1/1 ━{20} .* - loss: ${NUM} - mae: ${NUM} - val_loss: ${NUM} - val_mae: ${NUM}\\n$`,
      ),
    );
  });

  it('evaluate: one line with the test step count', () => {
    const s = sink();
    model().evaluate(X, Y, {
      batchSize: 2,
      callbacks: [new ProgbarLogger({ out: s.out, tty: false })],
    });
    expect(s.text()).toMatch(new RegExp(`^3/3 ━{20} .* - loss: ${NUM} - mae: ${NUM}\\n$`));
  });
});

describe('pageProgbar', () => {
  it('keeps one line per epoch in an element, the current line rewritten in place', async () => {
    const el = { textContent: '' as string | null };
    await model().fit(X, Y, { epochs: 3, batchSize: 2, verbose: 0, callbacks: [pageProgbar(el)] });
    const lines = el.textContent!.split('\n');
    // Epoch header, then its finished bar, for each of 3 epochs, and the empty line after.
    expect(lines).toHaveLength(7);
    expect(lines.filter((l) => /^Epoch \d\/3$/.test(l))).toHaveLength(3);
    for (const i of [1, 3, 5])
      expect(lines[i]).toMatch(new RegExp(`^3/3 ━{20} .* - loss: ${NUM} - mae: ${NUM}$`));
    expect(el.textContent).not.toContain('\r');
    expect(el.textContent).not.toContain(String.fromCharCode(27));
  });
});
