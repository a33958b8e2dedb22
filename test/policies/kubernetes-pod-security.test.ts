import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubernetesPodSecurityPolicies } from "../../policies/kubernetes-pod-security";
import { podTemplateWorkloads } from "../../policies/lib/kubernetes";
import { startTestPack, type TestPack } from "../support/harness";
import { ownerOf, restrictedPod, type PodParts } from "./kubernetes-fixtures";

const podType = "kubernetes:core/v1:Pod";
const ownerTypes = podTemplateWorkloads.map((w) => w.type).filter((t) => t !== podType);
const pssNames = new Set<string>(kubernetesPodSecurityPolicies.map((p) => p.name));

let pack: TestPack;
beforeAll(async () => {
  pack = await startTestPack();
});
afterAll(() => pack.close());

/** The pod-security verdicts of the pack on one object (other policies are judged elsewhere). */
async function verdicts(type: string, props: Record<string, unknown>): Promise<Record<string, string[]>> {
  const diagnostics = await pack.analyze(type, props, "workload");
  const out: Record<string, string[]> = {};
  for (const d of diagnostics) if (pssNames.has(d.policyName)) (out[d.policyName] ??= []).push(d.message);
  return out;
}

function podProps(parts: PodParts): Record<string, unknown> {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "ml", ...parts.metadata }, spec: parts.spec };
}

/** `{ policy: [message] }` with upstream's reason and detail, for a Pod or an owner's template. */
function expected(policy: string, check: string, forbidden: string, type: string, level = "restricted", version = "latest"): Record<string, string[]> {
  const subject = type === podType ? "pod" : "pod template";
  return { [policy]: [`The ${subject} must pass the Pod Security Standards check "${check}" (${level}, ${version}): ${forbidden}.`] };
}

type Spec = Record<string, unknown>;
const main = (spec: Spec): Spec => (spec["containers"] as Spec[])[0]!;
const ctx = (c: Spec): Spec => (c["securityContext"] ??= {}) as Spec;
const podCtx = (spec: Spec): Spec => (spec["securityContext"] ??= {}) as Spec;

describe("the upstream minimal restricted pod", () => {
  it("passes every pod-security policy as a Pod and in every owner", async () => {
    expect(ownerTypes.length).toBe(8);
    expect(await verdicts(podType, podProps(restrictedPod()))).toEqual({});
    for (const type of ownerTypes) expect(await verdicts(type, ownerOf(type, restrictedPod())), type).toEqual({});
  });
});

/** One case per check: a change of the restricted pod that only this check refuses, and upstream's reason (detail). */
const cases: { check: string; policy: string; flip: (p: PodParts) => void; forbidden: string }[] = [
  {
    check: "hostNamespaces",
    policy: "kubernetes-pod-security-host-namespaces",
    flip: (p) => Object.assign(p.spec, { hostNetwork: true, hostIPC: true }),
    forbidden: "host namespaces (hostNetwork=true, hostIPC=true)",
  },
  {
    check: "privileged",
    policy: "kubernetes-pod-security-privileged",
    flip: (p) => (ctx(main(p.spec))["privileged"] = true),
    forbidden: 'privileged (container "app" must not set securityContext.privileged=true)',
  },
  {
    check: "hostPorts",
    policy: "kubernetes-pod-security-host-ports",
    flip: (p) => (main(p.spec)["ports"] = [{ containerPort: 8080, hostPort: 8080 }, { containerPort: 9090 }]),
    forbidden: 'hostPort (container "app" uses hostPort 8080)',
  },
  {
    check: "appArmorProfile",
    policy: "kubernetes-pod-security-apparmor-profile",
    flip: (p) => {
      ctx(main(p.spec))["appArmorProfile"] = { type: "Unconfined" };
      p.metadata["annotations"] = { "container.apparmor.security.beta.kubernetes.io/app": "unconfined" };
    },
    forbidden:
      'forbidden AppArmor profiles (container "app" and annotation must not set AppArmor profile type to ' +
      '"Unconfined", "container.apparmor.security.beta.kubernetes.io/app="unconfined"")',
  },
  {
    check: "seLinuxOptions",
    policy: "kubernetes-pod-security-selinux-options",
    flip: (p) => (podCtx(p.spec)["seLinuxOptions"] = { type: "spc_t", user: "system_u" }),
    forbidden: 'seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set)',
  },
  {
    check: "sysctls",
    policy: "kubernetes-pod-security-sysctls",
    flip: (p) => (podCtx(p.spec)["sysctls"] = [{ name: "net.ipv4.tcp_syncookies", value: "1" }, { name: "kernel.msgmax", value: "1" }]),
    forbidden: "forbidden sysctls (kernel.msgmax)",
  },
  {
    check: "windowsHostProcess",
    policy: "kubernetes-pod-security-windows-host-process",
    flip: (p) => (ctx(main(p.spec))["windowsOptions"] = { hostProcess: true }),
    forbidden: 'hostProcess (container "app" must not set securityContext.windowsOptions.hostProcess=true)',
  },
  {
    check: "hostProbesAndHostLifecycle",
    policy: "kubernetes-pod-security-host-probes-and-lifecycle",
    flip: (p) => (main(p.spec)["livenessProbe"] = { httpGet: { host: "169.254.169.254", path: "/", port: 80 } }),
    forbidden: 'probe or lifecycle host (container "app" uses probe or lifecycle host "169.254.169.254")',
  },
  {
    check: "restrictedVolumes",
    policy: "kubernetes-pod-security-restricted-volumes",
    flip: (p) => (p.spec["volumes"] = [{ name: "data", emptyDir: {} }, { name: "host", hostPath: { path: "/var/run/docker.sock" } }]),
    forbidden: 'restricted volume types (volume "host" uses restricted volume type "hostPath")',
  },
  {
    check: "allowPrivilegeEscalation",
    policy: "kubernetes-pod-security-allow-privilege-escalation",
    flip: (p) => delete ctx(main(p.spec))["allowPrivilegeEscalation"],
    forbidden: 'allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false)',
  },
  {
    check: "runAsNonRoot",
    policy: "kubernetes-pod-security-run-as-non-root",
    flip: (p) => delete podCtx(p.spec)["runAsNonRoot"],
    forbidden: 'runAsNonRoot != true (pod or containers "init", "app" must set securityContext.runAsNonRoot=true)',
  },
  {
    check: "runAsUser",
    policy: "kubernetes-pod-security-run-as-user",
    flip: (p) => (ctx(main(p.spec))["runAsUser"] = 0),
    forbidden: 'runAsUser=0 (container "app" must not set runAsUser=0)',
  },
  {
    check: "seccompProfile_restricted",
    policy: "kubernetes-pod-security-seccomp-profile-restricted",
    flip: (p) => delete podCtx(p.spec)["seccompProfile"],
    forbidden: 'seccompProfile (pod or containers "init", "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
  },
  {
    check: "capabilities_restricted",
    policy: "kubernetes-pod-security-capabilities-restricted",
    flip: (p) => (ctx(main(p.spec))["capabilities"] = { drop: ["NET_RAW"], add: ["NET_BIND_SERVICE", "SYS_ADMIN"] }),
    forbidden:
      'unrestricted capabilities (container "app" must set securityContext.capabilities.drop=["ALL"]; ' +
      'container "app" must not include "SYS_ADMIN" in securityContext.capabilities.add)',
  },
  {
    check: "procMount_restricted",
    policy: "kubernetes-pod-security-proc-mount-restricted",
    flip: (p) => (ctx(main(p.spec))["procMount"] = "Unmasked"),
    forbidden: 'procMount (container "app" must not set securityContext.procMount to "Unmasked")',
  },
];

/** Baseline checks, judged at level baseline (restricted checks overriding them do not run there). */
const baselineCases: typeof cases = [
  {
    check: "capabilities_baseline",
    policy: "kubernetes-pod-security-capabilities-baseline",
    flip: (p) => (ctx(main(p.spec))["capabilities"] = { drop: ["ALL"], add: ["CHOWN", "NET_RAW", "SYS_ADMIN"] }),
    forbidden: 'non-default capabilities (container "app" must not include "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add)',
  },
  {
    check: "hostPathVolumes",
    policy: "kubernetes-pod-security-host-path-volumes",
    flip: (p) => (p.spec["volumes"] = [{ name: "host", hostPath: { path: "/" } }]),
    forbidden: 'hostPath volumes (volume "host")',
  },
  {
    check: "procMount",
    policy: "kubernetes-pod-security-proc-mount",
    flip: (p) => (ctx(main(p.spec))["procMount"] = "Unmasked"),
    forbidden: 'procMount (container "app" must not set securityContext.procMount to "Unmasked")',
  },
  {
    check: "seccompProfile_baseline",
    policy: "kubernetes-pod-security-seccomp-profile-baseline",
    flip: (p) => (ctx(main(p.spec))["seccompProfile"] = { type: "Unconfined" }),
    forbidden: 'seccompProfile (container "app" must not set securityContext.seccompProfile.type to "Unconfined")',
  },
];

const baselineConfig = Object.fromEntries(kubernetesPodSecurityPolicies.map((p) => [p.name, { level: "baseline" }]));

describe("at the restricted level (the default)", () => {
  it("has a case for every restricted-level policy", () => {
    expect(cases.length).toBe(15);
  });
  cases.forEach((c, i) => {
    const owner = ownerTypes[i % ownerTypes.length]!;
    it(`refuses a Pod and a ${owner.split(":")[2]} that fail ${c.check}`, async () => {
      const pod = restrictedPod();
      c.flip(pod);
      expect(await verdicts(podType, podProps(pod))).toEqual(expected(c.policy, c.check, c.forbidden, podType));
      const templ = restrictedPod();
      c.flip(templ);
      expect(await verdicts(owner, ownerOf(owner, templ))).toEqual(expected(c.policy, c.check, c.forbidden, owner));
    });
  });
});

describe("at the baseline level", () => {
  beforeAll(() => pack.configure(baselineConfig));
  afterAll(() => pack.configure({}));

  it("has a case for every baseline policy a restricted one overrides", () => {
    expect(baselineCases.length).toBe(4);
  });
  baselineCases.forEach((c, i) => {
    const owner = ownerTypes[(i + 3) % ownerTypes.length]!;
    it(`refuses a Pod and a ${owner.split(":")[2]} that fail ${c.check}`, async () => {
      const pod = restrictedPod();
      c.flip(pod);
      expect(await verdicts(podType, podProps(pod))).toEqual(expected(c.policy, c.check, c.forbidden, podType, "baseline"));
      const templ = restrictedPod();
      c.flip(templ);
      expect(await verdicts(owner, ownerOf(owner, templ))).toEqual(expected(c.policy, c.check, c.forbidden, owner, "baseline"));
    });
  });

  it("does not run the restricted checks: a pod that is only baseline passes", async () => {
    const pod: PodParts = { metadata: {}, spec: { containers: [{ name: "app", image: "nginx" }] } };
    expect(await verdicts(podType, podProps(pod))).toEqual({});
  });
});

describe("upstream's overrides at the restricted level", () => {
  it("reports a hostPath volume under restrictedVolumes only", async () => {
    const pod = restrictedPod();
    pod.spec["volumes"] = [{ name: "host", hostPath: { path: "/" } }];
    expect(await verdicts("kubernetes:apps/v1:DaemonSet", ownerOf("kubernetes:apps/v1:DaemonSet", pod))).toEqual(
      expected("kubernetes-pod-security-restricted-volumes", "restrictedVolumes", 'restricted volume types (volume "host" uses restricted volume type "hostPath")', "x"),
    );
  });
});

describe("a Windows pod", () => {
  const windowsPod = (): PodParts => ({
    metadata: {},
    spec: {
      os: { name: "windows" },
      securityContext: { runAsNonRoot: true },
      containers: [{ name: "app", image: "mcr.microsoft.com/windows/nanoserver@sha256:" + "a".repeat(64) }],
    },
  });
  it("is exempt from allowPrivilegeEscalation, seccompProfile_restricted and capabilities_restricted", async () => {
    expect(await verdicts(podType, podProps(windowsPod()))).toEqual({});
  });
  it("still needs runAsNonRoot and must not be a HostProcess pod", async () => {
    const pod = windowsPod();
    pod.spec["securityContext"] = { windowsOptions: { hostProcess: true } };
    expect(await verdicts(podType, podProps(pod))).toEqual({
      ...expected("kubernetes-pod-security-windows-host-process", "windowsHostProcess", "hostProcess (pod must not set securityContext.windowsOptions.hostProcess=true)", podType),
      ...expected("kubernetes-pod-security-run-as-non-root", "runAsNonRoot", 'runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true)', podType),
    });
  });
});

describe("a pod in its own user namespace (hostUsers: false)", () => {
  it("may run as uid 0 without runAsNonRoot, but keeps the default /proc masks at restricted", async () => {
    const pod = restrictedPod();
    pod.spec["hostUsers"] = false;
    delete podCtx(pod.spec)["runAsNonRoot"];
    ctx(main(pod.spec))["runAsUser"] = 0;
    ctx(main(pod.spec))["procMount"] = "Unmasked";
    expect(await verdicts(podType, podProps(pod))).toEqual(
      expected("kubernetes-pod-security-proc-mount-restricted", "procMount_restricted", 'procMount (container "app" must not set securityContext.procMount to "Unmasked")', podType),
    );
  });
});

describe("the version setting", () => {
  afterAll(() => pack.configure({}));
  it("runs the checks of that version: runAsUser only from v1.23", async () => {
    await pack.configure({ "kubernetes-pod-security-run-as-user": { version: "v1.22" } });
    const pod = restrictedPod();
    ctx(main(pod.spec))["runAsUser"] = 0;
    expect(await verdicts(podType, podProps(pod))).toEqual({});
    await pack.configure({ "kubernetes-pod-security-run-as-user": { version: "v1.23" } });
    expect(await verdicts(podType, podProps(pod))).toEqual(
      expected("kubernetes-pod-security-run-as-user", "runAsUser", 'runAsUser=0 (container "app" must not set runAsUser=0)', podType, "restricted", "v1.23"),
    );
  });
  it("refuses a version that is not \"latest\" or v1.<minor>", async () => {
    await expect(pack.configure({ "kubernetes-pod-security-privileged": { version: "1.30" } })).rejects.toThrow(/kubernetes-pod-security-privileged\.version/);
  });
});
