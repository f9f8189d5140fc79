/**
 * `einsum`: Einstein summation over one or more operands, planned as transposes, reshapes,
 * sums and one batched matrix product per pair of operands, so its gradient is theirs and the
 * heavy part runs in the backends' GEMM. Operands are contracted left to right; labels that no
 * later operand and not the output needs are summed out as early as possible.
 */
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { sizeOf } from '../tensor/shape.js';
import { type Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import { matmul } from './matmul.js';
import { broadcastTo, reshape, transpose } from './movement.js';
import { sum } from './reduce.js';

/** One operand's labels (a character each; ellipsis axes get private labels) and its tensor. */
interface Term {
  labels: string[];
  t: Tensor;
}

const LETTER = /^[a-zA-Z]$/;

/** Private labels for ellipsis axes: characters no equation can use. */
const ellipsisLabel = (i: number) => String.fromCharCode(0x2460 + i);

/** Splits an operand spec into labels, expanding `...` to the axes it stands for. */
function parseSpec(
  spec: string,
  rank: number | null,
  where: string,
): { labels: string[]; ellipsis: number } {
  const parts = spec.split('...');
  if (parts.length > 2) throw new ValueError(`${where}: '${spec}' has more than one '...'`);
  for (const ch of parts.join(''))
    if (!LETTER.test(ch))
      throw new ValueError(`${where}: '${spec}' holds '${ch}'; labels are letters a–z, A–Z`);
  const named = parts.join('').length;
  if (parts.length === 1) {
    if (rank !== null && rank !== named)
      throw new ShapeError(
        `${where}: '${spec}' names ${named} axes, but the operand has rank ${rank}`,
      );
    return { labels: [...spec], ellipsis: 0 };
  }
  const n = rank === null ? 0 : rank - named;
  if (n < 0)
    throw new ShapeError(
      `${where}: '${spec}' names ${named} axes, but the operand has rank ${rank}`,
    );
  return { labels: [...parts[0]!, ...new Array<string>(n).fill(''), ...parts[1]!], ellipsis: n };
}

/**
 * Einstein summation (numpy's and Keras's `einsum`): each operand's axes are labelled by
 * letters; labels shared by operands are multiplied together, labels missing from the output
 * are summed. `...` stands for the remaining axes (broadcast between operands, right-aligned).
 * Without `->`, the output is the labels used once, in alphabetical order, after `...`.
 *
 * Formula: `out[o] = Σ_{labels ∉ o} Π_i x_i[labels_i]`.
 *
 * Shape: the output has one axis per output label, sized as in the operands (size-1 axes
 * broadcast).
 * @example einsum('ij,jk->ik', a, b) // matmul(a, b)
 * @example einsum('bqhd,bkhd->bhqk', q, k) // attention scores
 */
export function einsum(equation: string, ...operands: TensorLike[]): Tensor {
  const where = `einsum('${equation}')`;
  const eq = equation.replace(/\s+/g, '');
  if (operands.length === 0) throw new ValueError(`${where}: needs at least one operand`);
  const arrow = eq.indexOf('->');
  if (arrow !== eq.lastIndexOf('->')) throw new ValueError(`${where}: more than one '->'`);
  const lhs = arrow < 0 ? eq : eq.slice(0, arrow);
  const specs = lhs.split(',');
  if (specs.length !== operands.length)
    throw new ValueError(
      `${where}: the equation has ${specs.length} operand spec(s), got ${operands.length} operand(s)`,
    );
  const ts = operands.map((o, i) => convertToTensor(o, 'einsum', `operands[${i}]`));
  // Ellipsis axes: right-aligned across operands, each position one private label.
  const parsed = specs.map((s, i) => parseSpec(s, ts[i]!.rank, `${where} operand ${i}`));
  const maxEll = Math.max(0, ...parsed.map((p) => p.ellipsis));
  const terms: Term[] = parsed.map((p, i) => {
    let e = 0;
    const labels = p.labels.map((l) => (l === '' ? ellipsisLabel(maxEll - p.ellipsis + e++) : l));
    return { labels, t: ts[i]! };
  });
  // Sizes per label, with size-1 broadcasting.
  const size = new Map<string, number>();
  for (const [i, term] of terms.entries()) {
    const seen = new Set<string>();
    term.labels.forEach((l, ax) => {
      if (seen.has(l))
        throw new ValueError(
          `${where}: operand ${i} repeats label '${l}' (diagonals are not supported; take them with a mask or gather first)`,
        );
      seen.add(l);
      const d = term.t.shape[ax]!;
      const prev = size.get(l);
      if (prev === undefined || prev === 1) size.set(l, d);
      else if (d !== 1 && d !== prev)
        throw new ShapeError(
          `${where}: label '${LETTER.test(l) ? l : '...'}' is ${prev} in one operand and ${d} in operand ${i} (${fmtShape(term.t.shape)})`,
        );
    });
  }
  const ellLabels = Array.from({ length: maxEll }, (_, i) => ellipsisLabel(i));
  let out: string[];
  if (arrow < 0) {
    const count = new Map<string, number>();
    for (const term of terms)
      for (const l of term.labels) if (LETTER.test(l)) count.set(l, (count.get(l) ?? 0) + 1);
    out = [...ellLabels, ...[...count.keys()].filter((l) => count.get(l) === 1).sort()];
  } else {
    const rhs = eq.slice(arrow + 2);
    parseSpec(rhs, null, `${where} output`);
    const at = rhs.indexOf('...');
    if (at >= 0) out = [...rhs.slice(0, at), ...ellLabels, ...rhs.slice(at + 3)];
    else {
      out = [...rhs];
      // numpy: an output without '...' may drop ellipsis axes only where they are size 1.
      for (const l of ellLabels)
        if ((size.get(l) ?? 1) !== 1)
          throw new ValueError(
            `${where}: the output must keep '...' (the operands have axes there)`,
          );
    }
    const seen = new Set<string>();
    for (const l of out) {
      if (seen.has(l)) throw new ValueError(`${where}: the output repeats label '${l}'`);
      seen.add(l);
      if (!size.has(l)) throw new ValueError(`${where}: output label '${l}' appears in no operand`);
    }
  }
  // Contract left to right: a label stays while the output or a later operand needs it.
  let acc = terms[0]!;
  for (let i = 1; i <= terms.length; i++) {
    // Labels that outlive this contraction: the output's and those of the operands after next.
    const keep = new Set<string>(out);
    for (const term of terms.slice(i + 1)) for (const l of term.labels) keep.add(l);
    if (i === terms.length) {
      acc = reduceTerm(acc, keep);
      break;
    }
    const next = terms[i]!;
    // Each side first sums out what neither the other side nor anything later reads; labels
    // the pair shares but nothing later needs are then contracted by the matmul itself (not
    // kept as a batch axis and summed afterwards, which made every projection an outer product).
    const keepA = new Set(keep);
    for (const l of next.labels) keepA.add(l);
    acc = reduceTerm(acc, keepA);
    const keepB = new Set(keep);
    for (const l of acc.labels) keepB.add(l);
    acc = contractPair(acc, reduceTerm(next, keepB), keep, size, out);
  }
  // Output order; size-1 broadcast axes that the output wants at full size.
  const perm = out.map((l) => acc.labels.indexOf(l));
  let y = perm.every((p, i) => p === i) ? acc.t : transpose(acc.t, perm);
  const want = out.map((l) => size.get(l)!);
  if (y.shape.some((d, i) => d !== want[i])) y = broadcastTo(y, want);
  return y;
}

/** Sums out the labels of a term that `keep` does not hold. */
function reduceTerm(term: Term, keep: ReadonlySet<string>): Term {
  const axes = term.labels.flatMap((l, i) => (keep.has(l) ? [] : [i]));
  if (axes.length === 0) return term;
  return { labels: term.labels.filter((l) => keep.has(l)), t: sum(term.t, axes) };
}

/**
 * Contracts two terms as one batched matmul: batch labels (in both, kept), each side's free
 * labels, and the contracted labels (in both, not kept). The operands go in the order the
 * output (`hint`) lists their free labels, so the product needs no transpose afterwards, and
 * an operand already laid out `[batch, contracted, free]` (or the reverse of what the product
 * wants) is passed with matmul's transpose flag instead of being copied.
 */
function contractPair(
  a: Term,
  b: Term,
  keep: ReadonlySet<string>,
  size: ReadonlyMap<string, number>,
  hint: readonly string[],
): Term {
  const inB = new Set(b.labels);
  const inA = new Set(a.labels);
  const batch = a.labels.filter((l) => inB.has(l) && keep.has(l));
  const contract = a.labels.filter((l) => inB.has(l) && !keep.has(l));
  const freeA = a.labels.filter((l) => !inB.has(l));
  const freeB = b.labels.filter((l) => !inA.has(l));
  const dims = (ls: readonly string[]) => ls.map((l) => size.get(l)!);
  const first = (ls: readonly string[]) => {
    const at = ls.map((l) => hint.indexOf(l)).filter((i) => i >= 0);
    return at.length ? Math.min(...at) : Number.POSITIVE_INFINITY;
  };
  const swap = freeA.length > 0 && freeB.length > 0 && first(freeB) < first(freeA);
  const [L, R, freeL, freeR] = swap ? [b, a, freeB, freeA] : [a, b, freeA, freeB];
  const shared = new Set([...batch, ...contract]);
  const same = (x: readonly string[], y: readonly string[]) =>
    x.length === y.length && x.every((l, i) => l === y[i]);
  /** The operand as `[nb, |g1|, |g2|]`, or `[nb, |g2|, |g1|]` with the transpose flag. */
  const operand = (term: Term, g1: readonly string[], g2: readonly string[]) => {
    // Shared labels at their full size (a size-1 side is broadcast below), free ones as they are.
    const extent = (l: string) =>
      shared.has(l) ? size.get(l)! : term.t.shape[term.labels.indexOf(l)]!;
    const three = (x: readonly string[], y: readonly string[]) => [
      sizeOf(dims(batch)),
      sizeOf(x.map(extent)),
      sizeOf(y.map(extent)),
    ];
    // Shared axes of size 1 broadcast to the other operand's size: those go the copying way.
    const broadcast = term.labels.some((l, i) => shared.has(l) && term.t.shape[i] !== size.get(l));
    if (!broadcast && same(term.labels, [...batch, ...g1, ...g2]))
      return { t: reshape(term.t, three(g1, g2)), trans: false };
    if (!broadcast && same(term.labels, [...batch, ...g2, ...g1]))
      return { t: reshape(term.t, three(g2, g1)), trans: true };
    const order = [...batch, ...g1, ...g2];
    const perm = order.map((l) => term.labels.indexOf(l));
    let t = perm.every((p, i) => p === i) ? term.t : transpose(term.t, perm);
    const full = dims(order);
    if (t.shape.some((d, i) => shared.has(order[i]!) && d !== full[i]))
      t = broadcastTo(
        t,
        t.shape.map((d, i) => (shared.has(order[i]!) ? full[i]! : d)),
      );
    return { t: reshape(t, three(g1, g2)), trans: false };
  };
  const left = operand(L, freeL, contract);
  const right = operand(R, contract, freeR);
  const shapeL = freeL.map((l) => L.t.shape[L.labels.indexOf(l)]!);
  const shapeR = freeR.map((l) => R.t.shape[R.labels.indexOf(l)]!);
  const c = reshape(matmul(left.t, right.t, left.trans, right.trans), [
    ...dims(batch),
    ...shapeL,
    ...shapeR,
  ]);
  return { labels: [...batch, ...freeL, ...freeR], t: c };
}
