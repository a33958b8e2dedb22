import * as fc from "fast-check";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import { describe, expect, it } from "vitest";
import * as analyzerproto from "@pulumi/pulumi/proto/analyzer_pb";
import { encodeAnalyzeRequest, encodeStack } from "../../preview/pack-client";
import { encodeStruct } from "../../preview/struct-wire";

// The direct encoder must produce the library's bytes for every value a Struct can hold, and
// refuse what the library refuses, since the pack decodes what it writes with the library.
const library = (value: Record<string, unknown>): Uint8Array =>
  structproto.Struct.fromJavaScript(value as Record<string, structproto.JavaScriptValue>).serializeBinary();

// Without "__proto__" keys, which the library's map loses (see the last test).
const jsonObject = fc
  .dictionary(fc.string(), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 8 })
  .filter((v) => !JSON.stringify(v).includes('"__proto__"'));

describe("encodeStruct", () => {
  it("writes the bytes Struct.fromJavaScript(...).serializeBinary() writes, for any JSON object", () => {
    fc.assert(
      fc.property(jsonObject, (value) => {
        expect(Buffer.from(encodeStruct(value))).toEqual(Buffer.from(library(value)));
      }),
      { numRuns: 500 },
    );
  });

  it("writes the library's bytes for any string, lone surrogates included, and for any double", () => {
    const text = fc.string({ unit: "binary", maxLength: 12 });
    const anything = fc.dictionary(text, fc.oneof(text, fc.double(), fc.array(fc.oneof(text, fc.double()), { maxLength: 3 })), { maxKeys: 6 });
    fc.assert(
      fc.property(anything.filter((v) => !("__proto__" in v && Object.hasOwn(v, "__proto__"))), (value) => {
        expect(Buffer.from(encodeStruct(value))).toEqual(Buffer.from(library(value)));
      }),
      { numRuns: 500 },
    );
    const edge = { lone: "a\uD800b", low: "\uDC00", pair: "😀", nan: NaN, negZero: -0, inf: -Infinity, tiny: 5e-324, [`k\uDBFF`]: 1 };
    expect(Buffer.from(encodeStruct(edge))).toEqual(Buffer.from(library(edge)));
  });

  it("keeps the kinds the library keeps: zero, false, empty strings, empty lists and structs, null", () => {
    const value = { n: 0, f: false, s: "", l: [], o: {}, z: null, neg: -1.5, big: 1e308, nested: { a: [1, "x", [true]] } };
    expect(Buffer.from(encodeStruct(value))).toEqual(Buffer.from(library(value)));
  });

  it("sorts keys as the library's map does (by UTF-16 code units), whatever the insertion order", () => {
    const value = { b: 1, a: 2, B: 3, "é": 4, "😀": 5, "": 6, "10": 7, "9": 8 };
    expect(Buffer.from(encodeStruct(value))).toEqual(Buffer.from(library(value)));
  });

  it("keeps a key named __proto__, which the library's map drops (the engine sends it as a key)", () => {
    const value = JSON.parse('{"__proto__": 1, "a": 2}') as Record<string, unknown>;
    // The library's decoder loses it too, so look at the bytes.
    expect(Buffer.from(encodeStruct(value)).includes("__proto__")).toBe(true);
    expect(Buffer.from(library(value)).includes("__proto__")).toBe(false);
  });

  it("refuses values a Struct cannot hold, with the library's message", () => {
    for (const bad of [{ u: undefined }, { f: () => 1 }, { b: 1n }, { deep: { list: [undefined] } }]) {
      expect(() => library(bad as Record<string, unknown>)).toThrow("Unexpected struct type.");
      expect(() => encodeStruct(bad)).toThrow("Unexpected struct type.");
    }
  });
});

describe("analyzer requests written with encodeStruct", () => {
  const resource = fc.record({
    type: fc.constantFrom("azure-native:containerregistry:Registry", "github:index/repository:Repository", "azuread:index/group:Group"),
    name: fc.string({ minLength: 1 }),
    urn: fc.string({ minLength: 1 }),
    properties: jsonObject,
    dependencies: fc.array(fc.string({ minLength: 1 }), { maxLength: 3 }),
    // Property dependencies go through the library's own map, which loses a "__proto__" key.
    propertyDependencies: fc.dictionary(
      fc.string({ minLength: 1 }).filter((k) => k !== "__proto__"),
      fc.array(fc.string({ minLength: 1 }), { maxLength: 2 }),
      { maxKeys: 3 },
    ),
  });

  it("an AnalyzeRequest decodes, with the library, to the resource with the library's Struct", () => {
    fc.assert(
      fc.property(resource, (r) => {
        const decoded = analyzerproto.AnalyzeRequest.deserializeBinary(encodeAnalyzeRequest({ ...r, options: { protect: true } }));
        expect([decoded.getType(), decoded.getName(), decoded.getUrn()]).toEqual([r.type, r.name, r.urn]);
        expect(Buffer.from(decoded.getProperties()?.serializeBinary() ?? [])).toEqual(Buffer.from(library(r.properties)));
        expect(decoded.getOptions()?.getProtect()).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("an AnalyzeStackRequest decodes to every resource in order, with its graph", () => {
    fc.assert(
      fc.property(fc.array(resource, { maxLength: 5 }), (rs) => {
        const decoded = analyzerproto.AnalyzeStackRequest.deserializeBinary(encodeStack(rs).buffer).getResourcesList();
        expect(decoded.map((d) => d.getUrn())).toEqual(rs.map((r) => r.urn));
        decoded.forEach((d, i) => {
          const r = rs[i] as (typeof rs)[number];
          expect(Buffer.from(d.getProperties()?.serializeBinary() ?? [])).toEqual(Buffer.from(library(r.properties)));
          expect(d.getDependenciesList()).toEqual(r.dependencies);
          const deps: [string, string[]][] = [];
          d.getPropertydependenciesMap().forEach((v, k) => deps.push([k, v.getUrnsList()]));
          const byKey = (a: [string, string[]], b: [string, string[]]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
          expect(deps.sort(byKey)).toEqual(Object.entries(r.propertyDependencies).sort(byKey));
        });
      }),
      { numRuns: 100 },
    );
  });
});
