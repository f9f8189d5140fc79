/**
 * Loading the native addon (`build/Release/tessera_native.node`, built by node-gyp at install).
 * Loading never throws: it returns the addon or the reason it is unavailable, which
 * `backendInfo()` reports when Tessera falls back to another backend.
 */

/** Geometry of a convolution or pooling window, as the addon reads it (14 int32 values). */
export type Geometry = Int32Array;

/** The functions the addon exports (see src/backend/native/addon/addon.cc). */
/**
 * The size arguments of the attention kernels: batch, heads, queryLen, keyLen, dim, valueDim,
 * scale, maskedValue, causal, maskBatch, maskHeads, biasBatch, biasHeads.
 */
export type AttentionDims = [
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  boolean,
  number,
  number,
  number,
  number,
];

export interface NativeAddon {
  info(): { isa: string; threads: number };
  setThreads(threads: number): void;
  gemm(
    batch: number,
    m: number,
    n: number,
    k: number,
    transA: boolean,
    transB: boolean,
    a: Float32Array,
    strideA: number,
    b: Float32Array,
    strideB: number,
    c: Float32Array,
  ): void;
  unary(op: number, x: Float32Array, y: Float32Array, n: number, param: number): void;
  binary(
    op: number,
    a: Float32Array,
    aOuter: number,
    aInner: number,
    b: Float32Array,
    bOuter: number,
    bInner: number,
    y: Float32Array,
    outer: number,
    inner: number,
  ): void;
  compare(
    op: number,
    a: Float32Array,
    aOuter: number,
    aInner: number,
    b: Float32Array,
    bOuter: number,
    bInner: number,
    y: Uint8Array,
    outer: number,
    inner: number,
  ): void;
  where(
    cond: Uint8Array,
    cOuter: number,
    cInner: number,
    a: Float32Array,
    aOuter: number,
    aInner: number,
    b: Float32Array,
    bOuter: number,
    bInner: number,
    y: Float32Array,
    outer: number,
    inner: number,
  ): void;
  reduceSum(x: Float32Array, y: Float32Array, outer: number, mid: number, inner: number): void;
  softmax(x: Float32Array, y: Float32Array, rows: number, cols: number, log: boolean): void;
  conv2d(geo: Geometry, x: Float32Array, w: Float32Array, y: Float32Array, cout: number): void;
  conv2dBackpropInput(
    geo: Geometry,
    dy: Float32Array,
    w: Float32Array,
    dx: Float32Array,
    cout: number,
  ): void;
  conv2dBackpropFilter(
    geo: Geometry,
    x: Float32Array,
    dy: Float32Array,
    dw: Float32Array,
    cout: number,
  ): void;
  maxPool(geo: Geometry, x: Float32Array, y: Float32Array): void;
  maxPoolBackward(geo: Geometry, dy: Float32Array, x: Float32Array, dx: Float32Array): void;
  /** Max pool that also writes each output's flat argmax index into x (−1: empty window). */
  maxPoolArgmax(geo: Geometry, x: Float32Array, y: Float32Array, arg: Int32Array): void;
  /** dx (zeroed) += dy at the argmax of maxPoolArgmax; indices outside their image skipped. */
  conv2dBiasAct(
    geo: Geometry,
    x: Float32Array,
    w: Float32Array,
    y: Float32Array,
    cout: number,
    bias: Float32Array | null,
    relu: boolean,
  ): void;
  maxPoolBackwardArgmax(geo: Geometry, dy: Float32Array, arg: Int32Array, dx: Float32Array): void;
  maxPoolBackwardArgmaxRelu(
    geo: Geometry,
    dy: Float32Array,
    arg: Int32Array,
    y: Float32Array,
    dx: Float32Array,
  ): void;
  gather(
    x: Float32Array,
    idx: Int32Array,
    y: Float32Array,
    outer: number,
    n: number,
    numIdx: number,
    inner: number,
  ): void;
  /** y = 0, then y[o, idx[i], :] += u[o, i, :] in index order; y need not be zeroed. */
  scatterAdd(
    u: Float32Array,
    idx: Int32Array,
    y: Float32Array,
    outer: number,
    n: number,
    numIdx: number,
    inner: number,
  ): void;
  gruCell(
    x: Float32Array,
    r: Float32Array,
    h: Float32Array,
    y: Float32Array,
    batch: number,
    units: number,
  ): void;
  gruCellGrad(
    x: Float32Array,
    r: Float32Array,
    h: Float32Array,
    dy: Float32Array,
    dx: Float32Array,
    dr: Float32Array,
    dh: Float32Array,
    batch: number,
    units: number,
  ): void;
  lstmCell(z: Float32Array, c: Float32Array, hc: Float32Array, batch: number, units: number): void;
  lstmCellGrad(
    z: Float32Array,
    c: Float32Array,
    hc: Float32Array,
    dhc: Float32Array,
    dz: Float32Array,
    dc: Float32Array,
    batch: number,
    units: number,
  ): void;
  /** Fused attention forward (attention.cc); out and probs preallocated in JS. */
  attention(
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
    mask: Uint8Array | null,
    bias: Float32Array | null,
    out: Float32Array,
    probs: Float32Array,
    ...dims: AttentionDims
  ): void;
  /** Its backward; dq, dk and dv preallocated in JS. */
  attentionGrad(
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
    probs: Float32Array,
    mask: Uint8Array | null,
    dOut: Float32Array,
    dq: Float32Array,
    dk: Float32Array,
    dv: Float32Array,
    dLogits: Float32Array | null,
    ...dims: AttentionDims
  ): void;
  /** Whole-sequence LSTM forward (lstm_seq.cc); outputs and saved buffers preallocated in JS. */
  lstmSeq(
    xProj: Float32Array,
    U: Float32Array,
    h0: Float32Array,
    c0: Float32Array,
    hseq: Float32Array,
    hLast: Float32Array,
    cLast: Float32Array,
    gates: Float32Array,
    cs: Float32Array,
    batch: number,
    steps: number,
    units: number,
    goBackwards: boolean,
    mask?: Uint8Array | null,
    zeroOutputForMask?: boolean,
    hstate?: Float32Array | null,
  ): void;
  /** Its backward; the three output gradients may be null (zero). */
  lstmSeqGrad(
    U: Float32Array,
    h0: Float32Array,
    c0: Float32Array,
    hseq: Float32Array,
    gates: Float32Array,
    cs: Float32Array,
    dhseq: Float32Array | null,
    dhLast: Float32Array | null,
    dcLast: Float32Array | null,
    dx: Float32Array,
    dU: Float32Array,
    dh0: Float32Array,
    dc0: Float32Array,
    batch: number,
    steps: number,
    units: number,
    goBackwards: boolean,
    mask?: Uint8Array | null,
    zeroOutputForMask?: boolean,
    hstate?: Float32Array | null,
  ): void;
  /** Whole-sequence GRU forward (gru_seq.cc); outputs and saved buffers preallocated in JS. */
  gruSeq(
    xProj: Float32Array,
    U: Float32Array,
    bRec: Float32Array | null,
    h0: Float32Array,
    hseq: Float32Array,
    hLast: Float32Array,
    saved: Float32Array,
    batch: number,
    steps: number,
    units: number,
    goBackwards: boolean,
    mask?: Uint8Array | null,
    zeroOutputForMask?: boolean,
    hstate?: Float32Array | null,
  ): void;
  /** Its backward; the two output gradients may be null (zero). */
  gruSeqGrad(
    U: Float32Array,
    h0: Float32Array,
    hseq: Float32Array,
    saved: Float32Array,
    dhseq: Float32Array | null,
    dhLast: Float32Array | null,
    dx: Float32Array,
    dU: Float32Array,
    dbRec: Float32Array,
    dh0: Float32Array,
    batch: number,
    steps: number,
    units: number,
    goBackwards: boolean,
    mask?: Uint8Array | null,
    zeroOutputForMask?: boolean,
    hstate?: Float32Array | null,
  ): void;
  /** y = act(x + bias) over rows × cols (bias null: none; relu when `relu`). */
  biasAct(
    x: Float32Array,
    bias: Float32Array | null,
    y: Float32Array,
    rows: number,
    cols: number,
    relu: boolean,
  ): void;
  rmsprop(
    p: Float32Array,
    g: Float32Array,
    v: Float32Array,
    pOut: Float32Array,
    vOut: Float32Array,
    lr: number,
    rho: number,
    oneMinusRho: number,
    epsilon: number,
  ): void;
  adam(
    p: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    pOut: Float32Array,
    mOut: Float32Array,
    vOut: Float32Array,
    lr: number,
    beta1: number,
    beta2: number,
    epsilon: number,
  ): void;
  poolTest(n: number): { counts: Int32Array; threads: number };
}

/** The addon, or why it could not be loaded. */
export type AddonResult = { addon: NativeAddon; path: string; origin: string } | { error: string };

interface NodeProcess {
  versions?: { node?: string };
  env?: Record<string, string | undefined>;
  platform?: string;
  arch?: string;
  report?: { getReport?(): { header?: { glibcVersionRuntime?: string } } };
  getBuiltinModule?: (id: string) => unknown;
}

/**
 * The prebuilt addon's folder name for this process: `linux-x64-glibc` (the C library matters:
 * a glibc build does not load on musl), `darwin-arm64`, …
 * @example prebuildTag() // 'linux-x64-glibc'
 */
export function prebuildTag(): string {
  const proc = (globalThis as { process?: NodeProcess }).process;
  const glibc =
    proc?.platform === 'linux' && proc.report?.getReport?.().header?.glibcVersionRuntime;
  return `${proc?.platform}-${proc?.arch}${glibc ? '-glibc' : ''}`;
}

/**
 * Finds and loads the addon: the one compiled on this machine (`build/Release/`), else the
 * prebuilt one the package ships for this platform (`prebuilds/<tag>/`). `TESSERA_NATIVE_ADDON`
 * names another file instead (tests use it to simulate a missing build); `TESSERA_NO_NATIVE=1`
 * disables the backend.
 *
 * @example
 * const r = loadAddon();
 * if ('error' in r) console.log(r.error); else console.log(r.origin);
 */
export function loadAddon(): AddonResult {
  const proc = (globalThis as { process?: NodeProcess }).process;
  if (!proc?.versions?.node) return { error: 'not running in Node.js' };
  if (proc.env?.TESSERA_NO_NATIVE === '1') return { error: 'disabled by TESSERA_NO_NATIVE=1' };
  // getBuiltinModule keeps this file free of static Node imports, so browser bundles load it.
  const mod = proc.getBuiltinModule?.('node:module') as
    | { createRequire(from: string): (id: string) => unknown }
    | undefined;
  const url = proc.getBuiltinModule?.('node:url') as
    | { fileURLToPath(u: string | URL): string }
    | undefined;
  if (!mod || !url) return { error: `Node ${proc.versions.node} lacks process.getBuiltinModule` };
  const req = mod.createRequire(import.meta.url);
  // src/backend/native/ and dist/backend/native/ both sit three levels below the package root.
  // Not `new URL('…', import.meta.url)`: bundlers read that pattern as an asset to copy into
  // a web build, and the addon has no place there.
  const here = import.meta.url;
  const atRoot = (rel: string) => url.fileURLToPath(new URL(`../../../${rel}`, here));
  const tag = prebuildTag();
  const candidates: { path: string; origin: string }[] = proc.env?.TESSERA_NATIVE_ADDON
    ? [{ path: proc.env.TESSERA_NATIVE_ADDON, origin: 'named by TESSERA_NATIVE_ADDON' }]
    : [
        // A build of this machine's own first: in a checkout it is the fresh one, and in a
        // dependant it exists only where the prebuilt addon did not load at install.
        { path: atRoot('build/Release/tessera_native.node'), origin: 'compiled at install' },
        {
          path: atRoot(`prebuilds/${tag}/tessera_native.node`),
          origin: `prebuilt for ${tag}, shipped in the package`,
        },
      ];
  const failures: string[] = [];
  let allMissing = true;
  for (const c of candidates) {
    try {
      const addon = req(c.path) as NativeAddon;
      if (typeof addon?.gemm !== 'function') {
        failures.push(`${c.path} is not the Tessera addon`);
        allMissing = false;
        continue;
      }
      return { addon, path: c.path, origin: c.origin };
    } catch (err) {
      const msg = err instanceof Error ? err.message.split('\n')[0]! : String(err);
      if (/Cannot find module|ENOENT/.test(msg)) failures.push(`${c.path} missing`);
      else {
        allMissing = false;
        failures.push(`${c.path} failed to load: ${msg}`);
      }
    }
  }
  return {
    error: allMissing
      ? `native addon not built (${candidates[0]!.path} missing, and no prebuilt addon for ${tag}; run \`npm rebuild tessera-ml\` in a project that depends on Tessera, or \`npm run build:native\` in a checkout of it; both need python3, make and g++)`
      : `native addon failed to load (${failures.join('; ')})`,
  };
}
