import { createRequire } from "node:module";
import * as analyzerproto from "@pulumi/pulumi/proto/analyzer_pb";
import * as analyzerrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as fc from "fast-check";
import { BinaryWriter } from "google-protobuf";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import { describe, expect, it } from "vitest";
import { encodeAnalyzeRequest, encodeStack } from "../../preview/pack-client";

// patches/@pulumi+policy+1.21.0.patch changes how @pulumi/policy's server reads requests and writes
// answers (wirestruct.js, protoutil.js): a resource's properties are kept as bytes and decoded
// straight into JavaScript values, and each not-applicable entry is encoded once per process. What
// a policy reads and what the engine receives must be what google-protobuf gives, for any input.

const load = createRequire(__filename);
const wirestruct = load("@pulumi/policy/wirestruct") as {
  decodeStruct(bytes: Uint8Array): unknown;
  withWireStructs<T>(deserialize: (buffer: Buffer) => T): (buffer: Buffer) => T;
};
interface Diagnostic {
  policyName: string;
  policyPackName: string;
  policyPackVersion: string;
  description: string;
  message: string;
  enforcementLevel: "advisory" | "mandatory" | "remediate" | "disabled";
  urn?: string;
  severity?: "low" | "medium" | "high" | "critical";
}
const protoutil = load("@pulumi/policy/protoutil") as {
  makeAnalyzeResponse(ds: Diagnostic[], notApplicable: analyzerproto.PolicyNotApplicable[] | undefined): analyzerproto.AnalyzeResponse;
  notApplicableEntry(policyName: string, reason: string | undefined): analyzerproto.PolicyNotApplicable;
};

/** What google-protobuf makes of a Struct's bytes: the value, or the error's message. */
function generated(bytes: Uint8Array): { value: unknown } | { error: string } {
  try {
    return { value: structproto.Struct.deserializeBinary(bytes).toJavaScript() };
  } catch (err) {
    return { error: (err as Error).message };
  }
}
function direct(bytes: Uint8Array): { value: unknown } | { error: string } {
  try {
    return { value: wirestruct.decodeStruct(bytes) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}
/** Key order matters too: policies iterate properties, and messages list them. */
const ordered = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (Object.is(x, -0) ? "-0" : x));

const plainObject = fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 8 });

describe("decodeStruct", () => {
  it("gives what Struct.toJavaScript gives, keys in the same order, for any JSON object", () => {
    let runs = 0;
    fc.assert(
      fc.property(plainObject, (object) => {
        const bytes = structproto.Struct.fromJavaScript(object as Record<string, structproto.JavaScriptValue>).serializeBinary();
        const expected = generated(bytes);
        expect("value" in expected).toBe(true);
        expect(ordered(direct(bytes))).toBe(ordered(expected));
        runs++;
      }),
      { numRuns: 400 },
    );
    expect(runs).toBe(400);
  });

  it("refuses a string that is not UTF-8, which google-protobuf would read as other text", () => {
    const bytes = new Uint8Array([0x0a, 0x07, 0x0a, 0x02, 0x61, 0xc3, 0x12, 0x01, 0x20]);
    expect(() => wirestruct.decodeStruct(bytes)).toThrow(TypeError);
  });

  it("decodes numbers, strings and nesting exactly: -0, NaN, infinities, astral characters, deep lists", () => {
    const object = { n: -0, nan: NaN, inf: Infinity, ninf: -Infinity, s: "𝔘 é \u0000", deep: [[[{ a: [null, true, 1.5] }]]], "": "empty key" };
    const bytes = structproto.Struct.fromJavaScript(object as unknown as Record<string, structproto.JavaScriptValue>).serializeBinary();
    expect(ordered(direct(bytes))).toBe(ordered(generated(bytes)));
    expect(Object.is((wirestruct.decodeStruct(bytes) as { n: number }).n, -0)).toBe(true);
  });

  // Encodings the Go engine does not write but a reader must take as google-protobuf does.
  const entry = (write: (w: BinaryWriter) => void): Uint8Array => {
    const w = new BinaryWriter();
    write(w);
    return w.getResultBuffer();
  };
  const value = (write: (w: BinaryWriter) => void) => (w: BinaryWriter) => w.writeBytes(2, entry(write));
  const field = (key: string | undefined, ...parts: ((w: BinaryWriter) => void)[]) => (w: BinaryWriter) =>
    w.writeBytes(
      1,
      entry((e) => {
        if (key !== undefined) e.writeString(1, key);
        for (const p of parts) p(e);
      }),
    );
  const cases: readonly [string, Uint8Array][] = [
    ["a repeated key (the last wins)", entry((w) => { field("a", value((v) => v.writeString(3, "first")))(w); field("a", value((v) => v.writeDouble(2, 2)))(w); })],
    ["keys out of order", entry((w) => { field("b", value((v) => v.writeBool(4, true)))(w); field("a", value((v) => v.writeBool(4, false)))(w); field("10", value((v) => v.writeEnum(1, 0)))(w); })],
    ["an entry without a key", entry(field(undefined, value((v) => v.writeString(3, "x"))))],
    ["a value with two kinds (the last wins)", entry(field("a", value((v) => { v.writeString(3, "s"); v.writeDouble(2, 7); })))],
    ["unknown fields at every level", entry((w) => { w.writeUint64(9, 5); field("a", (e) => e.writeFixed32(7, 3), value((v) => { v.writeString(15, "?"); v.writeBytes(6, entry((l) => { l.writeUint32(2, 1); l.writeBytes(1, entry((x) => x.writeBool(4, true))); })); }))(w); })],
    ["a value without a kind", entry(field("a", value(() => undefined)))],
    ["an entry without a value", entry(field("a"))],
    ["a list holding a value without a kind", entry(field("a", value((v) => v.writeBytes(6, entry((l) => l.writeBytes(1, new Uint8Array(0)))))))],
  ];
  it.each(cases)("reads %s as google-protobuf does", (_name, bytes) => {
    expect(ordered(direct(bytes))).toBe(ordered(generated(bytes)));
  });

  // google-protobuf does not check lengths against the end of a message, nor that a string is
  // UTF-8 (it drops what it cannot decode, and a truncated sequence makes it read on past the
  // string): on such bytes it may answer where this throws. Only what both read is compared.
  it("answers as google-protobuf on any bytes both read, and throws only Errors", () => {
    let read = 0;
    const seeds = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      // Valid encodings with a few bytes changed reach much deeper than random bytes.
      fc.tuple(plainObject, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 })).map(([object, edits]) => {
        const bytes = structproto.Struct.fromJavaScript(object as Record<string, structproto.JavaScriptValue>).serializeBinary();
        for (const [at, b] of edits) if (bytes.length > 0) bytes[at % bytes.length] = b;
        return bytes;
      }),
    );
    fc.assert(
      fc.property(seeds, (bytes) => {
        const expected = generated(bytes);
        let ours: unknown;
        try {
          ours = { value: wirestruct.decodeStruct(bytes) };
        } catch (err) {
          expect(err).toBeInstanceOf(Error);
          ours = { error: (err as Error).message };
        }
        if ("value" in expected && "value" in (ours as object)) {
          read++;
          expect(ordered(ours)).toBe(ordered(expected));
        }
      }),
      { numRuns: 3000 },
    );
    expect(read).toBeGreaterThan(100);
  });
});

describe("requests read with withWireStructs", () => {
  const provider = { type: "pulumi:providers:azure-native", name: "default", urn: "urn:pulumi:s::p::pulumi:providers:azure-native::default", properties: { location: "westeurope", version: "3.0.0" } };
  const requestProps = fc.record({ type: fc.constantFrom("azure-native:storage:StorageAccount", "kubernetes:apps/v1:Deployment"), name: fc.string({ minLength: 1, maxLength: 10 }), properties: plainObject });

  it("give each resource the properties eager reading gives, and serialize to the same bytes", () => {
    const analyze = analyzerrpc.AnalyzerService.analyze;
    const lazily = wirestruct.withWireStructs(analyze.requestDeserialize);
    let runs = 0;
    fc.assert(
      fc.property(requestProps, ({ type, name, properties }) => {
        const bytes = encodeAnalyzeRequest({ type, name, urn: `urn:pulumi:s::p::${type}::${name}`, properties, provider, options: { protect: false } });
        const eager = analyze.requestDeserialize(bytes);
        const lazy = lazily(bytes);
        expect(ordered(lazy.getProperties()?.toJavaScript())).toBe(ordered(eager.getProperties()?.toJavaScript()));
        expect(lazy.getProvider()?.getProperties()?.toJavaScript()).toEqual(provider.properties);
        expect(lazy.getType()).toBe(type);
        expect(Buffer.from(lazily(bytes).serializeBinary()).equals(Buffer.from(eager.serializeBinary()))).toBe(true);
        runs++;
      }),
      { numRuns: 150 },
    );
    expect(runs).toBe(150);
  });

  it("decodes a Struct the generated way when its fields map is read, and then keeps to it", () => {
    const bytes = encodeAnalyzeRequest({ type: "t:m:R", name: "r", urn: "urn:pulumi:s::p::t:m:R::r", properties: { b: [1, { c: "x" }], a: null } });
    const props = wirestruct.withWireStructs(analyzerrpc.AnalyzerService.analyze.requestDeserialize)(bytes).getProperties() as structproto.Struct;
    expect(props.getFieldsMap().getLength()).toBe(2);
    expect(props.getFieldsMap().get("b")?.getListValue()?.getValuesList().length).toBe(2);
    props.getFieldsMap().set("z", structproto.Value.fromJavaScript("added"));
    expect(props.toJavaScript()).toEqual({ a: null, b: [1, { c: "x" }], z: "added" });
  });

  it("leaves google-protobuf's Struct reader as it was, after a request and after a request that fails", () => {
    const reader = structproto.Struct.deserializeBinaryFromReader;
    const lazily = wirestruct.withWireStructs(analyzerrpc.AnalyzerService.analyze.requestDeserialize);
    lazily(encodeAnalyzeRequest({ type: "t:m:R", name: "r", urn: "urn:pulumi:s::p::t:m:R::r", properties: {} }));
    expect(() => lazily(Buffer.from([0x12, 0x05, 0x0a]))).toThrow();
    expect(structproto.Struct.deserializeBinaryFromReader).toBe(reader);
  });

  it("read a whole stack's resources alike", () => {
    const stack = analyzerrpc.AnalyzerService.analyzeStack;
    const resources = [
      { type: "a:b:C", name: "one", urn: "urn:pulumi:s::p::a:b:C::one", properties: { z: 1, y: { x: [true] } } },
      { type: "a:b:D", name: "two", urn: "urn:pulumi:s::p::a:b:D::two", properties: {} },
    ];
    const bytes = encodeStack(resources).buffer;
    const lazy = wirestruct.withWireStructs(stack.requestDeserialize)(bytes).getResourcesList();
    const eager = stack.requestDeserialize(bytes).getResourcesList();
    expect(lazy.length).toBe(2);
    expect(lazy.map((r) => ordered(r.getProperties()?.toJavaScript()))).toEqual(eager.map((r) => ordered(r.getProperties()?.toJavaScript())));
  });
});

describe("answers made by makeAnalyzeResponse", () => {
  const text = fc.string({ maxLength: 30 });
  const diagnostic: fc.Arbitrary<Diagnostic> = fc.record(
    {
      policyName: text,
      policyPackName: text,
      policyPackVersion: text,
      description: text,
      message: text,
      enforcementLevel: fc.constantFrom("advisory", "mandatory", "remediate", "disabled"),
      urn: text,
      severity: fc.constantFrom("low", "medium", "high", "critical"),
    },
    { requiredKeys: ["policyName", "policyPackName", "policyPackVersion", "description", "message", "enforcementLevel"] },
  );
  // Few names and reasons, so entries repeat within and across answers, as in a preview.
  const skipped = fc.array(fc.record({ policyName: fc.constantFrom("p-a", "p-b", "p-é", ""), reason: fc.option(fc.constantFrom("Policy only applies to resources of type 'x'", "no pod spec", "", "🙂"), { nil: undefined }) }), { maxLength: 40 });

  it("serialize to the bytes of the generated serializer with entries built each time", () => {
    let runs = 0;
    fc.assert(
      fc.property(fc.array(diagnostic, { maxLength: 4 }), skipped, (ds, entries) => {
        const shared = entries.length ? entries.map((e) => protoutil.notApplicableEntry(e.policyName, e.reason)) : undefined;
        const ours = protoutil.makeAnalyzeResponse(ds, shared);
        const reference = new analyzerproto.AnalyzeResponse();
        reference.setDiagnosticsList(protoutil.makeAnalyzeResponse(ds, undefined).getDiagnosticsList());
        for (const e of entries) {
          const na = new analyzerproto.PolicyNotApplicable();
          na.setPolicyName(e.policyName);
          if (e.reason) na.setReason(e.reason);
          reference.addNotApplicable(na);
        }
        const serialize = analyzerrpc.AnalyzerService.analyze.responseSerialize;
        expect(serialize(ours).equals(serialize(reference))).toBe(true);
        // Serializing twice gives the same bytes: the answer's list is put back.
        expect(serialize(ours).equals(serialize(reference))).toBe(true);
        runs++;
      }),
      { numRuns: 300 },
    );
    expect(runs).toBe(300);
  });

  it("share one entry per policy and reason", () => {
    expect(protoutil.notApplicableEntry("p-x", "why")).toBe(protoutil.notApplicableEntry("p-x", "why"));
    expect(protoutil.notApplicableEntry("p-x", "why")).not.toBe(protoutil.notApplicableEntry("p-x", "other"));
    expect(protoutil.notApplicableEntry("p-x", undefined).getReason()).toBe("");
  });
});

describe("a multi-type policy (anyOfTypes) on the patched server", () => {
  const server = load("@pulumi/policy/server") as {
    makeAnalyzeRpcFun(
      pack: string,
      version: string,
      level: string,
      policies: readonly object[],
    ): (call: { request: analyzerproto.AnalyzeRequest }, callback: (err: unknown, resp?: analyzerproto.AnalyzeResponse) => void) => Promise<void>;
  };
  const analyze = (policies: readonly object[], type: string): Promise<analyzerproto.AnalyzeResponse> => {
    const request = analyzerrpc.AnalyzerService.analyze.requestDeserialize(encodeAnalyzeRequest({ type, name: "r", urn: `urn:pulumi:s::p::${type}::r`, properties: { a: 1 } }));
    return new Promise((resolve, reject) => {
      void server.makeAnalyzeRpcFun("pack", "1.0.0", "advisory", policies)({ request }, (err, resp) => (err ? reject(err as Error) : resolve(resp as analyzerproto.AnalyzeResponse)));
    });
  };

  it("is answered not applicable from the types it lists, with the reason it gives itself, without being called", async () => {
    let calls = 0;
    const validateResource = Object.assign(
      (args: { type: string; notApplicable(reason: string): never }) => {
        calls++;
        if (args.type !== "a:b:C" && args.type !== "a:b:D") args.notApplicable("Policy only applies to resources of type 'a:b:C' or 'a:b:D'");
      },
      { __pulumiTypes: ["a:b:C", "a:b:D"] },
    );
    const policies = [{ name: "multi", description: "d", enforcementLevel: "advisory", validateResource }];
    const other = await analyze(policies, "x:y:Z");
    expect(calls).toBe(0);
    expect(other.getNotApplicableList().map((n) => [n.getPolicyName(), n.getReason()])).toEqual([["multi", "Policy only applies to resources of type 'a:b:C' or 'a:b:D'"]]);
    await analyze(policies, "a:b:D");
    expect(calls).toBe(1);
  });

  it("is called as published when the list is not a list of types", async () => {
    let calls = 0;
    const validateResource = Object.assign(() => void calls++, { __pulumiTypes: [] as string[] });
    const bad = Object.assign(() => void calls++, { __pulumiTypes: ["a:b:C", 3] });
    await analyze([{ name: "empty", description: "d", enforcementLevel: "advisory", validateResource }, { name: "bad", description: "d", enforcementLevel: "advisory", validateResource: bad }], "x:y:Z");
    expect(calls).toBe(2);
  });
});
