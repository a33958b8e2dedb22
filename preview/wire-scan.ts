/**
 * Walks the fields of an encoded protobuf message without decoding them: a tag, a varint, the
 * payload of a length-delimited field as a view of the same bytes. google-protobuf's reader costs
 * about a microsecond a field; an answer of the pack lists ~170 not-applicable entries, each a
 * field this client only steps over until routing reads it (preview/pack-client.ts).
 */

// Wire types of the protobuf encoding.
export const wireType = { varint: 0, fixed64: 1, delimited: 2, startGroup: 3, endGroup: 4, fixed32: 5 } as const;

export class WireScanner {
  private pos = 0;

  constructor(private readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  varint(): number {
    let result = 0;
    for (let i = 0, shift = 0; i < 10; i++, shift += 7) {
      if (this.pos >= this.bytes.length) throw new Error("truncated protobuf message: a varint runs past the end");
      const b = this.bytes[this.pos++] as number;
      result += shift < 28 ? (b & 0x7f) << shift : (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
    }
    throw new Error("malformed protobuf message: a varint longer than 10 bytes");
  }

  /** The payload of a length-delimited field, after its tag. */
  delimited(): Uint8Array {
    const length = this.varint();
    return this.bytes.subarray(this.pos, this.advance(length));
  }

  /** Steps over the value of a field of wire type `type` (field number `field`), after its tag. */
  skip(type: number, field: number): void {
    switch (type) {
      case wireType.varint:
        this.varint();
        return;
      case wireType.fixed64:
        this.advance(8);
        return;
      case wireType.delimited:
        this.advance(this.varint());
        return;
      case wireType.fixed32:
        this.advance(4);
        return;
      case wireType.startGroup:
        for (;;) {
          const tag = this.varint();
          if ((tag & 7) === wireType.endGroup) {
            if (Math.floor(tag / 8) !== field) throw new Error("malformed protobuf message: a group ends with another field's tag");
            return;
          }
          this.skip(tag & 7, Math.floor(tag / 8));
        }
      default:
        throw new Error(`malformed protobuf message: wire type ${type}`);
    }
  }

  private advance(n: number): number {
    if (n > this.bytes.length - this.pos) throw new Error("truncated protobuf message: a field runs past the end");
    this.pos += n;
    return this.pos;
  }
}
