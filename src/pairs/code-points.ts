/**
 * Record offsets are Unicode code points (as in BRAT and Python); JavaScript strings index UTF-16 units.
 * Offsets are converted once, here, and everything after works in UTF-16.
 */
export class CodePointIndex {
  /** utf16[cp] = UTF-16 offset of code point cp; undefined when the text has no surrogate pairs. */
  private readonly utf16: Uint32Array | undefined;
  readonly length: number;

  constructor(readonly text: string) {
    if (!/[\uD800-\uDFFF]/.test(text)) {
      this.utf16 = undefined;
      this.length = text.length;
      return;
    }
    const offsets: number[] = [];
    for (let i = 0; i < text.length; ) {
      offsets.push(i);
      const code = text.codePointAt(i) ?? 0;
      i += code > 0xffff ? 2 : 1;
    }
    offsets.push(text.length);
    this.utf16 = Uint32Array.from(offsets);
    this.length = offsets.length - 1;
  }

  /** The UTF-16 offset of a code-point offset in 0..length; undefined outside the text. */
  toUtf16(codePoint: number): number | undefined {
    if (!Number.isInteger(codePoint) || codePoint < 0 || codePoint > this.length) return undefined;
    return this.utf16 === undefined ? codePoint : this.utf16[codePoint];
  }
}
