/**
 * Contiguous slices are views on the CPU backends (a batch of rows costs no copy); every op
 * must read them at their offset, and nothing may write through them.
 */
import { expect, it } from 'vitest';
import { describeBackends } from '../../test/helpers/describe_backends.js';
import { JsData } from '../backend/cpu/index.js';
import { relu, softmax } from './activation.js';
import { tensor } from './creation.js';
import { add, mul } from './elementwise.js';
import { matmul } from './matmul.js';
import { slice } from './movement.js';

/** x[i, j] = i·cols + j + 0.5, as float32. */
function rows(n: number, cols: number) {
  return tensor(
    Float32Array.from({ length: n * cols }, (_, i) => i + 0.5),
    [n, cols],
  );
}

describeBackends('slice views', () => {
  it('a run of whole rows shares storage and holds the right values', () => {
    const x = rows(200, 64);
    const v = slice(x, [37, 0], [100, 64]);
    const h = v.handle as JsData;
    expect(h).toBeInstanceOf(JsData);
    expect(h.values.buffer).toBe((x.handle as JsData).values.buffer);
    expect(h.values.byteOffset).toBe(37 * 64 * 4);
    const d = v.dataSync();
    expect(d.length).toBe(6400);
    expect(d[0]).toBe(37 * 64 + 0.5);
    expect(d[6399]).toBe(136 * 64 + 63 + 0.5);
  });

  it('a strided or column slice still copies', () => {
    const x = rows(200, 64);
    const cols = slice(x, [0, 1], [200, 60]);
    expect((cols.handle as JsData).values.buffer).not.toBe((x.handle as JsData).values.buffer);
    expect(cols.dataSync()[0]).toBe(1.5);
    expect(cols.dataSync()[60]).toBe(65.5);
  });

  it('ops on a view give exactly what they give on a copy of it', () => {
    const x = rows(300, 96);
    // An odd row offset: the view starts 4 bytes past any vector alignment.
    const v = slice(x, [33, 0], [120, 96]);
    const copy = tensor(Float32Array.from(v.dataSync()), [120, 96]);
    const w = tensor(
      Float32Array.from({ length: 96 * 40 }, (_, i) => Math.sin(i)),
      [96, 40],
    );
    const b = tensor(
      Float32Array.from({ length: 40 }, (_, i) => i / 40),
      [40],
    );
    const f = (t: typeof v) => softmax(relu(add(matmul(mul(t, 1e-4), w), b)));
    expect(Array.from(f(v).dataSync())).toEqual(Array.from(f(copy).dataSync()));
    // The parent is unchanged.
    expect(x.dataSync()[33 * 96]).toBe(33 * 96 + 0.5);
  });
});
