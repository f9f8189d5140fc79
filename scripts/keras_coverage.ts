/**
 * Regenerates docs/KERAS_COVERAGE.md: every public name of Keras 3 (read from the
 * `keras/api/<family>/__init__.py` files of a Keras source tree, as text: nothing of Keras is
 * run) beside the Tessera export that provides it, or "missing" with the reason where one is
 * known.
 *
 * Run: `npx tsx scripts/keras_coverage.ts /tmp/keras-src` (a `git archive` of keras-team/keras
 * at the release Tessera follows, see ../shared/tools/keras3/README.md).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tessera from '../src/index.js';

const root = process.argv[2] ?? '/tmp/keras-src';

/** Families: the keras.api folder, and where Tessera keeps the same names. */
const FAMILIES: { family: string; dir: string; places: string[]; classAliases?: boolean }[] = [
  { family: 'layers', dir: 'layers', places: ['', 'layers'] },
  { family: 'ops', dir: 'ops', places: ['', 'strings'] },
  { family: 'ops.linalg', dir: 'ops/linalg', places: [''] },
  { family: 'ops.image', dir: 'ops/image', places: ['', 'image'] },
  { family: 'activations', dir: 'activations', places: ['activations', ''] },
  { family: 'losses', dir: 'losses', places: ['losses', ''] },
  // keras.metrics' functions (binary_crossentropy…) are the losses' functions.
  { family: 'metrics', dir: 'metrics', places: ['metrics', '', 'losses'] },
  { family: 'optimizers', dir: 'optimizers', places: ['optimizers', ''] },
  { family: 'optimizers.schedules', dir: 'optimizers/schedules', places: ['', 'optimizers'] },
  { family: 'callbacks', dir: 'callbacks', places: ['callbacks', ''] },
  { family: 'initializers', dir: 'initializers', places: ['initializers', ''], classAliases: true },
  { family: 'regularizers', dir: 'regularizers', places: ['regularizers', ''], classAliases: true },
  { family: 'constraints', dir: 'constraints', places: ['constraints', ''], classAliases: true },
  { family: 'models', dir: 'models', places: [''] },
  { family: 'datasets', dir: 'datasets', places: ['datasets'] },
  { family: 'random', dir: 'random', places: ['', 'random'] },
];

/** Why a Keras name has no Tessera counterpart, where the absence is a decision. */
const WHY: Record<string, string> = {
  TFSMLayer: 'wraps a TensorFlow SavedModel (TensorFlow runtime)',
  JaxLayer: 'wraps JAX code (Python)',
  FlaxLayer: 'wraps Flax code (Python)',
  TorchModuleWrapper: 'wraps PyTorch modules (Python)',
  InputSpec: 'Tessera checks input shapes through each layer’s inputSpec option',
  Pipeline: 'not yet',
};

/** `from x import A as B` pairs of an __init__.py (parenthesised imports included). */
function exportedNames(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const flat = text.replace(/\(\s*([^)]*?)\s*\)/gs, (_, inner: string) =>
    inner.replace(/\s+/g, ' '),
  );
  const names = new Set<string>();
  for (const m of flat.matchAll(/^from\s+\S+\s+import\s+(\w+)\s+as\s+(\w+)/gm)) {
    if (m[2]!.startsWith('_')) continue;
    names.add(m[2]!);
  }
  return [...names].sort();
}

const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
/** Keras's snake_case aliases of classes (initializers' `glorot_uniform` is `GlorotUniform`). */
const pascal = (s: string) => camel(s).replace(/^[a-z]/, (c) => c.toUpperCase());

/** Where Tessera provides `name` of a family, or null. */
function find(name: string, places: string[], classAliases = false): string | null {
  const lib = tessera as unknown as Record<string, Record<string, unknown>>;
  const candidates = [...new Set([name, camel(name), ...(classAliases ? [pascal(name)] : [])])];
  for (const place of places) {
    const ns = place === '' ? (lib as unknown as Record<string, unknown>) : lib[place];
    if (!ns || typeof ns !== 'object') continue;
    for (const c of candidates) if (c in ns) return place ? `${place}.${c}` : c;
  }
  return null;
}

const lines: string[] = [
  '# Keras 3 coverage',
  '',
  'Every public name of Keras 3 (from `keras/api`) beside the Tessera export that provides it.',
  'Regenerate with `npx tsx scripts/keras_coverage.ts <keras source tree>`; do not edit by hand.',
  '',
];
const summary: string[] = ['| family | covered | of |', '| --- | --- | --- |'];
const sections: string[] = [];
let covered = 0;
let total = 0;
for (const f of FAMILIES) {
  const names = exportedNames(join(root, 'keras', 'api', f.dir, '__init__.py'));
  if (names.length === 0) continue;
  const rows = names.map((n) => {
    const t = find(n, f.places, f.classAliases);
    return { n, t };
  });
  const c = rows.filter((r) => r.t).length;
  covered += c;
  total += names.length;
  summary.push(`| ${f.family} | ${c} | ${names.length} |`);
  sections.push(`## ${f.family}`, '', '| Keras | Tessera |', '| --- | --- |');
  for (const r of rows)
    sections.push(
      `| \`${r.n}\` | ${r.t ? `\`${r.t}\`` : `missing${WHY[r.n] ? `: ${WHY[r.n]}` : ''}`} |`,
    );
  sections.push('');
}
summary.push(`| **all** | **${covered}** | **${total}** |`);
lines.push(...summary, '', ...sections);
writeFileSync(new URL('../docs/KERAS_COVERAGE.md', import.meta.url), `${lines.join('\n')}\n`);
console.log(`covered ${covered} of ${total} Keras names`);
