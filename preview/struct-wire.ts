import { BinaryWriter } from "google-protobuf";

/**
 * Encodes a JavaScript value as a `google.protobuf.Struct`: the same bytes as
 * `Struct.fromJavaScript(value).serializeBinary()` (keys sorted as jspb's map sorts them, the same
 * value kinds, the same error for a value a Struct cannot hold), without building a message object
 * per value. A 5,000-resource preview encodes every resource twice (inputs for `Analyze`, outputs
 * for `AnalyzeStack`): building those objects, then jspb's writer joining a block per nested
 * message, was most of the client's work and garbage. Two passes instead: the first measures every
 * nested message (protobuf writes a message's length before it), the second writes into one
 * buffer of the exact size. test/preview/struct-wire.test.ts holds it to the library's bytes.
 * One difference: a key named `__proto__` is written, where the library's map loses it.
 */

// Tags (field number << 3 | wire type) of google/protobuf/struct.proto.
const structFieldsTag = 0x0a; // Struct.fields, a map entry
const entryKeyTag = 0x0a; // FieldsEntry.key
const entryValueTag = 0x12; // FieldsEntry.value
const nullValueTag = 0x08; // Value.null_value (varint)
const numberValueTag = 0x11; // Value.number_value (64-bit)
const stringValueTag = 0x1a; // Value.string_value
const boolValueTag = 0x20; // Value.bool_value (varint)
const structValueTag = 0x2a; // Value.struct_value
const listValueTag = 0x32; // Value.list_value
const listValuesTag = 0x0a; // ListValue.values

function varintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

/** jspb writes a NaN with its own bit pattern; taken from the library itself. */
const nanBytes: Uint8Array = (() => {
  const writer = new BinaryWriter();
  writer.writeDouble(1, NaN);
  return writer.getResultBuffer().subarray(1);
})();

/**
 * What the first pass learns, in the order the second pass needs it: the size of every nested
 * message and every string's UTF-8 length (`sizes`), and every struct's sorted keys (`keys`).
 */
interface Plan {
  readonly sizes: number[];
  readonly keys: string[][];
  /**
   * Strings with UTF-16 surrogates, encoded by jspb itself: Buffer writes a lone surrogate as
   * U+FFFD, jspb does not. Rare enough (emoji, mostly) to take the library's slow path.
   */
  readonly odd: Map<string, Uint8Array>;
}

const surrogate = /[\uD800-\uDFFF]/;

function stringSize(value: string, plan: Plan): number {
  let n: number;
  if (!surrogate.test(value)) n = Buffer.byteLength(value, "utf8");
  else {
    let bytes = plan.odd.get(value);
    if (!bytes) {
      const writer = new BinaryWriter();
      writer.writeString(1, value);
      const all = writer.getResultBuffer();
      let offset = 1; // past the field header, then past the length prefix
      while ((all[offset] as number) & 0x80) offset++;
      bytes = all.subarray(offset + 1);
      plan.odd.set(value, bytes);
    }
    n = bytes.length;
  }
  plan.sizes.push(n);
  return n;
}

/** The size of a Value's fields (without its own tag and length). */
function valueSize(value: unknown, plan: Plan): number {
  if (value === null) return 2;
  switch (typeof value) {
    case "string": {
      const n = stringSize(value, plan);
      return 1 + varintSize(n) + n;
    }
    case "number":
      return 9;
    case "boolean":
      return 2;
    case "object": {
      const at = plan.sizes.push(0) - 1;
      const n = Array.isArray(value) ? listSize(value, plan) : structSize(value, plan);
      plan.sizes[at] = n;
      return 1 + varintSize(n) + n;
    }
    default:
      // Struct.fromJavaScript's own message for undefined, functions, bigints and symbols.
      throw new Error("Unexpected struct type.");
  }
}

function listSize(values: readonly unknown[], plan: Plan): number {
  let size = 0;
  for (const v of values) {
    const at = plan.sizes.push(0) - 1;
    const n = valueSize(v, plan);
    plan.sizes[at] = n;
    size += 1 + varintSize(n) + n;
  }
  return size;
}

function structSize(object: object, plan: Plan): number {
  const record = object as Record<string, unknown>;
  const keys: string[] = [];
  // for...in, as Struct.fromJavaScript reads the object (inherited enumerable keys included).
  for (const key in record) keys.push(key);
  keys.sort();
  plan.keys.push(keys);
  let size = 0;
  for (const key of keys) {
    const entryAt = plan.sizes.push(0) - 1;
    const k = stringSize(key, plan);
    const valueAt = plan.sizes.push(0) - 1;
    const v = valueSize(record[key], plan);
    plan.sizes[valueAt] = v;
    const entry = 1 + varintSize(k) + k + 1 + varintSize(v) + v;
    plan.sizes[entryAt] = entry;
    size += 1 + varintSize(entry) + entry;
  }
  return size;
}

/** The second pass: writes what the plan measured, reading its sizes and keys in the same order. */
class StructWriter {
  private pos = 0;
  private size = 0;
  private keyList = 0;

  constructor(
    private readonly out: Buffer,
    private readonly plan: Plan,
  ) {}

  private next(): number {
    return this.plan.sizes[this.size++] as number;
  }

  private varint(n: number): void {
    while (n >= 0x80) {
      this.out[this.pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.out[this.pos++] = n;
  }

  private string(value: string): void {
    const n = this.next();
    this.varint(n);
    const odd = this.plan.odd.size > 0 ? this.plan.odd.get(value) : undefined;
    if (odd) this.out.set(odd, this.pos);
    else this.out.write(value, this.pos, n, "utf8");
    this.pos += n;
  }

  value(value: unknown): void {
    const out = this.out;
    if (value === null) {
      out[this.pos++] = nullValueTag;
      out[this.pos++] = 0;
      return;
    }
    switch (typeof value) {
      case "string":
        out[this.pos++] = stringValueTag;
        this.string(value);
        return;
      case "number":
        out[this.pos++] = numberValueTag;
        if (Number.isNaN(value)) out.set(nanBytes, this.pos);
        else out.writeDoubleLE(value, this.pos);
        this.pos += 8;
        return;
      case "boolean":
        out[this.pos++] = boolValueTag;
        out[this.pos++] = value ? 1 : 0;
        return;
      default: {
        const list = Array.isArray(value);
        out[this.pos++] = list ? listValueTag : structValueTag;
        this.varint(this.next());
        if (list) this.list(value as unknown[]);
        else this.struct(value as object);
      }
    }
  }

  private list(values: readonly unknown[]): void {
    for (const v of values) {
      this.out[this.pos++] = listValuesTag;
      this.varint(this.next());
      this.value(v);
    }
  }

  struct(object: object): void {
    const record = object as Record<string, unknown>;
    const keys = this.plan.keys[this.keyList++] as string[];
    for (const key of keys) {
      this.out[this.pos++] = structFieldsTag;
      this.varint(this.next());
      this.out[this.pos++] = entryKeyTag;
      this.string(key);
      this.out[this.pos++] = entryValueTag;
      this.varint(this.next());
      this.value(record[key]);
    }
  }
}

/** The bytes of `Struct.fromJavaScript(object).serializeBinary()`. */
export function encodeStruct(object: object): Buffer {
  const plan: Plan = { sizes: [], keys: [], odd: new Map() };
  const size = structSize(object, plan);
  const out = Buffer.allocUnsafe(size);
  new StructWriter(out, plan).struct(object);
  return out;
}
