/**
 * Model storage a browser has, addressed as TensorFlow.js addresses it: `indexeddb://name`
 * (IndexedDB, database `tessera-models`), `localstorage://name` (base64 in localStorage, a few
 * MB at most), and `downloads://name` (the browser downloads `name.keras`; save only). The
 * models are stored as `.keras` bytes, so what is saved loads anywhere a `.keras` file does.
 */
import { FileError } from './errors.js';

/** The browser storage schemes. */
export type BrowserScheme = 'indexeddb' | 'localstorage' | 'downloads';

/** `scheme://name` split, for the browser schemes; null for anything else. */
export function browserTarget(s: string): { scheme: BrowserScheme; name: string } | null {
  const m = /^(indexeddb|localstorage|downloads):\/\/(.+)$/i.exec(s);
  if (!m) return null;
  return { scheme: m[1]!.toLowerCase() as BrowserScheme, name: m[2]! };
}

const DB = 'tessera-models';
const STORE = 'models';
const LS_PREFIX = 'tessera-model:';

interface BrowserGlobals {
  indexedDB?: IDBFactory;
  localStorage?: Storage;
  document?: Document;
  URL?: typeof URL;
}

function globals(): BrowserGlobals {
  return globalThis as unknown as BrowserGlobals;
}

function unavailable(op: string, scheme: BrowserScheme, what: string): FileError {
  return new FileError(
    `${op}: '${scheme}://' needs a browser's ${what}, which this runtime lacks; in Node save to and load from file paths`,
    `${scheme}://`,
  );
}

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((ok, fail) => {
    r.onsuccess = () => ok(r.result);
    r.onerror = () => fail(r.error);
  });
}

async function openDb(op: string): Promise<IDBDatabase> {
  const idb = globals().indexedDB;
  if (!idb) throw unavailable(op, 'indexeddb', 'IndexedDB');
  const open = idb.open(DB, 1);
  open.onupgradeneeded = () => {
    if (!open.result.objectStoreNames.contains(STORE)) open.result.createObjectStore(STORE);
  };
  return request(open);
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  // Chunks keep String.fromCharCode's argument list short.
  for (let i = 0; i < bytes.length; i += 0x8000)
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Stores `.keras` bytes under `scheme://name` (downloads: the browser saves `name.keras`). */
export async function saveToBrowser(
  bytes: Uint8Array,
  scheme: BrowserScheme,
  name: string,
  op: string,
): Promise<void> {
  const g = globals();
  if (scheme === 'indexeddb') {
    const db = await openDb(op);
    try {
      const tx = db.transaction(STORE, 'readwrite');
      await request(tx.objectStore(STORE).put(bytes, name));
    } finally {
      db.close();
    }
  } else if (scheme === 'localstorage') {
    if (!g.localStorage) throw unavailable(op, scheme, 'localStorage');
    try {
      g.localStorage.setItem(LS_PREFIX + name, toBase64(bytes));
    } catch (err) {
      throw new FileError(
        `${op}: localStorage refused ${bytes.length} bytes for '${name}' (${err instanceof Error ? err.message : String(err)}); its quota is a few MB: use indexeddb:// for larger models`,
        `localstorage://${name}`,
      );
    }
  } else {
    if (!g.document || !g.URL?.createObjectURL) throw unavailable(op, scheme, 'document');
    const blob = new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' });
    const url = g.URL.createObjectURL(blob);
    const a = g.document.createElement('a');
    a.href = url;
    a.download = name.endsWith('.keras') ? name : `${name}.keras`;
    a.click();
    // The click has handed the URL to the download; free it after the current task.
    setTimeout(() => g.URL!.revokeObjectURL(url), 0);
  }
}

/** The `.keras` bytes stored under `scheme://name`. */
export async function loadFromBrowser(
  scheme: BrowserScheme,
  name: string,
  op: string,
): Promise<Uint8Array> {
  const where = `${scheme}://${name}`;
  if (scheme === 'downloads')
    throw new FileError(
      `${op}: 'downloads://' only saves; load the downloaded file as a File (an <input type=file> or a drop)`,
      where,
    );
  if (scheme === 'indexeddb') {
    const db = await openDb(op);
    try {
      const tx = db.transaction(STORE, 'readonly');
      const v = await request(tx.objectStore(STORE).get(name));
      if (!(v instanceof Uint8Array))
        throw new FileError(`${op}: no model saved as '${where}'`, where);
      return v;
    } finally {
      db.close();
    }
  }
  const ls = globals().localStorage;
  if (!ls) throw unavailable(op, scheme, 'localStorage');
  const text = ls.getItem(LS_PREFIX + name);
  if (text === null) throw new FileError(`${op}: no model saved as '${where}'`, where);
  return fromBase64(text);
}
