/**
 * FarmHash's `Fingerprint64` (Google's FarmHash, the "na" 64-bit hash), the function
 * TensorFlow's `to_hash_bucket_fast` uses: Keras's `Hashing` layer and the lookup layers'
 * out-of-vocabulary buckets put a string in bin `Fingerprint64(utf8(s)) mod n`, so the same
 * strings land in the same bins here. 64-bit arithmetic on BigInt, wrapping as C++'s uint64.
 */

const MASK = (1n << 64n) - 1n;
const K0 = 0xc3a5c85c97cb3127n;
const K1 = 0xb492b66fbe98f273n;
const K2 = 0x9ae16a3b2f90404fn;
const KMUL = 0x9ddfea08eb382d69n;

const u64 = (v: bigint) => v & MASK;
const mul = (a: bigint, b: bigint) => (a * b) & MASK;
const add = (a: bigint, b: bigint) => (a + b) & MASK;

function rotate(v: bigint, shift: number): bigint {
  if (shift === 0) return v;
  const s = BigInt(shift);
  return ((v >> s) | (v << (64n - s))) & MASK;
}

function shiftMix(v: bigint): bigint {
  return v ^ (v >> 47n);
}

function fetch64(b: Uint8Array, i: number): bigint {
  let v = 0n;
  for (let k = 7; k >= 0; k--) v = (v << 8n) | BigInt(b[i + k]!);
  return v;
}

function fetch32(b: Uint8Array, i: number): bigint {
  return BigInt((b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0);
}

function hashLen16(u: bigint, v: bigint, m = KMUL): bigint {
  let a = mul(u ^ v, m);
  a ^= a >> 47n;
  let b = mul(v ^ a, m);
  b ^= b >> 47n;
  return mul(b, m);
}

function hashLen0to16(s: Uint8Array, len: number): bigint {
  if (len >= 8) {
    const m = add(K2, BigInt(len * 2));
    const a = add(fetch64(s, 0), K2);
    const b = fetch64(s, len - 8);
    const c = add(mul(rotate(b, 37), m), a);
    const d = mul(add(rotate(a, 25), b), m);
    return hashLen16(c, d, m);
  }
  if (len >= 4) {
    const m = add(K2, BigInt(len * 2));
    const a = fetch32(s, 0);
    return hashLen16(add(BigInt(len), a << 3n), fetch32(s, len - 4), m);
  }
  if (len > 0) {
    const a = BigInt(s[0]!);
    const b = BigInt(s[len >> 1]!);
    const c = BigInt(s[len - 1]!);
    const y = u64(a + (b << 8n));
    const z = u64(BigInt(len) + (c << 2n));
    return mul(shiftMix(mul(y, K2) ^ mul(z, K0)), K2);
  }
  return K2;
}

function hashLen17to32(s: Uint8Array, len: number): bigint {
  const m = add(K2, BigInt(len * 2));
  const a = mul(fetch64(s, 0), K1);
  const b = fetch64(s, 8);
  const c = mul(fetch64(s, len - 8), m);
  const d = mul(fetch64(s, len - 16), K2);
  return hashLen16(
    add(add(rotate(add(a, b), 43), rotate(c, 30)), d),
    add(add(a, rotate(add(b, K2), 18)), c),
    m,
  );
}

function hashLen33to64(s: Uint8Array, len: number): bigint {
  const m = add(K2, BigInt(len * 2));
  const a = mul(fetch64(s, 0), K2);
  const b = fetch64(s, 8);
  const c = mul(fetch64(s, len - 8), m);
  const d = mul(fetch64(s, len - 16), K2);
  const y = add(add(rotate(add(a, b), 43), rotate(c, 30)), d);
  const z = hashLen16(y, add(add(a, rotate(add(b, K2), 18)), c), m);
  const e = mul(fetch64(s, 16), m);
  const f = fetch64(s, 24);
  const g = mul(add(y, fetch64(s, len - 32)), m);
  const h = mul(add(z, fetch64(s, len - 24)), m);
  return hashLen16(
    add(add(rotate(add(e, f), 43), rotate(g, 30)), h),
    add(add(e, rotate(add(f, a), 18)), g),
    m,
  );
}

/** FarmHash's WeakHashLen32WithSeeds on the 32 bytes at `i`. */
function weak32(s: Uint8Array, i: number, a0: bigint, b0: bigint): [bigint, bigint] {
  const w = fetch64(s, i);
  const x = fetch64(s, i + 8);
  const y = fetch64(s, i + 16);
  const z = fetch64(s, i + 24);
  let a = add(a0, w);
  let b = rotate(add(add(b0, a), z), 21);
  const c = a;
  a = add(add(a, x), y);
  b = add(b, rotate(a, 44));
  return [add(a, z), add(b, c)];
}

function hash64(s: Uint8Array): bigint {
  const len = s.length;
  if (len <= 16) return hashLen0to16(s, len);
  if (len <= 32) return hashLen17to32(s, len);
  if (len <= 64) return hashLen33to64(s, len);
  const seed = 81n;
  let x = seed;
  let y = add(mul(seed, K1), 113n);
  let z = mul(shiftMix(add(mul(y, K2), 113n)), K2);
  let v: [bigint, bigint] = [0n, 0n];
  let w: [bigint, bigint] = [0n, 0n];
  x = add(mul(x, K2), fetch64(s, 0));
  const end = Math.floor((len - 1) / 64) * 64;
  const last64 = end + ((len - 1) & 63) - 63;
  let p = 0;
  do {
    x = mul(rotate(add(add(add(x, y), v[0]), fetch64(s, p + 8)), 37), K1);
    y = mul(rotate(add(add(y, v[1]), fetch64(s, p + 48)), 42), K1);
    x ^= w[1];
    y = add(y, add(v[0], fetch64(s, p + 40)));
    z = mul(rotate(add(z, w[0]), 33), K1);
    v = weak32(s, p, mul(v[1], K1), add(x, w[0]));
    w = weak32(s, p + 32, add(z, w[1]), add(y, fetch64(s, p + 16)));
    [z, x] = [x, z];
    p += 64;
  } while (p !== end);
  const m = add(K1, (z & 0xffn) << 1n);
  p = last64;
  w[0] = add(w[0], BigInt((len - 1) & 63));
  v[0] = add(v[0], w[0]);
  w[0] = add(w[0], v[0]);
  x = mul(rotate(add(add(add(x, y), v[0]), fetch64(s, p + 8)), 37), m);
  y = mul(rotate(add(add(y, v[1]), fetch64(s, p + 48)), 42), m);
  x ^= mul(w[1], 9n);
  y = add(y, add(mul(v[0], 9n), fetch64(s, p + 40)));
  z = mul(rotate(add(z, w[0]), 33), m);
  v = weak32(s, p, mul(v[1], m), add(x, w[0]));
  w = weak32(s, p + 32, add(z, w[1]), add(y, fetch64(s, p + 16)));
  [z, x] = [x, z];
  return hashLen16(
    add(add(hashLen16(v[0], w[0], m), mul(shiftMix(y), K0)), z),
    add(hashLen16(v[1], w[1], m), x),
    m,
  );
}

const utf8 = new TextEncoder();

/**
 * FarmHash `Fingerprint64` of a string's UTF-8 bytes (or of bytes), as an unsigned 64-bit
 * BigInt.
 * @example fingerprint64('Hello') % 3n // the bin TensorFlow's to_hash_bucket_fast gives
 */
export function fingerprint64(data: string | Uint8Array): bigint {
  return hash64(typeof data === 'string' ? utf8.encode(data) : data);
}

function rotl(v: bigint, s: bigint): bigint {
  return ((v << s) | (v >> (64n - s))) & MASK;
}

/**
 * SipHash-2-4 of a string's UTF-8 bytes with a 128-bit key `[k0, k1]`: TensorFlow's
 * `to_hash_bucket_strong`, which Keras's `Hashing` uses when given a `salt`.
 * @example sipHash64('A', [133n, 137n]) % 3n
 */
export function sipHash64(data: string | Uint8Array, key: readonly [bigint, bigint]): bigint {
  const b = typeof data === 'string' ? utf8.encode(data) : data;
  let v0 = key[0] ^ 0x736f6d6570736575n;
  let v1 = key[1] ^ 0x646f72616e646f6dn;
  let v2 = key[0] ^ 0x6c7967656e657261n;
  let v3 = key[1] ^ 0x7465646279746573n;
  const round = () => {
    v0 = add(v0, v1);
    v1 = rotl(v1, 13n) ^ v0;
    v0 = rotl(v0, 32n);
    v2 = add(v2, v3);
    v3 = rotl(v3, 16n) ^ v2;
    v0 = add(v0, v3);
    v3 = rotl(v3, 21n) ^ v0;
    v2 = add(v2, v1);
    v1 = rotl(v1, 17n) ^ v2;
    v2 = rotl(v2, 32n);
  };
  const full = b.length - (b.length % 8);
  for (let i = 0; i < full; i += 8) {
    const m = fetch64(b, i);
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
  let last = BigInt(b.length & 0xff) << 56n;
  for (let i = 0; i < b.length - full; i++) last |= BigInt(b[full + i]!) << BigInt(8 * i);
  v3 ^= last;
  round();
  round();
  v0 ^= last;
  v2 ^= 0xffn;
  for (let i = 0; i < 4; i++) round();
  return (v0 ^ v1 ^ v2 ^ v3) & MASK;
}
