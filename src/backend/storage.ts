/**
 * The lifecycle of backend storage the garbage collector cannot free by itself (GPU buffers,
 * blocks of a wasm heap). Users never call `dispose`: a backend that owns such memory tracks
 * each handle it hands out here, and when the handle becomes unreachable (every tensor, view
 * and variable that shared it is gone) a `FinalizationRegistry` owned by the backend frees the
 * memory. Compiled graphs take their intermediates out of this lifecycle: they own an arena and
 * hand its slots back themselves ({@link StorageLifecycle.adopt}).
 *
 * Host storage (the CPU backend's typed arrays) needs none of this: the array is the memory,
 * and it is collected with its handle.
 */

/** Counts of tracked storage, for tests and `backendInfo`-style reports. */
export interface StorageStats {
  /** Handles handed out and not yet freed. */
  live: number;
  /** Bytes behind the live handles. */
  liveBytes: number;
  /** Handles freed after the collector found them unreachable. */
  released: number;
  /** Handles taken over by an owner that frees them itself (a compiled graph's arena). */
  adopted: number;
}

interface Held<R> {
  resource: R;
  bytes: number;
}

/**
 * Frees a backend's storage when its handles are collected.
 *
 * Formula: `live = tracked − released − adopted`, and `free(resource)` runs once per tracked
 * handle that became unreachable, never for an adopted one.
 *
 * @example
 * const life = new StorageLifecycle<GPUBuffer>((buf) => buf.destroy());
 * const handle = { buffer };
 * life.track(handle, buffer, buffer.size); // freed when `handle` is collected
 */
export class StorageLifecycle<R> {
  private readonly registry: FinalizationRegistry<Held<R>>;
  private live = 0;
  private liveBytes = 0;
  private released = 0;
  private adopted = 0;

  constructor(private readonly free: (resource: R) => void) {
    this.registry = new FinalizationRegistry((held) => {
      this.live--;
      this.liveBytes -= held.bytes;
      this.released++;
      this.free(held.resource);
    });
  }

  /** Frees `resource` (of `bytes` bytes) once `handle` is unreachable. */
  track(handle: object, resource: R, bytes: number): void {
    this.live++;
    this.liveBytes += bytes;
    // The handle is its own unregister token, so adopt() can find it.
    this.registry.register(handle, { resource, bytes }, handle);
  }

  /**
   * Takes `handle` out of the collector's care: its new owner (an arena) frees or reuses the
   * memory itself. Returns false when the handle was not tracked.
   */
  adopt(handle: object, bytes: number): boolean {
    if (!this.registry.unregister(handle)) return false;
    this.live--;
    this.liveBytes -= bytes;
    this.adopted++;
    return true;
  }

  /** The current counts. */
  stats(): StorageStats {
    return {
      live: this.live,
      liveBytes: this.liveBytes,
      released: this.released,
      adopted: this.adopted,
    };
  }
}
