import { BinaryWriter } from "google-protobuf";

/**
 * Writes a JavaScript value as a `google.protobuf.Struct` straight into a protobuf writer: the
 * same bytes as `Struct.fromJavaScript(value).serializeBinary()` (keys sorted as jspb's map
 * sorts them, the same value kinds, the same error for a value a Struct cannot hold), without
 * building a message object per value. A 5,000-resource preview encodes every resource twice
 * (inputs for `Analyze`, outputs for `AnalyzeStack`), and building those objects was most of the
 * client's work and garbage. test/preview/struct-wire.test.ts holds it to the library's bytes.
 * One difference: a key named `__proto__` is written, where the library's map loses it.
 */

// Field numbers of google/protobuf/struct.proto.
const structFields = 1;
const entryKey = 1;
const entryValue = 2;
const nullValue = 1;
const numberValue = 2;
const stringValue = 3;
const boolValue = 4;
const structValue = 5;
const listValue = 6;
const listValues = 1;

function writeValue(value: unknown, writer: BinaryWriter): void {
  if (value === null) {
    writer.writeEnum(nullValue, 0);
    return;
  }
  switch (typeof value) {
    case "string":
      writer.writeString(stringValue, value);
      return;
    case "number":
      writer.writeDouble(numberValue, value);
      return;
    case "boolean":
      writer.writeBool(boolValue, value);
      return;
    case "object":
      if (Array.isArray(value)) writer.writeMessage(listValue, value, writeList);
      else writer.writeMessage(structValue, value, writeStruct);
      return;
    default:
      // Struct.fromJavaScript's own message for undefined, functions, bigints and symbols.
      throw new Error("Unexpected struct type.");
  }
}

/**
 * A `Value` message under `field`. Written with beginSubMessage, not writeMessage, which skips a
 * null or undefined value: null is a Value too, and undefined must fail as in the library.
 */
function writeValueField(field: number, value: unknown, writer: BinaryWriter): void {
  writer.beginSubMessage(field);
  writeValue(value, writer);
  writer.endSubMessage(field);
}

function writeList(values: readonly unknown[], writer: BinaryWriter): void {
  for (const v of values) writeValueField(listValues, v, writer);
}

/** Writes the fields of a Struct (without its own tag): what `Struct.serializeBinaryToWriter` writes. */
export function writeStruct(object: object, writer: BinaryWriter): void {
  const record = object as Record<string, unknown>;
  const keys: string[] = [];
  // for...in, as Struct.fromJavaScript reads the object (inherited enumerable keys included).
  for (const key in record) keys.push(key);
  keys.sort();
  for (const key of keys) {
    writer.beginSubMessage(structFields);
    writer.writeString(entryKey, key);
    writeValueField(entryValue, record[key], writer);
    writer.endSubMessage(structFields);
  }
}

/** The bytes of `Struct.fromJavaScript(object)`. */
export function encodeStruct(object: object): Uint8Array {
  const writer = new BinaryWriter();
  writeStruct(object, writer);
  return writer.getResultBuffer();
}
