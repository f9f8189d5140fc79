/**
 * Node's built-in modules, reached through `process.getBuiltinModule` instead of an `import`,
 * so that no bundler follows a `node:` specifier into a browser build: the Node-only paths
 * (file datasets, getFile, dataset caches, tar extraction) stay in the graph as plain code and
 * fail with a clear error if a browser ever calls them.
 */
import { FileError } from './errors.js';

interface NodeProcess {
  versions?: { node?: string };
  getBuiltinModule?(id: string): unknown;
}

/**
 * The Node built-in `name` (`'fs/promises'`, `'path'`, …), typed by the caller.
 *
 * Formula: none (a lookup).
 *
 * Shape: not applicable.
 * @example const { readFile } = nodeBuiltin<typeof import('node:fs/promises')>('fs/promises');
 */
export function nodeBuiltin<T>(name: string): T {
  const proc = (globalThis as { process?: NodeProcess }).process;
  const m = proc?.getBuiltinModule?.(`node:${name}`);
  if (!m) {
    const where = proc?.versions?.node ? `Node ${proc.versions.node}` : 'this runtime';
    throw new FileError(
      `this needs Node's built-in 'node:${name}', which ${where} does not provide (Node 20.16 or later has it; browsers never do)`,
      `node:${name}`,
    );
  }
  return m as T;
}
