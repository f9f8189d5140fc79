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
  // ops
  associative_scan: 'control flow over JS functions: use JS loops',
  cond: 'control flow over JS functions: use JS `if`',
  fori_loop: 'control flow over JS functions: use JS loops',
  map: 'control flow over JS functions: use JS loops (or Array.map and stack)',
  scan: 'control flow over JS functions: use JS loops',
  switch: 'control flow over JS functions: use JS `switch`',
  while_loop: 'control flow over JS functions: use JS loops',
  vectorized_map: 'control flow over JS functions: use JS loops (or batch the op)',
  vectorize: 'control flow over JS functions: use JS loops (or batch the op)',
  jvp: 'forward-mode autodiff: Tessera’s autograd is reverse-mode (grad, valueAndGrad)',
  eig: 'complex dtype (general eigenvalues are complex; eigh covers symmetric matrices)',
  polar: 'complex dtype',
  view_as_complex: 'complex dtype',
  view_as_real: 'complex dtype',
  fold: 'not yet (col2im)',
  unfold: 'not yet (im2col)',
  rearrange: 'not yet (einops pattern strings: use reshape and transpose)',
  linalg: 'a submodule, not an op: its ops are at Tessera’s top level (see ops.linalg)',
  nn: 'a submodule, not an op: its ops are at Tessera’s top level',
  numpy: 'a submodule, not an op: its ops are at Tessera’s top level',
};

/**
 * Keras names that Tessera provides under another name or signature, per family: `to` lists the
 * Tessera exports (checked to exist when the table is made; `Class#member` names a member of an
 * exported class) and `note` says how the call differs.
 */
const MAPPED: Record<string, Record<string, { to: string[]; note?: string }>> = {
  activations: { get: { to: ['activations.getActivation'] } },
  losses: {
    get: { to: ['losses.getLoss'] },
    kl_divergence: { to: ['losses.kullbackLeiblerDivergence'] },
  },
  metrics: {
    get: { to: ['metrics.getMetric'] },
    kl_divergence: { to: ['losses.kullbackLeiblerDivergence'] },
  },
  optimizers: { get: { to: ['optimizers.getOptimizer'] } },
  initializers: {
    get: { to: ['initializers.getInitializer'] },
    IdentityInitializer: { to: ['initializers.Identity'] },
    OrthogonalInitializer: { to: ['initializers.Orthogonal'] },
  },
  regularizers: { get: { to: ['regularizers.getRegularizer'] } },
  constraints: { get: { to: ['constraints.getConstraint'] } },
  ops: {
    var: { to: ['variance'] },
    average_pool: {
      to: ['avgPool1d', 'avgPool2d'],
      note: 'one function per rank (1D, 2D), options object',
    },
    max_pool: {
      to: ['maxPool1d', 'maxPool2d'],
      note: 'one function per rank (1D, 2D), options object',
    },
    conv: { to: ['conv1d', 'conv2d'], note: 'one function per rank (1D, 2D), options object' },
    conv_transpose: { to: ['conv2dTranspose'], note: '2D, options object' },
    depthwise_conv: { to: ['depthwiseConv2d'], note: '2D, options object' },
    separable_conv: { to: ['separableConv2d'], note: '2D, options object' },
    categorical_crossentropy: {
      to: ['losses.categoricalCrossentropy'],
      note: 'fromLogits and axis in an options object',
    },
    sparse_categorical_crossentropy: {
      to: ['losses.sparseCategoricalCrossentropy'],
      note: 'fromLogits in an options object; classes on the last axis',
    },
    convert_to_numpy: {
      to: ['Tensor#arraySync', 'Tensor#dataSync'],
      note: 'nested JS arrays, or the flat typed array',
    },
    get_item: {
      to: ['slice', 'stridedSlice', 'gather', 'take'],
      note: 'Python’s `x[key]` as explicit calls',
    },
    custom_gradient: {
      to: ['customGrad'],
      note: 'the function returns `{ value, gradFunc }` instead of a pair',
    },
  },
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

/** The table cell of a MAPPED entry, after checking that each named export exists. */
function mapped(family: string, name: string): string | null {
  const m = MAPPED[family]?.[name];
  if (!m) return null;
  const lib = tessera as unknown as Record<string, unknown>;
  for (const t of m.to) {
    const [path, member] = t.split('#') as [string, string | undefined];
    let v: unknown = lib;
    for (const part of path.split('.')) v = (v as Record<string, unknown> | undefined)?.[part];
    const ok =
      v !== undefined &&
      (member === undefined ||
        (typeof v === 'function' && member in (v as { prototype: object }).prototype));
    if (!ok) throw new Error(`MAPPED.${family}.${name}: Tessera has no ${t}`);
  }
  return `${m.to.map((t) => `\`${t}\``).join(', ')}${m.note ? ` (${m.note})` : ''}`;
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
    return { n, t, cell: t ? `\`${t}\`` : mapped(f.family, n) };
  });
  const c = rows.filter((r) => r.cell).length;
  covered += c;
  total += names.length;
  summary.push(`| ${f.family} | ${c} | ${names.length} |`);
  sections.push(`## ${f.family}`, '', '| Keras | Tessera |', '| --- | --- |');
  for (const r of rows)
    sections.push(`| \`${r.n}\` | ${r.cell ?? `missing${WHY[r.n] ? `: ${WHY[r.n]}` : ''}`} |`);
  sections.push('');
}
summary.push(`| **all** | **${covered}** | **${total}** |`);
lines.push(...summary, '', ...sections);
writeFileSync(new URL('../docs/KERAS_COVERAGE.md', import.meta.url), `${lines.join('\n')}\n`);
console.log(`covered ${covered} of ${total} Keras names`);
