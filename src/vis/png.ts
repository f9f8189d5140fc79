/**
 * SVG pictures as PNG, where a renderer is at hand: in Node, resvg's WebAssembly build
 * (`@resvg/resvg-wasm`, an optional peer dependency: install it to get PNGs) with fonts read
 * from the system's font folders. Tessera itself draws only SVG; without the renderer a PNG is
 * refused with what to install, and the SVG still works everywhere.
 */
import { FileError } from '../io/errors.js';
import { nodeBuiltin } from '../io/node_builtin.js';

interface Resvg {
  initWasm(m: BufferSource): Promise<void>;
  Resvg: new (
    svg: string,
    opts: {
      font: { fontBuffers: Uint8Array[]; defaultFontFamily?: string; sansSerifFamily?: string };
    },
  ) => { render(): { asPng(): Uint8Array }; free(): void };
}

// A specifier in a variable keeps bundlers from resolving the optional package.
const RENDERER = '@resvg/resvg-wasm';

/** Sans-serif fonts looked for, in order, in the system's font folders. */
const FONT_FILES = [
  'DejaVuSans.ttf',
  'LiberationSans-Regular.ttf',
  'Arial.ttf',
  'arial.ttf',
  'Helvetica.ttc',
  'NotoSans-Regular.ttf',
];
const FONT_DIRS = [
  '/usr/share/fonts',
  '/usr/local/share/fonts',
  '/Library/Fonts',
  '/System/Library/Fonts',
  'C:\\Windows\\Fonts',
];

let renderer: Promise<{ lib: Resvg; fonts: Uint8Array[]; family?: string } | string> | null = null;

/** Finds the first of {@link FONT_FILES} under the font folders (a bounded walk). */
function findFont(): { bytes: Uint8Array; family: string } | null {
  const fs = nodeBuiltin<typeof import('node:fs')>('fs');
  const path = nodeBuiltin<typeof import('node:path')>('path');
  const found = new Map<string, string>();
  let visited = 0;
  const walk = (dir: string, depth: number) => {
    if (depth > 4 || visited > 2000) return;
    let entries: import('node:fs').Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      visited++;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full, depth + 1);
      else if (FONT_FILES.includes(e.name) && !found.has(e.name)) found.set(e.name, full);
    }
  };
  for (const d of FONT_DIRS) walk(d, 0);
  for (const name of FONT_FILES) {
    const file = found.get(name);
    if (file) {
      const family = name.startsWith('DejaVu')
        ? 'DejaVu Sans'
        : name.startsWith('Liberation')
          ? 'Liberation Sans'
          : name.startsWith('Noto')
            ? 'Noto Sans'
            : name.startsWith('Helvetica')
              ? 'Helvetica'
              : 'Arial';
      return { bytes: new Uint8Array(fs.readFileSync(file)), family };
    }
  }
  return null;
}

async function loadRenderer(): Promise<
  { lib: Resvg; fonts: Uint8Array[]; family?: string } | string
> {
  let lib: Resvg;
  try {
    lib = (await import(/* @vite-ignore */ RENDERER)) as Resvg;
  } catch {
    return `writing PNG needs an SVG renderer: install ${RENDERER} (npm install ${RENDERER}); the SVG needs nothing`;
  }
  try {
    const mod = nodeBuiltin<typeof import('node:module')>('module');
    const fs = nodeBuiltin<typeof import('node:fs')>('fs');
    const wasmPath = mod.createRequire(import.meta.url).resolve(`${RENDERER}/index_bg.wasm`);
    await lib.initWasm(fs.readFileSync(wasmPath));
  } catch (e) {
    return `${RENDERER} did not start: ${e instanceof Error ? e.message : String(e)}`;
  }
  const font = findFont();
  return { lib, fonts: font ? [font.bytes] : [], family: font?.family };
}

/**
 * Whether PNGs can be written here (Node with `@resvg/resvg-wasm` installed), and if not, why.
 *
 * Formula: none. Shape: none.
 *
 * @example if ((await pngRenderer()).ok) await history.plot('curves.png');
 */
export async function pngRenderer(): Promise<
  { ok: true; font: string | null } | { ok: false; why: string }
> {
  renderer ??= loadRenderer();
  const r = await renderer;
  return typeof r === 'string' ? { ok: false, why: r } : { ok: true, font: r.family ?? null };
}

/**
 * Renders an SVG document to PNG bytes (text in the first sans-serif system font found).
 *
 * Formula: none (rasterisation at the SVG's own size, one pixel per user unit).
 *
 * Shape: a PNG of the SVG's width × height.
 *
 * @example await writeFile('curves.png', await svgToPng(historyChart(h.history)));
 */
export async function svgToPng(svg: string): Promise<Uint8Array> {
  renderer ??= loadRenderer();
  const r = await renderer;
  if (typeof r === 'string') throw new FileError(`svgToPng: ${r}`, RENDERER);
  const family = r.family;
  const doc = new r.lib.Resvg(svg, {
    font: {
      fontBuffers: r.fonts,
      ...(family ? { defaultFontFamily: family, sansSerifFamily: family } : {}),
    },
  });
  try {
    return doc.render().asPng();
  } finally {
    doc.free();
  }
}
