import * as fc from "fast-check";
import type { Pod } from "@pulumi/kubernetes/core/v1";
import { validateResourceOfType } from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { pssChecks, pssVerdict } from "../../policies/kubernetes-pod-security";
import { containersOf, podTemplateOf, podTemplateTypes, podTemplateWorkloads } from "../../policies/lib/kubernetes";
import { implementationFor, maxMinor, parsePssVersion } from "../../policies/lib/pod-security";
import { restrictedPod } from "./kubernetes-fixtures";

// The checks as pure functions, for what the pack tests do not walk: versions, lists of
// containers, and arbitrary input.

const restricted = { level: "restricted" as const, version: "latest" };
const at = (version: string, level: "baseline" | "restricted" = "restricted") => ({ level, version });
type Spec = Record<string, unknown>;

describe("the workload table", () => {
  it("names each class by the type token it registers", () => {
    expect(podTemplateWorkloads.length).toBe(9);
    for (const w of podTemplateWorkloads) {
      const token = (validateResourceOfType(w.cls as typeof Pod, () => undefined) as { __pulumiType?: string }).__pulumiType;
      expect(token).toBe(w.type);
    }
  });
});

describe("versions", () => {
  it('evaluates "latest" as the newest version a check knows (v1.37 at upstream 8f84a87c)', () => {
    expect(maxMinor(pssChecks)).toBe(37);
    expect(parsePssVersion("latest")).toBe("latest");
    expect(parsePssVersion("v1.25")).toBe(25);
  });

  it("allows container_engine_t from v1.31", () => {
    const spec: Spec = { securityContext: { seLinuxOptions: { type: "container_engine_t" } }, containers: [] };
    expect(pssVerdict("seLinuxOptions", {}, spec, at("v1.30"))).toBe(
      'The pod template must pass the Pod Security Standards check "seLinuxOptions" (restricted, v1.30): seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: type "container_engine_t").',
    );
    expect(pssVerdict("seLinuxOptions", {}, spec, at("v1.31"))).toBeUndefined();
  });

  it("grows the safe sysctls by version", () => {
    const spec: Spec = { securityContext: { sysctls: [{ name: "net.ipv4.tcp_notsent_lowat" }] } };
    expect(pssVerdict("sysctls", {}, spec, at("v1.36"))).toMatch(/forbidden sysctls \(net\.ipv4\.tcp_notsent_lowat\)\.$/);
    expect(pssVerdict("sysctls", {}, spec, restricted)).toBeUndefined();
    expect(pssVerdict("sysctls", {}, spec, at("v1.99"))).toBeUndefined();
  });

  it("judges seccomp annotations before v1.19 and the field from v1.19", () => {
    const metadata = { annotations: { "seccomp.security.alpha.kubernetes.io/pod": "unconfined" } };
    const spec: Spec = { containers: [{ name: "app" }] };
    expect(pssVerdict("seccompProfile_baseline", metadata, spec, at("v1.18"))).toBe(
      'The pod template must pass the Pod Security Standards check "seccompProfile_baseline" (restricted, v1.18): seccompProfile (forbidden annotation seccomp.security.alpha.kubernetes.io/pod="unconfined").',
    );
    expect(pssVerdict("seccompProfile_baseline", metadata, spec, at("v1.19", "baseline"))).toBeUndefined();
  });

  it("overrides a baseline check only from the version its restricted counterpart starts at", () => {
    const caps = pssChecks.find((c) => c.id === "capabilities_baseline")!;
    expect(implementationFor(pssChecks, caps, "restricted", 21)).toBeDefined();
    expect(implementationFor(pssChecks, caps, "restricted", 22)).toBeUndefined();
    expect(implementationFor(pssChecks, caps, "baseline", 22)).toBeDefined();
  });

  it("exempts Windows pods from the Linux-only restricted checks only from v1.25", () => {
    const spec: Spec = { os: { name: "windows" }, securityContext: { runAsNonRoot: true }, containers: [{ name: "app" }] };
    expect(pssVerdict("allowPrivilegeEscalation", {}, spec, at("v1.24"))).toBeDefined();
    expect(pssVerdict("allowPrivilegeEscalation", {}, spec, at("v1.25"))).toBeUndefined();
    expect(pssVerdict("capabilities_restricted", {}, spec, at("v1.25"))).toBeUndefined();
    expect(pssVerdict("seccompProfile_restricted", {}, spec, at("v1.25"))).toBeUndefined();
  });

  it("relaxes runAsUser, runAsNonRoot and the baseline procMount for hostUsers: false only from v1.35", () => {
    const spec: Spec = { hostUsers: false, securityContext: { runAsUser: 0 }, containers: [{ name: "app", securityContext: { procMount: "Unmasked" } }] };
    expect(pssVerdict("runAsUser", {}, spec, at("v1.34"))).toBeDefined();
    expect(pssVerdict("runAsUser", {}, spec, at("v1.35"))).toBeUndefined();
    expect(pssVerdict("runAsNonRoot", {}, spec, at("v1.35"))).toBeUndefined();
    expect(pssVerdict("procMount", {}, spec, at("v1.35", "baseline"))).toBeUndefined();
    expect(pssVerdict("procMount", {}, spec, at("v1.34", "baseline"))).toBeDefined();
    expect(pssVerdict("procMount_restricted", {}, spec, at("v1.35"))).toBeDefined();
  });
});

describe("every container list", () => {
  it("reaches init, regular and ephemeral containers, in upstream's order", () => {
    const spec: Spec = {
      initContainers: [{ name: "i", securityContext: { privileged: true } }],
      containers: [{ name: "c", securityContext: { privileged: true } }, { name: "ok" }],
      ephemeralContainers: [{ name: "debug", securityContext: { privileged: true } }],
    };
    expect(pssVerdict("privileged", {}, spec, restricted)).toBe(
      'The pod template must pass the Pod Security Standards check "privileged" (restricted, latest): privileged (containers "i", "c", "debug" must not set securityContext.privileged=true).',
    );
  });

  it("names the setters of a bad value as upstream does (pod and containers)", () => {
    const spec: Spec = {
      securityContext: { runAsNonRoot: false },
      containers: [{ name: "a", securityContext: { runAsNonRoot: false } }, { name: "b" }],
    };
    expect(pssVerdict("runAsNonRoot", {}, spec, restricted)).toMatch(
      /runAsNonRoot != true \(pod and container "a" must not set securityContext\.runAsNonRoot=false\)\.$/,
    );
  });

  it("passes the minimal restricted pod through every check", () => {
    const pod = restrictedPod();
    expect(pssChecks.length).toBe(19);
    for (const c of pssChecks) expect(pssVerdict(c.id, pod.metadata, pod.spec, restricted), c.id).toBeUndefined();
  });
});

describe("reading outside input", () => {
  it("never throws on arbitrary properties, for every type and check", () => {
    const types = [...podTemplateTypes, "kubernetes:core/v1:Service"];
    fc.assert(
      fc.property(fc.constantFrom(...types), fc.anything({ withNullPrototype: true, withObjectString: true }), (type, props) => {
        const template = podTemplateOf(type, props);
        if (template === undefined) return;
        containersOf(template.spec);
        for (const c of pssChecks) pssVerdict(c.id, template.metadata, template.spec, restricted);
      }),
      { numRuns: 300 },
    );
  });

  it("never throws on pod specs of the right shape with arbitrary leaves", () => {
    const leaf = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.object());
    const context = fc.dictionary(
      fc.constantFrom("privileged", "runAsNonRoot", "runAsUser", "capabilities", "seccompProfile", "appArmorProfile", "seLinuxOptions", "procMount", "windowsOptions", "sysctls"),
      fc.oneof(leaf, fc.array(leaf), fc.dictionary(fc.constantFrom("type", "add", "drop", "user", "role", "hostProcess"), fc.oneof(leaf, fc.array(leaf)))),
    );
    const container = fc.record({ name: leaf, securityContext: fc.oneof(context, leaf), ports: fc.array(fc.record({ hostPort: leaf })) }, { requiredKeys: [] });
    const spec = fc.record(
      {
        securityContext: fc.oneof(context, leaf),
        containers: fc.oneof(fc.array(container), leaf),
        initContainers: fc.array(fc.oneof(container, leaf)),
        volumes: fc.array(fc.dictionary(fc.constantFrom("name", "hostPath", "nfs", "secret"), leaf)),
        os: fc.oneof(fc.record({ name: leaf }), leaf),
        hostUsers: leaf,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(spec, fc.dictionary(fc.string(), fc.dictionary(fc.string(), leaf)), (s, metadata) => {
        for (const c of pssChecks) {
          const v = pssVerdict(c.id, metadata, s, restricted);
          expect(v === undefined || v.startsWith("The pod template must pass")).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("parses a version setting as upstream does: latest or v1.<minor>, anything else latest", () => {
    fc.assert(
      fc.property(fc.anything(), (v) => {
        const parsed = parsePssVersion(v);
        expect(parsed === "latest" || (Number.isInteger(parsed) && parsed >= 0)).toBe(true);
      }),
    );
    fc.assert(
      fc.property(fc.nat(), (n) => {
        expect(parsePssVersion(`v1.${n}`)).toBe(n);
      }),
    );
    expect(parsePssVersion("v2.1")).toBe("latest");
    expect(parsePssVersion("v1.01")).toBe("latest");
  });
});
