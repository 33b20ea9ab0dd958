/**
 * Small byte strings bump-allocated from shared slabs. Intake encodes a handful of parts per pair (ids,
 * arguments, provenance); avsc's toBuffer gives each a zero-filled buffer and a native copy, a tenth of intake's
 * time. Here a part is written once, in place. A slab is never written twice, so a view stays valid for as long
 * as it is held; a held view keeps its slab (64 KiB by default) alive, and parts are held only while their record
 * is in flight.
 */
import type avro from 'avsc';

export class ByteArena {
  #slab: Buffer;
  #at = 0;

  constructor(private readonly slabBytes = 64 * 1024) {
    this.#slab = Buffer.allocUnsafe(slabBytes);
  }

  /** `value` as `type` encodes it. */
  encode(type: avro.Type, value: unknown): Buffer {
    const start = this.#at;
    let end = type.encode(value, this.#slab, start);
    if (end < 0) {
      // encode answers how many bytes were missing: the value's length is the rest of the slab and those.
      this.#fresh(this.#slab.length - start - end);
      end = type.encode(value, this.#slab, 0);
    }
    return this.#claim(end);
  }

  /** `length` bytes to fill: the view is the caller's. */
  take(length: number): Buffer {
    if (this.#at + length > this.#slab.length) this.#fresh(length);
    return this.#claim(this.#at + length);
  }

  #fresh(atLeast: number): void {
    this.#slab = Buffer.allocUnsafe(Math.max(this.slabBytes, atLeast));
    this.#at = 0;
  }

  #claim(end: number): Buffer {
    const view = this.#slab.subarray(this.#at, end);
    this.#at = end;
    return view;
  }
}
