import * as analyzerproto from "@pulumi/pulumi/proto/analyzer_pb";
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { analyzeResult, readAnalyzeResponse } from "../../preview/pack-client";

// The client reads AnalyzeResponse itself, leaving the not-applicable entries undecoded until
// read: what it reads must be what google-protobuf's own decoding gives, for any answer.

const text = fc.string({ maxLength: 40 });
const diagnostic = fc.record({ policyName: text, packName: text, message: text, description: text, urn: text, level: fc.integer({ min: 0, max: 3 }) });
const notApplicable = fc.record({ policyName: text, reason: text });

type DiagnosticFields = { policyName: string; packName: string; message: string; description: string; urn: string; level: number };

function encode(diagnostics: DiagnosticFields[], skipped: { policyName: string; reason: string }[]): Uint8Array {
  const resp = new analyzerproto.AnalyzeResponse();
  for (const d of diagnostics) {
    const m = new analyzerproto.AnalyzeDiagnostic();
    m.setPolicyname(d.policyName);
    m.setPolicypackname(d.packName);
    m.setMessage(d.message);
    m.setDescription(d.description);
    m.setUrn(d.urn);
    m.setEnforcementlevel(d.level as analyzerproto.EnforcementLevel);
    resp.addDiagnostics(m);
  }
  for (const n of skipped) {
    const m = new analyzerproto.PolicyNotApplicable();
    m.setPolicyName(n.policyName);
    m.setReason(n.reason);
    resp.addNotApplicable(m);
  }
  return resp.serializeBinary();
}

describe("readAnalyzeResponse", () => {
  it("reads every answer as google-protobuf decodes it, the not-applicable entries when asked", () => {
    let runs = 0;
    fc.assert(
      fc.property(fc.array(diagnostic, { maxLength: 5 }), fc.array(notApplicable, { maxLength: 30 }), (diagnostics, skipped) => {
        runs++;
        const bytes = encode(diagnostics, skipped);
        const library = analyzerproto.AnalyzeResponse.deserializeBinary(bytes);
        const wire = readAnalyzeResponse(bytes);
        expect(wire.diagnostics.map((d) => d.toObject())).toEqual(library.getDiagnosticsList().map((d) => d.toObject()));
        const result = analyzeResult(wire, "urn:fallback");
        expect(result.diagnostics.map((d) => d.policyName)).toEqual(diagnostics.map((d) => d.policyName));
        expect(result.notApplicable).toEqual(library.getNotApplicableList().map((n) => ({ policyName: n.getPolicyName(), reason: n.getReason() })));
        // decoded once, then the same list
        expect(result.notApplicable).toBe(result.notApplicable);
      }),
      { numRuns: 300, seed: 20261201 },
    );
    expect(runs).toBe(300);
  });

  it("skips fields it does not know, as a newer engine may send", () => {
    const bytes = encode([{ policyName: "p", packName: "k", message: "m", description: "d", urn: "u", level: 1 }], [{ policyName: "q", reason: "r" }]);
    // field 9, varint 1: unknown to this client
    const extended = new Uint8Array([...bytes, (9 << 3) | 0, 1]);
    const wire = readAnalyzeResponse(extended);
    expect(wire.diagnostics.map((d) => d.getPolicyname())).toEqual(["p"]);
    expect(analyzeResult(wire, "").notApplicable).toEqual([{ policyName: "q", reason: "r" }]);
  });

  it("reads any bytes as google-protobuf does where both read them, and throws only Errors", () => {
    let both = 0;
    const mutated = fc
      .tuple(fc.array(diagnostic, { maxLength: 3 }), fc.array(notApplicable, { maxLength: 8 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }))
      .map(([ds, nas, edits]) => {
        const bytes = encode(ds, nas);
        for (const [at, b] of edits) if (bytes.length > 0) bytes[at % bytes.length] = b;
        return bytes;
      });
    fc.assert(
      fc.property(fc.oneof(mutated, fc.uint8Array({ maxLength: 48 })), (bytes) => {
        let library: analyzerproto.AnalyzeResponse | undefined;
        try {
          library = analyzerproto.AnalyzeResponse.deserializeBinary(bytes);
        } catch {
          library = undefined;
        }
        let wire: ReturnType<typeof readAnalyzeResponse> | undefined;
        try {
          wire = readAnalyzeResponse(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(Error);
        }
        if (library && wire) {
          both++;
          expect(wire.diagnostics.map((d) => d.toObject())).toEqual(library.getDiagnosticsList().map((d) => d.toObject()));
          expect(wire.notApplicable.length).toBe(library.getNotApplicableList().length);
        }
      }),
      { numRuns: 2000, seed: 20261201 },
    );
    expect(both).toBeGreaterThan(100);
  });

  it("throws on a truncated answer rather than reading part of it", () => {
    const bytes = encode([{ policyName: "policy-name", packName: "pack", message: "a message", description: "", urn: "urn", level: 1 }], []);
    expect(() => readAnalyzeResponse(bytes.subarray(0, bytes.length - 3))).toThrow();
  });
});
