import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { cliWithin } from "../support/cli";

const cli = cliWithin(120_000);

interface JsonViolation {
  policyName: string;
  urn: string;
  message: string;
  enforcementLevel: string;
}

function previewJson(fixture: string): { status: number | null; violations: JsonViolation[] } {
  const r = cli("preview", "--program", path.join("test", "fixtures", "programs", fixture), "--json");
  return { status: r.status, ...(JSON.parse(r.stdout) as { violations: JsonViolation[] }) };
}

const urn = (program: string, type: string, name: string): string => `urn:pulumi:dev::${program}::${type}::${name}`;
const privileged = (subject: string, container: string): string =>
  `The ${subject} must pass the Pod Security Standards check "privileged" (restricted, latest): privileged (container "${container}" must not set securityContext.privileged=true).`;

describe("secure-mlops preview --program judges Kubernetes objects", () => {
  it("exits 0 for the restricted namespace, workloads, webhook, roles and their YAML ConfigGroup", () => {
    const r = cli("preview", "--program", path.join("test", "fixtures", "programs", "kubernetes-compliant"));
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    // The ConfigGroup's three YAML documents are recorded as resources of their own.
    expect(r.stdout).toMatch(/\+ kubernetes:apps\/v1:Deployment {2}model-serving\/feature-store/);
    expect(r.stdout).toMatch(/^11 resources; 0 mandatory and 0 advisory violations\.$/m);
  });

  it("exits 1 for a CronJob that allows privilege escalation", () => {
    const r = previewJson("kubernetes-cronjob-escalation");
    expect(r.status).toBe(1);
    expect(r.violations.map((v) => [v.policyName, v.urn, v.message])).toEqual([
      [
        "kubernetes-pod-security-allow-privilege-escalation",
        urn("kubernetes-cronjob-escalation", "kubernetes:batch/v1:CronJob", "model-refresh"),
        'The pod template must pass the Pod Security Standards check "allowPrivilegeEscalation" (restricted, latest): allowPrivilegeEscalation != false (container "refresh" must set securityContext.allowPrivilegeEscalation=false).',
      ],
    ]);
  });

  it("exits 1 for a privileged Deployment, a fail-open webhook and a wildcard ClusterRole, naming each policy and resource", () => {
    const r = previewJson("kubernetes-insecure");
    expect(r.status).toBe(1);
    const p = "kubernetes-insecure";
    expect(r.violations.map((v) => [v.policyName, v.urn, v.enforcementLevel, v.message])).toEqual([
      [
        "kubernetes-rbac-no-wildcards",
        urn(p, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "model-reader"),
        "mandatory",
        'The ClusterRole must not grant "*" in apiGroups, resources.',
      ],
      [
        "kubernetes-webhook-fail-closed",
        urn(p, "kubernetes:admissionregistration.k8s.io/v1:ValidatingWebhookConfiguration", "verifier"),
        "mandatory",
        'The ValidatingWebhookConfiguration\'s webhook "verify.secure-mlops.dev" must fail closed (failurePolicy "Fail"), got "Ignore".',
      ],
      ["kubernetes-pod-security-privileged", urn(p, "kubernetes:apps/v1:Deployment", "model-server"), "mandatory", privileged("pod template", "server")],
    ]);
  });

  it("judges a multi-document YAML object by object: only its privileged Pod is refused", () => {
    const r = previewJson("kubernetes-yaml-privileged");
    expect(r.status).toBe(1);
    expect(r.violations.map((v) => [v.policyName, v.urn, v.message])).toEqual([
      [
        "kubernetes-pod-security-privileged",
        urn("kubernetes-yaml-privileged", "kubernetes:yaml:ConfigGroup$kubernetes:core/v1:Pod", "model-serving/debug"),
        privileged("pod", "shell"),
      ],
    ]);
  });
});
