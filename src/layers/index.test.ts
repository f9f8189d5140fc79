/**
 * Adding a layer touches one place: its family file (class, XArgs, registerSerializable, and a
 * static probeConfig if it has required options). These tests hold the rest together: every
 * family file is re-exported whole by the barrel, every registered built-in layer class is
 * reachable as `layers.X` and at the top level, and the config reader can probe every one.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tessera from '../index.js';
import { BUILTIN_LAYERS, knownLayerKeys } from '../io/keras_config/layers.js';
import { lookupSerializable } from '../serialization.js';
import * as layers from './index.js';

const DIR = new URL('.', import.meta.url).pathname;
/** Files that hold what the families share, not layers. */
const INTERNAL = new Set([
  'index.ts',
  'layer.ts',
  'symbolic.ts',
  'allocation_budget.ts',
  'conv_extra_base.ts',
  'config_util.ts',
  'rnn/loop.ts',
  'rnn/cell_util.ts',
  'rnn/rnn_util.ts',
  'preprocessing/image_util.ts',
  // Re-exported by name through augmentation_extra.ts (the base class and checks stay out).
  'preprocessing/augmentation_extra2.ts',
]);

function sources(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return sources(p, `${prefix}${f}/`);
    return f.endsWith('.ts') && !f.endsWith('.test.ts') ? [`${prefix}${f}`] : [];
  });
}

describe('the layers barrel', () => {
  it('re-exports every family file whole', () => {
    const index = readFileSync(join(DIR, 'index.ts'), 'utf8');
    const missing = sources(DIR)
      .filter((f) => !INTERNAL.has(f))
      .filter((f) => !index.includes(`export * from './${f.replace(/\.ts$/, '.js')}';`));
    expect(missing).toEqual([]);
  });

  it('every built-in layer class is layers.X and a top-level export, and can be probed', () => {
    expect(BUILTIN_LAYERS.size).toBeGreaterThan(100);
    for (const name of BUILTIN_LAYERS) {
      const cls = lookupSerializable('layer', name);
      expect((layers as Record<string, unknown>)[name], name).toBe(cls);
      expect((tessera as Record<string, unknown>)[name], name).toBe(cls);
      // A class with required options declares them in its static probeConfig.
      expect(knownLayerKeys(name), name).not.toBeNull();
    }
  });
});
