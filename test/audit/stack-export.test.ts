import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { StateFileError } from "../../preview/errors";
import { formatJsonPath, jsonPathAt } from "../../preview/json-path";
import { parseStackExport, redactSecrets, secretSig, sigKey, unknownValue } from "../../preview/stack-export";

const stackUrn = "urn:pulumi:prod::shop::pulumi:pulumi:Stack::shop-prod";
const providerUrn = "urn:pulumi:prod::shop::pulumi:providers:azure-native::default_3_8_0";
const registryUrn = "urn:pulumi:prod::shop::azure-native:containerregistry:Registry::acr";
const providerId = "0a6f1c35-7d1e-4a55-9c2a-3f6f2f7a1b10";

/** A small export as `pulumi stack export --show-secrets` writes it: stack, default provider, one registry. */
function exportDoc(): { version: number; deployment: { resources: Record<string, unknown>[] } & Record<string, unknown> } {
  return {
    version: 3,
    deployment: {
      manifest: { time: "2026-11-30T12:00:00Z", magic: "abc", version: "v3.200.0" },
      secrets_providers: { type: "passphrase", state: { salt: "v1:x" } },
      resources: [
        { urn: stackUrn, custom: false, type: "pulumi:pulumi:Stack", outputs: {} },
        { urn: providerUrn, custom: true, id: providerId, type: "pulumi:providers:azure-native", inputs: { location: "westeurope", version: "3.8.0" }, outputs: {} },
        {
          urn: registryUrn,
          custom: true,
          id: "/subscriptions/x/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr",
          type: "azure-native:containerregistry:Registry",
          parent: stackUrn,
          provider: `${providerUrn}::${providerId}`,
          inputs: { registryName: "acr", resourceGroupName: "rg", adminUserEnabled: false, token: { [sigKey]: secretSig, ciphertext: "v1:AAAA" } },
          outputs: {
            adminUserEnabled: true,
            name: "acr",
            __inputs: { [sigKey]: secretSig, ciphertext: "v1:BBBB" },
            password: { [sigKey]: secretSig, plaintext: JSON.stringify("hunter2-very-secret") },
          },
          dependencies: [stackUrn],
          propertyDependencies: { resourceGroupName: [] },
        },
      ],
    },
  };
}

const parse = (doc: unknown): ReturnType<typeof parseStackExport> => parseStackExport(JSON.stringify(doc, null, 2), "state.json");

function problem(text: string): string {
  try {
    parseStackExport(text, "state.json");
  } catch (err) {
    expect(err).toBeInstanceOf(StateFileError);
    expect((err as StateFileError).code).toBe("INPUT_STATE_INVALID");
    return (err as Error).message;
  }
  throw new Error("the export was accepted");
}

describe("a stack export read for audit", () => {
  it("judges the deployed properties: outputs over inputs, no provider bookkeeping, secrets in the wire envelope", () => {
    const state = parse(exportDoc());
    expect(state.project).toBe("shop");
    expect(state.stack).toBe("prod");
    // The default provider is passed with each resource by package, as the preview passes it.
    expect(state.resources.map((r) => r.urn)).toEqual([stackUrn, registryUrn]);
    expect(state.providers.get("azure-native")).toEqual({
      type: "pulumi:providers:azure-native",
      name: "default_3_8_0",
      urn: providerUrn,
      properties: { location: "westeurope", version: "3.8.0" },
    });
    const registry = state.resources[1];
    expect(registry?.name).toBe("acr");
    expect(registry?.provider).toBeUndefined();
    expect(registry?.parent).toBe(stackUrn);
    expect(registry?.inputs).toEqual({
      registryName: "acr",
      resourceGroupName: "rg",
      adminUserEnabled: true,
      name: "acr",
      token: { [sigKey]: secretSig, value: unknownValue },
      password: { [sigKey]: secretSig, value: "hunter2-very-secret" },
    });
    expect(registry?.outputs).toEqual(registry?.inputs);
    expect(registry?.dependencies).toEqual([stackUrn]);
    expect(state.secretTexts).toEqual(["hunter2-very-secret"]);
  });

  it("leaves out a resource pending deletion, which shares its URN with its replacement", () => {
    const doc = exportDoc();
    doc.deployment.resources.push({ ...doc.deployment.resources[2], delete: true });
    expect(parse(doc).resources.map((r) => r.urn)).toEqual([stackUrn, registryUrn]);
  });

  it("keeps an explicit provider's reference", () => {
    const doc = exportDoc();
    const explicit = "urn:pulumi:prod::shop::pulumi:providers:azure-native::westus";
    doc.deployment.resources.push({ urn: explicit, custom: true, id: "p2", type: "pulumi:providers:azure-native", inputs: {}, outputs: {} });
    (doc.deployment.resources[2] as Record<string, unknown>)["provider"] = `${explicit}::p2`;
    expect(parse(doc).resources.find((r) => r.urn === registryUrn)?.provider).toBe(`${explicit}::p2`);
  });
});

describe("a bad stack export", () => {
  const cases: [string, (doc: ReturnType<typeof exportDoc>) => void, string][] = [
    ["another version", (d) => (d.version = 4), "state.json: $.version must be 3 (deployment v3, what `pulumi stack export` writes)"],
    ["no deployment", (d) => delete (d as Record<string, unknown>)["deployment"], 'state.json: $ needs the field "deployment"'],
    ["a resource without a URN", (d) => delete d.deployment.resources[2]?.["urn"], 'state.json: $.deployment.resources[2] needs the field "urn"'],
    ["a URN that is not one", (d) => ((d.deployment.resources[2] as Record<string, unknown>)["urn"] = "acr"), "state.json: $.deployment.resources[2].urn must be a Pulumi URN (urn:pulumi:STACK::PROJECT::TYPE::NAME)"],
    ["inputs that are a list", (d) => ((d.deployment.resources[2] as Record<string, unknown>)["inputs"] = []), "state.json: $.deployment.resources[2].inputs must be object"],
    [
      "a provider that is not a reference",
      (d) => ((d.deployment.resources[2] as Record<string, unknown>)["provider"] = providerUrn),
      "state.json: $.deployment.resources[2].provider must be a provider reference (the provider's URN, ::, its id)",
    ],
    [
      "a type its URN does not name",
      (d) => ((d.deployment.resources[2] as Record<string, unknown>)["type"] = "azure-native:storage:StorageAccount"),
      'state.json: $.deployment.resources[2].type is "azure-native:storage:StorageAccount" but the URN names the type "azure-native:containerregistry:Registry"',
    ],
    ["a repeated URN", (d) => d.deployment.resources.push({ ...d.deployment.resources[2] }), "state.json: $.deployment.resources[3].urn repeats the URN of $.deployment.resources[2]"],
    [
      "a secret with both halves",
      (d) => (((d.deployment.resources[2] as Record<string, Record<string, unknown>>)["outputs"] as Record<string, unknown>)["password"] = { [sigKey]: secretSig, ciphertext: "x", plaintext: '"y"' }),
      "state.json: $.deployment.resources[2].outputs.password is a secret with neither or both of `ciphertext` and `plaintext`; it needs exactly one",
    ],
    [
      "a plaintext secret that is not JSON",
      (d) => (((d.deployment.resources[2] as Record<string, Record<string, unknown>>)["outputs"] as Record<string, unknown>)["password"] = { [sigKey]: secretSig, plaintext: "hunter2" }),
      "state.json: $.deployment.resources[2].outputs.password.plaintext must hold the JSON of the secret's value",
    ],
    [
      "an unknown signature",
      (d) => (((d.deployment.resources[2] as Record<string, Record<string, unknown>>)["inputs"] as Record<string, unknown>)["tags"] = [{ [sigKey]: "nope" }]),
      'state.json: $.deployment.resources[2].inputs.tags[0]["4dabf18193072939515e22adb298388d"] is not a signature Pulumi writes (secret, resource reference, asset, archive)',
    ],
  ];
  for (const [what, change, message] of cases) {
    it(`refuses ${what}, naming the JSON path`, () => {
      const doc = exportDoc();
      change(doc);
      expect(problem(JSON.stringify(doc, null, 2))).toBe(message);
    });
  }

  it("reports a truncated file at the resource and property where it stops", () => {
    const text = JSON.stringify(exportDoc(), null, 2);
    const cut = text.slice(0, text.indexOf('"hunter2') + 3);
    expect(problem(cut)).toBe("state.json: $.deployment.resources[2].outputs.password.plaintext is cut off: the file ends before the JSON does");
  });

  it("reports a syntax error where it is", () => {
    const text = JSON.stringify(exportDoc(), null, 2).replace('"registryName": "acr",', '"registryName": "acr",,');
    expect(problem(text)).toMatch(/^state\.json: \$\.deployment\.resources\[2\]\.inputs is not valid JSON \(/);
  });

  it("never quotes a secret in a message", () => {
    const doc = exportDoc();
    (doc.deployment.resources[2]?.["outputs"] as Record<string, unknown>)["password"] = { [sigKey]: secretSig, plaintext: "hunter2-very-secret" };
    expect(problem(JSON.stringify(doc))).not.toContain("hunter2");
  });
});

describe("any input", () => {
  const valid = JSON.stringify(exportDoc(), null, 2);

  /** Parses, or fails with a StateFileError naming the file and a JSON path; nothing else. */
  const readsOrNamesThePath = (text: string): void => {
    try {
      parseStackExport(text, "state.json");
    } catch (err) {
      if (!(err instanceof StateFileError)) throw err;
      expect(err.message).toMatch(/^state\.json: \$/);
      expect(err.jsonPath).toMatch(/^\$/);
      expect(err.message).not.toContain("hunter2");
    }
  };

  it("cut anywhere, is read or refused with a path", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: valid.length }), (n) => readsOrNamesThePath(valid.slice(0, n))), { numRuns: 400 });
  });

  it("with any value put anywhere, is read or refused with a path", () => {
    const doc = exportDoc();
    const paths: (string | number)[][] = [];
    const walk = (v: unknown, at: (string | number)[]): void => {
      paths.push(at);
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...at, i]));
      else if (typeof v === "object" && v !== null) for (const [k, x] of Object.entries(v)) walk(x, [...at, k]);
    };
    walk(doc, []);
    expect(paths.length).toBeGreaterThan(30);
    fc.assert(
      fc.property(fc.constantFrom(...paths.filter((p) => p.length > 0)), fc.jsonValue(), (at, value) => {
        const copy = JSON.parse(valid) as Record<string | number, unknown>;
        let parent = copy;
        for (const k of at.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
        parent[at[at.length - 1] as string | number] = value;
        readsOrNamesThePath(JSON.stringify(copy));
      }),
      { numRuns: 500 },
    );
  });

  it("of any bytes, is read or refused with a path", () => {
    fc.assert(fc.property(fc.string(), (text) => readsOrNamesThePath(text)), { numRuns: 300 });
    fc.assert(fc.property(fc.jsonValue(), (value) => readsOrNamesThePath(JSON.stringify(value) ?? "")), { numRuns: 300 });
  });
});

describe("JSON paths", () => {
  it("follow keys and indexes to where a text stops", () => {
    const text = '{"a": [1, {"b c": {"d": tru';
    expect(formatJsonPath(jsonPathAt(text, text.length))).toBe('$.a[1]["b c"].d');
    expect(formatJsonPath(jsonPathAt('{"a": 1, ', 9))).toBe("$");
    expect(formatJsonPath(jsonPathAt('{"a": {"bc', 10))).toBe("$.a");
  });
});

describe("redaction", () => {
  it("blanks every secret text, the longer first", () => {
    expect(redactSecrets("key s3cr3t-long and s3cr3t", ["s3cr3t-long", "s3cr3t"])).toBe("key [secret] and [secret]");
  });
});
