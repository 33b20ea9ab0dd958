/**
 * Int32 runs bump-allocated from slabs, for the splice encoder's per-sentence and per-pair arrays. A typed array
 * of more than 64 bytes gets a backing store of its own (calloc, an ArrayBuffer, a sweeper entry and free at the
 * next collection): for the ~40 ids of each pair and the pieces of each sentence, malloc and free were a tenth of
 * an intake worker's time. A slab is never written twice, so a view stays valid for as long as it is held; a
 * held view keeps its slab (64 KiB by default) alive, and views are held only while their record is in intake
 * or in flight.
 */
export class Int32Arena {
  #slab: Int32Array;
  #at = 0;

  constructor(private readonly slabInts = 16 * 1024) {
    this.#slab = new Int32Array(slabInts);
  }

  /** `length` zeroed ints of their own. */
  take(length: number): Int32Array {
    if (this.#at + length > this.#slab.length) {
      this.#slab = new Int32Array(Math.max(this.slabInts, length));
      this.#at = 0;
    }
    const view = this.#slab.subarray(this.#at, this.#at + length);
    this.#at += length;
    return view;
  }
}
