import { loadModel, modelToKerasBytes, saveModel } from '../../src/io/save_load.js';
/**
 * The browser-storage test's page script: a small model saved to and loaded from IndexedDB,
 * localStorage and downloads, and a .keras File loaded as a user's drop would hand it over.
 */
import { Dense } from '../../src/layers/dense.js';
import { Sequential } from '../../src/models/sequential.js';
import { tensor } from '../../src/ops/creation.js';

function build(): Sequential {
  const m = new Sequential({
    layers: [
      new Dense({ units: 4, activation: 'relu', inputShape: [3] }),
      new Dense({ units: 2, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  return m;
}

const x = () =>
  tensor([
    [0.5, -1, 2],
    [1, 1, 1],
  ]);
const out = (m: { predict(t: unknown): unknown }) =>
  Array.from((m.predict(x()) as { dataSync(): Float32Array }).dataSync());

async function roundTrips(): Promise<Record<string, unknown>> {
  const m = build();
  const want = out(m);
  await saveModel(m, 'indexeddb://digits');
  const fromIdb = await loadModel('indexeddb://digits');
  await saveModel(m, 'localstorage://digits');
  const fromLs = await loadModel('localstorage://digits');
  await saveModel(m, 'downloads://digits');
  const bytes = (await modelToKerasBytes(m)) as Uint8Array<ArrayBuffer>;
  const file = new File([bytes], 'digits.keras');
  const fromFile = await loadModel(file);
  let missing = '';
  try {
    await loadModel('indexeddb://nothing-here');
  } catch (e) {
    missing = `${(e as Error).name}: ${(e as Error).message}`;
  }
  return {
    want,
    idb: out(fromIdb),
    ls: out(fromLs),
    file: out(fromFile),
    compiled: fromIdb.compileInfo !== null,
    missing,
  };
}

Object.assign(globalThis, { roundTrips });
