/**
 * `decodeImage`: PNG or JPEG bytes to an `[h, w, channels]` float32 image. In a browser or a
 * worker the platform's own decoder does the work (`createImageBitmap` drawn onto an
 * `OffscreenCanvas`): native code that is already there. Elsewhere, and for the images a 2d
 * canvas would alter (translucent pixels, 16-bit PNGs), the pure-JS decoders (fast-png,
 * jpeg-js) do, so every runtime gives the same pixels for PNG.
 */
import { TesseraError, ValueError } from '../errors.js';
import { FormatError } from '../io/errors.js';
import { tensor } from '../ops/creation.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * Options of {@link decodeImage}.
 * @example await decodeImage(bytes, 3, 'cat.png', { decoder: 'library' });
 */
export interface DecodeImageOptions {
  /**
   * Which decoder: `'auto'` (default) the platform's in a browser or worker, the library's
   * elsewhere; `'library'` always the pure-JS decoders (fast-png, jpeg-js), the same pixels
   * everywhere; `'platform'` always the browser's (a `ValueError` where there is none). The
   * platform's gives the library's PNG pixels exactly and JPEG ones within a few levels (the
   * IDCTs differ), but it goes through a 2d canvas, which stores premultiplied 8-bit colour:
   * translucent pixels come back with rounded colour (none where alpha is 0) and 16-bit PNGs
   * as 8-bit, so `'auto'` gives those PNGs to the library decoder.
   */
  decoder?: 'auto' | 'library' | 'platform';
}

/** The most pixels either decoder accepts: jpeg-js's cap, applied to every path. */
const MAX_PIXELS = 64 * 1000 * 1000;

/** Decoded pixels before the channel conversion. */
interface Pixels {
  width: number;
  height: number;
  /** `srcC` values per pixel, row-major. */
  src: ArrayLike<number>;
  srcC: number;
  /** The source's largest sample value (255 for 8-bit). */
  maxVal: number;
  /** A gray source: one channel is the gray value as is, not a weighted sum of r, g, b. */
  gray: boolean;
}

/** Whether this runtime has a platform image decoder (a browser or a worker; not Node). */
function hasPlatformDecoder(): boolean {
  const g = globalThis as {
    createImageBitmap?: unknown;
    OffscreenCanvas?: unknown;
    process?: { versions?: { node?: string } };
  };
  // Node (and runtimes that pose as it) decode with the library: same pixels as ever there.
  return (
    typeof g.createImageBitmap === 'function' &&
    typeof g.OffscreenCanvas === 'function' &&
    !g.process?.versions?.node
  );
}

/** PNG's IHDR fields, or null where the header is not there (the decoder then says why). */
function pngHeader(
  b: Uint8Array,
): { width: number; height: number; depth: number; colorType: number } | null {
  if (b.length < 26 || String.fromCharCode(b[12]!, b[13]!, b[14]!, b[15]!) !== 'IHDR') return null;
  const u32 = (i: number) =>
    ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
  return { width: u32(16), height: u32(20), depth: b[24]!, colorType: b[25]! };
}

/** A JPEG's frame size from its SOF marker, or null where none comes before the scan. */
function jpegSize(b: Uint8Array): { width: number; height: number } | null {
  let i = 2;
  while (i + 3 < b.length) {
    if (b[i] !== 0xff) return null;
    const m = b[i + 1]!;
    if (m === 0xff) {
      i++; // fill byte
      continue;
    }
    if (m === 0x01 || (m >= 0xd0 && m <= 0xd8)) {
      i += 2; // markers without a length
      continue;
    }
    if (m === 0xd9 || m === 0xda) return null;
    // SOF0–SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) are not frames.
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      if (i + 8 >= b.length) return null;
      return { height: (b[i + 5]! << 8) | b[i + 6]!, width: (b[i + 7]! << 8) | b[i + 8]! };
    }
    i += 2 + ((b[i + 2]! << 8) | b[i + 3]!);
  }
  return null;
}

function checkSize(width: number, height: number, name: string): void {
  if (width * height > MAX_PIXELS)
    throw new FormatError(
      `decodeImage: ${name} is ${width}×${height} pixels; at most ${MAX_PIXELS / 1e6} megapixels are decoded`,
    );
}

/** fast-png or jpeg-js. */
async function decodeWithLibrary(bytes: Uint8Array, png: boolean, name: string): Promise<Pixels> {
  if (png) {
    const { decode, convertIndexedToRgb } = await import('fast-png');
    let img: ReturnType<typeof decode>;
    try {
      img = decode(bytes);
    } catch (err) {
      throw new FormatError(`${name}: not a valid PNG (${(err as Error).message})`);
    }
    const srcC = img.palette ? img.palette[0]!.length : img.channels;
    return {
      width: img.width,
      height: img.height,
      src: img.palette ? convertIndexedToRgb(img) : (img.data as ArrayLike<number>),
      srcC,
      maxVal: img.depth === 16 ? 65535 : img.depth < 8 && !img.palette ? 2 ** img.depth - 1 : 255,
      gray: srcC < 3,
    };
  }
  const jpeg = await import('jpeg-js');
  let img: { width: number; height: number; data: Uint8Array };
  try {
    // Bounded by the file: a JPEG header cannot ask for more than 64 megapixels here.
    img = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      maxResolutionInMP: MAX_PIXELS / 1e6,
      maxMemoryUsageInMB: 512,
    });
  } catch (err) {
    throw new FormatError(`${name}: not a valid JPEG (${(err as Error).message})`);
  }
  return { width: img.width, height: img.height, src: img.data, srcC: 4, maxVal: 255, gray: false };
}

/**
 * The browser's decoder: `createImageBitmap` without premultiplication or colour conversion
 * (the file's own sample values), drawn onto an `OffscreenCanvas`, read back as RGBA.
 */
async function decodeWithPlatform(bytes: Uint8Array, png: boolean, name: string): Promise<Pixels> {
  const kind = png ? 'PNG' : 'JPEG';
  // Refuse an oversized image from its header, before the browser allocates it.
  const header = png ? pngHeader(bytes) : jpegSize(bytes);
  if (header) checkSize(header.width, header.height, name);
  let bitmap: ImageBitmap;
  try {
    // A Blob takes no view of shared memory: such bytes are copied first.
    const part = (bytes.buffer instanceof ArrayBuffer ? bytes : bytes.slice()) as BlobPart;
    const blob = new Blob([part], { type: png ? 'image/png' : 'image/jpeg' });
    bitmap = await createImageBitmap(blob, {
      premultiplyAlpha: 'none',
      colorSpaceConversion: 'none',
    });
  } catch (err) {
    throw new FormatError(
      `decodeImage: ${name}: not a valid ${kind}; the browser could not decode it (${(err as Error).message})`,
    );
  }
  try {
    const { width, height } = bitmap;
    checkSize(width, height, name);
    const ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
    if (!ctx)
      throw new TesseraError(`decodeImage: ${name}: this browser gives no 2d OffscreenCanvas`);
    ctx.drawImage(bitmap, 0, 0);
    const ihdr = png ? pngHeader(bytes) : null;
    return {
      width,
      height,
      src: ctx.getImageData(0, 0, width, height).data,
      srcC: 4,
      maxVal: 255,
      // PNG colour types 0 and 4 are gray (with alpha); the canvas spreads them over r, g, b.
      gray: ihdr !== null && (ihdr.colorType === 0 || ihdr.colorType === 4),
    };
  } finally {
    bitmap.close();
  }
}

/** Whether any pixel of RGBA data is not opaque. */
function translucent(rgba: ArrayLike<number>): boolean {
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] !== 255) return true;
  return false;
}

/**
 * Decodes PNG or JPEG bytes to an image tensor, with the browser's decoder in a browser or
 * worker and the pure-JS decoders (fast-png, jpeg-js) elsewhere (see
 * {@link DecodeImageOptions.decoder}). Gray sources fill r, g and b; grayscale from colour is
 * `0.2989 r + 0.587 g + 0.114 b`; alpha is 255 where the source has none; 16-bit and low-depth
 * samples are scaled to 0–255. A `FormatError` naming `name` refuses anything that is not a
 * valid PNG or JPEG, JPEGs over 64 megapixels, and, in the browser's decoder, any image over 64
 * megapixels (from its header, before the browser allocates it).
 *
 * Shape: `[height, width, channels]` float32 in 0–255.
 * @example
 * const img = await decodeImage(new Uint8Array(await file.arrayBuffer()), 3, file.name);
 */
export async function decodeImage(
  bytes: Uint8Array,
  channels: 1 | 3 | 4,
  name: string,
  opts: DecodeImageOptions = {},
): Promise<Tensor> {
  const decoder = opts.decoder ?? 'auto';
  if (decoder !== 'auto' && decoder !== 'library' && decoder !== 'platform')
    throw new ValueError(
      `decodeImage: decoder must be 'auto', 'library' or 'platform', got '${decoder}'`,
    );
  const platform = hasPlatformDecoder();
  if (decoder === 'platform' && !platform)
    throw new ValueError(
      `decodeImage: decoder 'platform' needs a browser's createImageBitmap and OffscreenCanvas, which this runtime lacks; use 'library' or 'auto'`,
    );
  let png: boolean;
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) png = true;
  else if (bytes[0] === 0xff && bytes[1] === 0xd8) png = false;
  else
    throw new FormatError(
      `${name}: not a PNG or JPEG file (magic bytes ${Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ')})`,
    );
  let px: Pixels | null = null;
  // 'auto' leaves 16-bit PNGs to the library: the canvas would round them to 8 bits.
  if (
    decoder === 'platform' ||
    (decoder === 'auto' && platform && !(png && pngHeader(bytes)?.depth === 16))
  ) {
    px = await decodeWithPlatform(bytes, png, name);
    // A 2d canvas stores premultiplied colour: translucent pixels lose theirs, so 'auto'
    // decodes those images again with the library, which keeps it.
    if (decoder === 'auto' && png && translucent(px.src)) px = null;
  }
  px ??= await decodeWithLibrary(bytes, png, name);
  const { width: w, height: h, src, srcC, gray } = px;
  const out = new Float32Array(w * h * channels);
  const scale = 255 / px.maxVal;
  for (let p = 0; p < w * h; p++) {
    const o = p * srcC;
    // Gray sources fill every channel; alpha is opaque when the source has none.
    const r = src[o]! * scale;
    const g = srcC >= 3 ? src[o + 1]! * scale : r;
    const b = srcC >= 3 ? src[o + 2]! * scale : r;
    const a = srcC === 4 ? src[o + 3]! * scale : srcC === 2 ? src[o + 1]! * scale : 255;
    if (channels === 1) out[p] = gray ? r : 0.2989 * r + 0.587 * g + 0.114 * b;
    else {
      out[p * channels] = r;
      out[p * channels + 1] = g;
      out[p * channels + 2] = b;
      if (channels === 4) out[p * channels + 3] = a;
    }
  }
  return tensor(out, [h, w, channels]);
}
