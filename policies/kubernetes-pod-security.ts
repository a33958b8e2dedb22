import type { PolicyConfigSchema, ResourceValidationPolicy } from "@pulumi/policy";
import { asArray, asObject, asString, asText, containersOf, validateWorkloads, type ContainerView, type KObject } from "./lib/kubernetes";
import { mapped, type ControlMapping } from "./lib/metadata";
import {
  goQuote,
  implementationFor,
  joinQuote,
  parsePssVersion,
  pluralize,
  pssVersionPattern,
  sortedSet,
  type Forbidden,
  type PssCheck,
  type PssLevel,
  type VersionedCheck,
} from "./lib/pod-security";
import { knobsOf } from "./lib/config";

// The Pod Security Standards, one policy per check of kubernetes/pod-security-admission
// (`policy/check_*.go` @8f84a87c), with upstream's versions, overrides, Windows exemptions and
// user-namespace relaxations, and upstream's reason and detail in the message so a refusal reads
// as the admission plugin's would. Written from upstream's behaviour and tests, not translated.

function containerPhrase(names: readonly string[]): string {
  return `${pluralize("container", "containers", names.length)} ${joinQuote(names)}`;
}

const isTrue = (v: unknown): boolean => v === true;
const isWindows = (spec: KObject): boolean => asObject(spec["os"])?.["name"] === "windows";
/** `hostUsers: false`: the pod runs in its own user namespace (upstream's relaxPolicyForUserNamespacePod). */
const inUserNamespace = (spec: KObject): boolean => spec["hostUsers"] === false;
const podContext = (spec: KObject): KObject | undefined => asObject(spec["securityContext"]);

/** "pod", "container(s) ..." joined with " and ", as upstream names the setters of a bad value. */
function setters(podBad: boolean, containers: readonly string[]): string[] {
  const out = podBad ? ["pod"] : [];
  if (containers.length > 0) out.push(containerPhrase(containers));
  return out;
}

function badContainers(spec: KObject, bad: (c: ContainerView) => boolean): string[] {
  return containersOf(spec).filter(bad).map((c) => c.name);
}

// --- baseline ------------------------------------------------------------------------------

function hostNamespaces(_m: KObject, spec: KObject): Forbidden | undefined {
  const set = (["hostNetwork", "hostPID", "hostIPC"] as const).filter((k) => isTrue(spec[k])).map((k) => `${k}=true`);
  return set.length > 0 ? { reason: "host namespaces", detail: set.join(", ") } : undefined;
}

function privileged(_m: KObject, spec: KObject): Forbidden | undefined {
  const bad = badContainers(spec, (c) => isTrue(c.securityContext?.["privileged"]));
  return bad.length > 0
    ? { reason: "privileged", detail: `${containerPhrase(bad)} must not set securityContext.privileged=true` }
    : undefined;
}

const defaultCapabilities = new Set([
  "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
  "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
]);

/** The capabilities listed under `field` (add or drop), as strings (upstream's `Capability` type). */
function capabilityList(c: ContainerView, field: "add" | "drop"): string[] {
  return asArray(asObject(c.securityContext?.["capabilities"])?.[field]).map((v) => asText(v));
}

function capabilitiesBaseline(_m: KObject, spec: KObject): Forbidden | undefined {
  const bad: string[] = [];
  const added: string[] = [];
  for (const c of containersOf(spec)) {
    const extra = capabilityList(c, "add").filter((cap) => !defaultCapabilities.has(cap));
    if (extra.length > 0) {
      bad.push(c.name);
      added.push(...extra);
    }
  }
  return bad.length > 0
    ? {
        reason: "non-default capabilities",
        detail: `${containerPhrase(bad)} must not include ${joinQuote(sortedSet(added))} in securityContext.capabilities.add`,
      }
    : undefined;
}

/** The pod's volumes that are objects, with their names ("" when absent). */
function volumesOf(spec: KObject): { name: string; volume: KObject }[] {
  return asArray(spec["volumes"]).flatMap((v) => {
    const volume = asObject(v);
    return volume === undefined ? [] : [{ name: asString(volume["name"]) ?? "", volume }];
  });
}

/** A volume source is set when its field holds anything but null/undefined (Go's non-nil pointer). */
const hasSource = (volume: KObject, key: string): boolean => volume[key] !== undefined && volume[key] !== null;

function hostPathVolumes(_m: KObject, spec: KObject): Forbidden | undefined {
  const bad = volumesOf(spec).filter((v) => hasSource(v.volume, "hostPath")).map((v) => v.name);
  return bad.length > 0
    ? { reason: "hostPath volumes", detail: `${pluralize("volume", "volumes", bad.length)} ${joinQuote(bad)}` }
    : undefined;
}

function hostPorts(_m: KObject, spec: KObject): Forbidden | undefined {
  const bad: string[] = [];
  const ports: string[] = [];
  for (const c of containersOf(spec)) {
    let valid = true;
    for (const p of asArray(c.container["ports"])) {
      const hostPort = asObject(p)?.["hostPort"];
      if (hostPort !== undefined && hostPort !== null && hostPort !== 0) {
        valid = false;
        ports.push(asText(hostPort));
      }
    }
    if (!valid) bad.push(c.name);
  }
  if (bad.length === 0) return undefined;
  const listed = sortedSet(ports);
  return {
    reason: "hostPort",
    detail: `${containerPhrase(bad)} ${pluralize("uses", "use", bad.length)} ${pluralize("hostPort", "hostPorts", listed.length)} ${listed.join(", ")}`,
  };
}

const appArmorAnnotationPrefix = "container.apparmor.security.beta.kubernetes.io/";

/** The `type` of a profile object as a string; a profile without one has upstream's zero value "". */
function profileType(profile: KObject): string {
  return asText(profile["type"]);
}

const allowedProfile = (t: string): boolean => t === "RuntimeDefault" || t === "Localhost";

function appArmorProfile(metadata: KObject, spec: KObject): Forbidden | undefined {
  const badValues: string[] = [];
  const podProfile = asObject(podContext(spec)?.["appArmorProfile"]);
  const podBad = podProfile !== undefined && !allowedProfile(profileType(podProfile));
  if (podBad) badValues.push(profileType(podProfile));
  const bad = badContainers(spec, (c) => {
    const profile = asObject(c.securityContext?.["appArmorProfile"]);
    if (profile === undefined || allowedProfile(profileType(profile))) return false;
    badValues.push(profileType(profile));
    return true;
  });
  const who = setters(podBad, bad);
  const annotations: string[] = [];
  for (const [key, value] of Object.entries(asObject(metadata["annotations"]) ?? {})) {
    if (!key.startsWith(appArmorAnnotationPrefix)) continue;
    const v = asText(value);
    if (v.length === 0 || v === "runtime/default" || v.startsWith("localhost/")) continue;
    annotations.push(`${key}=${goQuote(v)}`);
  }
  const values = sortedSet(badValues);
  if (annotations.length > 0) {
    values.push(...sortedSet(annotations));
    who.push(pluralize("annotation", "annotations", annotations.length));
  }
  return who.length > 0
    ? {
        reason: pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", values.length),
        detail: `${who.join(" and ")} must not set AppArmor profile type to ${joinQuote(values)}`,
      }
    : undefined;
}

const seLinuxTypes1_0 = ["", "container_t", "container_init_t", "container_kvm_t"];
const seLinuxTypes1_31 = [...seLinuxTypes1_0, "container_engine_t"];

function seLinuxOptions(allowedTypes: readonly string[]) {
  const allowed = new Set(allowedTypes);
  return (_m: KObject, spec: KObject): Forbidden | undefined => {
    const badTypes: string[] = [];
    let setUser = false;
    let setRole = false;
    const valid = (opts: KObject): boolean => {
      let ok = true;
      const t = asText(opts["type"]);
      if (!allowed.has(t)) {
        ok = false;
        badTypes.push(t);
      }
      // Go's len(opts.User) > 0: any non-empty value.
      if (asText(opts["user"]).length > 0) {
        ok = false;
        setUser = true;
      }
      if (asText(opts["role"]).length > 0) {
        ok = false;
        setRole = true;
      }
      return ok;
    };
    const podOpts = asObject(podContext(spec)?.["seLinuxOptions"]);
    const podBad = podOpts !== undefined && !valid(podOpts);
    const bad = badContainers(spec, (c) => {
      const opts = asObject(c.securityContext?.["seLinuxOptions"]);
      return opts !== undefined && !valid(opts);
    });
    const who = setters(podBad, bad);
    if (who.length === 0) return undefined;
    const data: string[] = [];
    const types = sortedSet(badTypes);
    if (types.length > 0) data.push(`${pluralize("type", "types", types.length)} ${joinQuote(types)}`);
    if (setUser) data.push("user may not be set");
    if (setRole) data.push("role may not be set");
    return { reason: "seLinuxOptions", detail: `${who.join(" and ")} set forbidden securityContext.seLinuxOptions: ${data.join("; ")}` };
  };
}

function procMountDefault(_m: KObject, spec: KObject): Forbidden | undefined {
  const types: string[] = [];
  const bad = badContainers(spec, (c) => {
    const pm = c.securityContext?.["procMount"];
    if (pm === undefined || pm === null || pm === "Default") return false;
    types.push(asText(pm));
    return true;
  });
  return bad.length > 0
    ? { reason: "procMount", detail: `${containerPhrase(bad)} must not set securityContext.procMount to ${joinQuote(sortedSet(types))}` }
    : undefined;
}

function procMountBaseline1_35(metadata: KObject, spec: KObject): Forbidden | undefined {
  return inUserNamespace(spec) ? undefined : procMountDefault(metadata, spec);
}

const seccompPodAnnotation = "seccomp.security.alpha.kubernetes.io/pod";
const seccompContainerAnnotationPrefix = "container.seccomp.security.alpha.kubernetes.io/";

const validSeccompAnnotation = (v: string): boolean =>
  v === "runtime/default" || v === "docker/default" || v.startsWith("localhost/");

function seccompBaseline1_0(metadata: KObject, spec: KObject): Forbidden | undefined {
  const annotations = asObject(metadata["annotations"]) ?? {};
  const forbidden: string[] = [];
  const judge = (key: string): void => {
    if (!Object.hasOwn(annotations, key)) return;
    const raw = annotations[key];
    const v = asText(raw);
    if (!validSeccompAnnotation(v)) forbidden.push(`${key}=${goQuote(v)}`);
  };
  judge(seccompPodAnnotation);
  for (const c of containersOf(spec)) judge(seccompContainerAnnotationPrefix + c.name);
  const listed = sortedSet(forbidden);
  return listed.length > 0
    ? { reason: "seccompProfile", detail: `forbidden ${pluralize("annotation", "annotations", listed.length)} ${listed.join(", ")}` }
    : undefined;
}

interface SeccompSurvey {
  readonly podBad: boolean;
  readonly podSet: boolean;
  readonly explicitlyBad: string[];
  readonly unset: string[];
  readonly badValues: string[];
}

function surveySeccomp(spec: KObject): SeccompSurvey {
  const badValues: string[] = [];
  const podProfile = asObject(podContext(spec)?.["seccompProfile"]);
  const podBad = podProfile !== undefined && !allowedProfile(profileType(podProfile));
  if (podBad) badValues.push(profileType(podProfile));
  const explicitlyBad: string[] = [];
  const unset: string[] = [];
  for (const c of containersOf(spec)) {
    const profile = asObject(c.securityContext?.["seccompProfile"]);
    if (profile === undefined) unset.push(c.name);
    else if (!allowedProfile(profileType(profile))) {
      explicitlyBad.push(c.name);
      badValues.push(profileType(profile));
    }
  }
  return { podBad, podSet: podProfile !== undefined && !podBad, explicitlyBad, unset, badValues };
}

function seccompBadValues(s: SeccompSurvey): Forbidden | undefined {
  const who = setters(s.podBad, s.explicitlyBad);
  return who.length > 0
    ? {
        reason: "seccompProfile",
        detail: `${who.join(" and ")} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(s.badValues))}`,
      }
    : undefined;
}

function seccompBaseline1_19(_m: KObject, spec: KObject): Forbidden | undefined {
  return seccompBadValues(surveySeccomp(spec));
}

const sysctls1_0 = [
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_unprivileged_port_start",
];
const sysctls1_27 = [...sysctls1_0, "net.ipv4.ip_local_reserved_ports"];
const sysctls1_29 = [
  ...sysctls1_27,
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
];
const sysctls1_32 = [...sysctls1_29, "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"];
const sysctls1_37 = [...sysctls1_32, "net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"];

function sysctls(allowedNames: readonly string[]) {
  const allowed = new Set(allowedNames);
  return (_m: KObject, spec: KObject): Forbidden | undefined => {
    const bad: string[] = [];
    for (const s of asArray(podContext(spec)?.["sysctls"])) {
      const entry = asObject(s);
      if (entry === undefined) continue;
      const name = asText(entry["name"]);
      if (!allowed.has(name)) bad.push(name);
    }
    return bad.length > 0 ? { reason: "forbidden sysctls", detail: bad.join(", ") } : undefined;
  };
}

function windowsHostProcess(_m: KObject, spec: KObject): Forbidden | undefined {
  const hostProcess = (ctx: KObject | undefined): boolean => isTrue(asObject(ctx?.["windowsOptions"])?.["hostProcess"]);
  const bad = badContainers(spec, (c) => hostProcess(c.securityContext));
  const who = setters(hostProcess(podContext(spec)), bad);
  return who.length > 0
    ? { reason: "hostProcess", detail: `${who.join(" and ")} must not set securityContext.windowsOptions.hostProcess=true` }
    : undefined;
}

/** The non-empty `host` of a probe's or handler's httpGet and tcpSocket. */
function forbiddenHosts(handler: unknown): string[] {
  const h = asObject(handler);
  if (h === undefined) return [];
  const out: string[] = [];
  for (const kind of ["httpGet", "tcpSocket"]) {
    const host = asObject(h[kind])?.["host"];
    if (asText(host) !== "") out.push(asText(host));
  }
  return out;
}

function hostProbesAndHostLifecycle(_m: KObject, spec: KObject): Forbidden | undefined {
  const bad: string[] = [];
  const hosts: string[] = [];
  for (const c of containersOf(spec)) {
    const lifecycle = asObject(c.container["lifecycle"]);
    const found = [
      ...forbiddenHosts(c.container["livenessProbe"]),
      ...forbiddenHosts(c.container["readinessProbe"]),
      ...forbiddenHosts(c.container["startupProbe"]),
      ...forbiddenHosts(lifecycle?.["postStart"]),
      ...forbiddenHosts(lifecycle?.["preStop"]),
    ];
    if (found.length > 0) {
      bad.push(c.name);
      hosts.push(...found);
    }
  }
  if (bad.length === 0) return undefined;
  const names = sortedSet(bad);
  const listed = sortedSet(hosts);
  return {
    reason: "probe or lifecycle host",
    detail:
      `${containerPhrase(names)} ${pluralize("uses", "use", names.length)} ` +
      `${pluralize("probe or lifecycle host", "probe or lifecycle hosts", listed.length)} ${joinQuote(listed)}`,
  };
}

// --- restricted ----------------------------------------------------------------------------

const allowedVolumeSources = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim", "projected", "secret"];

/** The volume sources upstream names, in its order; anything else is "unknown". */
const namedVolumeSources = [
  "hostPath", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "nfs", "iscsi", "glusterfs", "rbd",
  "flexVolume", "cinder", "cephfs", "flocker", "fc", "azureFile", "vsphereVolume", "quobyte", "azureDisk",
  "photonPersistentDisk", "portworxVolume", "scaleIO", "storageos",
];

function restrictedVolumes(_m: KObject, spec: KObject): Forbidden | undefined {
  const bad: string[] = [];
  const types: string[] = [];
  for (const { name, volume } of volumesOf(spec)) {
    if (allowedVolumeSources.some((k) => hasSource(volume, k))) continue;
    bad.push(name);
    types.push(namedVolumeSources.find((k) => hasSource(volume, k)) ?? "unknown");
  }
  if (bad.length === 0) return undefined;
  const listed = sortedSet(types);
  return {
    reason: "restricted volume types",
    detail:
      `${pluralize("volume", "volumes", bad.length)} ${joinQuote(bad)} ${pluralize("uses", "use", bad.length)} ` +
      `${pluralize("restricted volume type", "restricted volume types", listed.length)} ${joinQuote(listed)}`,
  };
}

function allowPrivilegeEscalation1_8(_m: KObject, spec: KObject): Forbidden | undefined {
  // Only an explicit false passes: unset means the runtime's default, which allows escalation.
  const bad = badContainers(spec, (c) => c.securityContext?.["allowPrivilegeEscalation"] !== false);
  return bad.length > 0
    ? { reason: "allowPrivilegeEscalation != false", detail: `${containerPhrase(bad)} must set securityContext.allowPrivilegeEscalation=false` }
    : undefined;
}

/** From 1.25 the Linux-only restricted checks exempt pods that declare `os.name: windows`. */
function exceptWindows(check: (m: KObject, s: KObject) => Forbidden | undefined) {
  return (metadata: KObject, spec: KObject): Forbidden | undefined => (isWindows(spec) ? undefined : check(metadata, spec));
}

/** From 1.35 the user-id checks exempt pods in their own user namespace (`hostUsers: false`). */
function exceptUserNamespace(check: (m: KObject, s: KObject) => Forbidden | undefined) {
  return (metadata: KObject, spec: KObject): Forbidden | undefined => (inUserNamespace(spec) ? undefined : check(metadata, spec));
}

function runAsNonRoot1_0(_m: KObject, spec: KObject): Forbidden | undefined {
  const podValue = podContext(spec)?.["runAsNonRoot"];
  // Go's *bool: only a boolean is "set"; anything else is as good as absent.
  const podBad = podValue === false;
  const podNonRoot = podValue === true;
  const explicitlyBad: string[] = [];
  const implicitlyBad: string[] = [];
  for (const c of containersOf(spec)) {
    const v = c.securityContext?.["runAsNonRoot"];
    if (typeof v === "boolean") {
      if (!v) explicitlyBad.push(c.name);
    } else if (!podNonRoot) implicitlyBad.push(c.name);
  }
  const who = setters(podBad, explicitlyBad);
  if (who.length > 0) return { reason: "runAsNonRoot != true", detail: `${who.join(" and ")} must not set securityContext.runAsNonRoot=false` };
  if (implicitlyBad.length > 0) {
    return { reason: "runAsNonRoot != true", detail: `pod or ${containerPhrase(implicitlyBad)} must set securityContext.runAsNonRoot=true` };
  }
  return undefined;
}

function runAsUser1_23(_m: KObject, spec: KObject): Forbidden | undefined {
  const podBad = podContext(spec)?.["runAsUser"] === 0;
  const bad = badContainers(spec, (c) => c.securityContext?.["runAsUser"] === 0);
  const who = setters(podBad, bad);
  return who.length > 0 ? { reason: "runAsUser=0", detail: `${who.join(" and ")} must not set runAsUser=0` } : undefined;
}

function seccompRestricted1_19(_m: KObject, spec: KObject): Forbidden | undefined {
  const s = surveySeccomp(spec);
  const bad = seccompBadValues(s);
  if (bad !== undefined) return bad;
  if (!s.podSet && s.unset.length > 0) {
    return {
      reason: "seccompProfile",
      detail: `pod or ${containerPhrase(s.unset)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
    };
  }
  return undefined;
}

function capabilitiesRestricted1_22(_m: KObject, spec: KObject): Forbidden | undefined {
  const missingDropAll: string[] = [];
  const addingForbidden: string[] = [];
  const forbidden: string[] = [];
  for (const c of containersOf(spec)) {
    if (asObject(c.securityContext?.["capabilities"]) === undefined) {
      missingDropAll.push(c.name);
      continue;
    }
    if (!capabilityList(c, "drop").includes("ALL")) missingDropAll.push(c.name);
    const extra = capabilityList(c, "add").filter((cap) => cap !== "NET_BIND_SERVICE");
    if (extra.length > 0) {
      addingForbidden.push(c.name);
      forbidden.push(...extra);
    }
  }
  const details: string[] = [];
  if (missingDropAll.length > 0) details.push(`${containerPhrase(missingDropAll)} must set securityContext.capabilities.drop=["ALL"]`);
  if (addingForbidden.length > 0) {
    details.push(`${containerPhrase(addingForbidden)} must not include ${joinQuote(sortedSet(forbidden))} in securityContext.capabilities.add`);
  }
  return details.length > 0 ? { reason: "unrestricted capabilities", detail: details.join("; ") } : undefined;
}

/** Every check of the latest upstream release, in upstream's order (baseline, then restricted, by id). */
export const pssChecks: readonly PssCheck[] = [
  { id: "appArmorProfile", level: "baseline", versions: [{ minimumMinor: 0, checkPod: appArmorProfile }] },
  { id: "capabilities_baseline", level: "baseline", versions: [{ minimumMinor: 0, checkPod: capabilitiesBaseline }] },
  { id: "hostNamespaces", level: "baseline", versions: [{ minimumMinor: 0, checkPod: hostNamespaces }] },
  { id: "hostPathVolumes", level: "baseline", versions: [{ minimumMinor: 0, checkPod: hostPathVolumes }] },
  { id: "hostPorts", level: "baseline", versions: [{ minimumMinor: 0, checkPod: hostPorts }] },
  { id: "hostProbesAndHostLifecycle", level: "baseline", versions: [{ minimumMinor: 34, checkPod: hostProbesAndHostLifecycle }] },
  { id: "privileged", level: "baseline", versions: [{ minimumMinor: 0, checkPod: privileged }] },
  {
    id: "procMount",
    level: "baseline",
    versions: [
      { minimumMinor: 0, checkPod: procMountDefault },
      { minimumMinor: 35, checkPod: procMountBaseline1_35 },
    ],
  },
  {
    id: "seLinuxOptions",
    level: "baseline",
    versions: [
      { minimumMinor: 0, checkPod: seLinuxOptions(seLinuxTypes1_0) },
      { minimumMinor: 31, checkPod: seLinuxOptions(seLinuxTypes1_31) },
    ],
  },
  {
    id: "seccompProfile_baseline",
    level: "baseline",
    versions: [
      { minimumMinor: 0, checkPod: seccompBaseline1_0 },
      { minimumMinor: 19, checkPod: seccompBaseline1_19 },
    ],
  },
  {
    id: "sysctls",
    level: "baseline",
    versions: [
      { minimumMinor: 0, checkPod: sysctls(sysctls1_0) },
      { minimumMinor: 27, checkPod: sysctls(sysctls1_27) },
      { minimumMinor: 29, checkPod: sysctls(sysctls1_29) },
      { minimumMinor: 32, checkPod: sysctls(sysctls1_32) },
      { minimumMinor: 37, checkPod: sysctls(sysctls1_37) },
    ],
  },
  { id: "windowsHostProcess", level: "baseline", versions: [{ minimumMinor: 0, checkPod: windowsHostProcess }] },
  {
    id: "allowPrivilegeEscalation",
    level: "restricted",
    versions: [
      { minimumMinor: 8, checkPod: allowPrivilegeEscalation1_8 },
      { minimumMinor: 25, checkPod: exceptWindows(allowPrivilegeEscalation1_8) },
    ],
  },
  {
    id: "capabilities_restricted",
    level: "restricted",
    versions: [
      { minimumMinor: 22, checkPod: capabilitiesRestricted1_22, overrides: ["capabilities_baseline"] },
      { minimumMinor: 25, checkPod: exceptWindows(capabilitiesRestricted1_22), overrides: ["capabilities_baseline"] },
    ],
  },
  { id: "procMount_restricted", level: "restricted", versions: [{ minimumMinor: 35, checkPod: procMountDefault, overrides: ["procMount"] }] },
  { id: "restrictedVolumes", level: "restricted", versions: [{ minimumMinor: 0, checkPod: restrictedVolumes, overrides: ["hostPathVolumes"] }] },
  {
    id: "runAsNonRoot",
    level: "restricted",
    versions: [
      { minimumMinor: 0, checkPod: runAsNonRoot1_0 },
      { minimumMinor: 35, checkPod: exceptUserNamespace(runAsNonRoot1_0) },
    ],
  },
  {
    id: "runAsUser",
    level: "restricted",
    versions: [
      { minimumMinor: 23, checkPod: runAsUser1_23 },
      { minimumMinor: 35, checkPod: exceptUserNamespace(runAsUser1_23) },
    ],
  },
  {
    id: "seccompProfile_restricted",
    level: "restricted",
    versions: [
      { minimumMinor: 19, checkPod: seccompRestricted1_19, overrides: ["seccompProfile_baseline"] },
      { minimumMinor: 25, checkPod: exceptWindows(seccompRestricted1_19), overrides: ["seccompProfile_baseline"] },
    ],
  },
];

/** The level and version settings of every pod-security policy; their defaults are the only ones. */
export interface PssConfig {
  readonly level: PssLevel;
  readonly version: string;
}

const pssConfigSchema: PolicyConfigSchema = {
  properties: {
    level: {
      type: "string",
      enum: ["baseline", "restricted"],
      default: "restricted",
      description: "The Pod Security Standards level to enforce (baseline checks run at both; restricted checks only at restricted).",
    },
    version: {
      type: "string",
      pattern: pssVersionPattern,
      default: "latest",
      description: 'The Pod Security Standards version, as the `pod-security.kubernetes.io/enforce-version` label: "latest" or "v1.<minor>".',
    },
  },
};

const resolved = new Map<string, VersionedCheck | undefined>();

/** `implementationFor`, once per check, level and version setting: it runs for every resource. */
function resolvedImplementation(check: PssCheck, level: PssLevel, version: unknown): VersionedCheck | undefined {
  const key = `${check.id}|${level}|${String(typeof version === "string" ? version : "")}`;
  if (!resolved.has(key)) resolved.set(key, implementationFor(pssChecks, check, level, parsePssVersion(version)));
  return resolved.get(key);
}

/**
 * The verdict of one check on one pod spec for a level and version: the message, or undefined
 * when it allows the pod or does not run. Exported for the tests and the docs.
 */
export function pssVerdict(checkId: string, metadata: KObject, spec: KObject, config: PssConfig, subject = "pod template"): string | undefined {
  const check = pssChecks.find((c) => c.id === checkId);
  if (check === undefined) throw new Error(`no Pod Security Standards check "${checkId}"`);
  const level: PssLevel = config.level === "baseline" ? "baseline" : "restricted";
  const impl = resolvedImplementation(check, level, config.version);
  const forbidden = impl?.checkPod(metadata, spec);
  if (forbidden === undefined) return undefined;
  return (
    `The ${subject} must pass the Pod Security Standards check "${check.id}" (${level}, ${config.version}): ` +
    `${forbidden.reason}${forbidden.detail === "" ? "" : ` (${forbidden.detail})`}.`
  );
}

interface PolicyText {
  readonly name: string;
  readonly description: string;
  readonly severity: "low" | "medium" | "high" | "critical";
  readonly remediationSteps: string;
  readonly mapping: Omit<ControlMapping, "atlas" | "nist" | "tags"> & { readonly tags?: readonly string[] };
}

function pssPolicy(checkId: string, text: PolicyText): ResourceValidationPolicy {
  const check = pssChecks.find((c) => c.id === checkId);
  if (check === undefined) throw new Error(`no Pod Security Standards check "${checkId}"`);
  return {
    name: text.name,
    description: `${text.description} This is the Pod Security Standards ${check.level} check "${check.id}".`,
    severity: text.severity,
    remediationSteps: text.remediationSteps,
    ...mapped({
      atlas: ["AML.M0019", "AML.M0005"],
      nist: ["MEASURE-2.7"],
      ...text.mapping,
      tags: ["kubernetes", "pod-security", `pss-${check.level}`, ...(text.mapping.tags ?? [])],
    }),
    configSchema: pssConfigSchema,
    validateResource: validateWorkloads((template, args, report) => {
      const subject = args.type === "kubernetes:core/v1:Pod" ? "pod" : "pod template";
      const message = pssVerdict(check.id, template.metadata, template.spec, knobsOf<PssConfig>({ name: text.name, configSchema: pssConfigSchema }, args), subject);
      if (message !== undefined) report(message);
    }),
  };
}

export const podSecurityHostNamespaces = pssPolicy("hostNamespaces", {
  name: "kubernetes-pod-security-host-namespaces",
  description: "Pods must not share the host's network, PID or IPC namespace.",
  severity: "critical",
  remediationSteps: "Remove `hostNetwork`, `hostPID` and `hostIPC` from the pod spec (or set them to false).",
  mapping: { checkov: ["CKV_K8S_17", "CKV_K8S_18", "CKV_K8S_19"], azurePolicy: ["47a1ee2f-2a2a-4576-bf2a-e0e36709c2b8", "82985f06-dc18-4a48-bc1c-b9f4f0098cfe"] },
});

export const podSecurityPrivileged = pssPolicy("privileged", {
  name: "kubernetes-pod-security-privileged",
  description: "Containers must not run privileged.",
  severity: "critical",
  remediationSteps: "Remove `securityContext.privileged: true` from every container, init container and ephemeral container.",
  mapping: { checkov: ["CKV_K8S_16"], azurePolicy: ["95edb821-ddaf-4404-9732-666045e056b4"] },
});

export const podSecurityCapabilitiesBaseline = pssPolicy("capabilities_baseline", {
  name: "kubernetes-pod-security-capabilities-baseline",
  description: "Containers must not add capabilities beyond the runtime's default set (no NET_RAW, no SYS_ADMIN).",
  severity: "high",
  remediationSteps: "Remove the non-default capabilities from `securityContext.capabilities.add`.",
  mapping: { checkov: ["CKV_K8S_25", "CKV_K8S_39"], azurePolicy: ["c26596ff-4d70-4e6a-9a30-c2506bd2f80c", "d2e7ea85-6b44-4317-a0be-1b951587f626"] },
});

export const podSecurityHostPathVolumes = pssPolicy("hostPathVolumes", {
  name: "kubernetes-pod-security-host-path-volumes",
  description: "Pods must not mount hostPath volumes.",
  severity: "high",
  remediationSteps: "Replace hostPath volumes with emptyDir, a persistent volume claim, a CSI volume or a projected volume.",
  mapping: { checkov: ["CKV_K8S_27"], azurePolicy: ["098fc59e-46c7-4d99-9b16-64990e543d75"] },
});

export const podSecurityHostPorts = pssPolicy("hostPorts", {
  name: "kubernetes-pod-security-host-ports",
  description: "Containers must not bind host ports.",
  severity: "medium",
  remediationSteps: "Remove `hostPort` from the container ports; expose the pod through a Service.",
  mapping: { checkov: ["CKV_K8S_26"], azurePolicy: ["82985f06-dc18-4a48-bc1c-b9f4f0098cfe"] },
});

export const podSecurityAppArmorProfile = pssPolicy("appArmorProfile", {
  name: "kubernetes-pod-security-apparmor-profile",
  description: "Pods and containers must not disable or override the default AppArmor profile (RuntimeDefault or Localhost only).",
  severity: "medium",
  remediationSteps: "Set `appArmorProfile.type` to `RuntimeDefault` or `Localhost`, or leave it unset; remove `unconfined` AppArmor annotations.",
  mapping: { azurePolicy: ["511f5417-5d12-434d-ab2e-816901e72a5e"] },
});

export const podSecuritySeLinuxOptions = pssPolicy("seLinuxOptions", {
  name: "kubernetes-pod-security-selinux-options",
  description: "Pods and containers must not set a custom SELinux user or role, nor a type outside the container types.",
  severity: "medium",
  remediationSteps: "Leave `seLinuxOptions.user` and `.role` unset and `.type` unset or one of container_t, container_init_t, container_kvm_t, container_engine_t.",
  mapping: { azurePolicy: ["e1e6c427-07d9-46ab-9689-bfa85431e636"] },
});

export const podSecurityProcMount = pssPolicy("procMount", {
  name: "kubernetes-pod-security-proc-mount",
  description: "Containers must keep the default /proc masks (any procMount is allowed in a user namespace, `hostUsers: false`).",
  severity: "medium",
  remediationSteps: "Remove `securityContext.procMount` or set it to `Default`.",
  mapping: { azurePolicy: ["f85eb0dd-92ee-40e9-8a76-db25a507d6d3"] },
});

export const podSecuritySeccompProfileBaseline = pssPolicy("seccompProfile_baseline", {
  name: "kubernetes-pod-security-seccomp-profile-baseline",
  description: "Pods and containers must not set the seccomp profile to Unconfined.",
  severity: "high",
  remediationSteps: "Set `seccompProfile.type` to `RuntimeDefault` or `Localhost`, or leave it unset.",
  mapping: { azurePolicy: ["975ce327-682c-4f2e-aa46-b9598289b86c"] },
});

export const podSecuritySysctls = pssPolicy("sysctls", {
  name: "kubernetes-pod-security-sysctls",
  description: "Pods must set only the safe, namespaced sysctls.",
  severity: "medium",
  remediationSteps: "Remove the unsafe sysctls from `securityContext.sysctls`.",
  mapping: { azurePolicy: ["56d0a13f-712f-466b-8416-56fb354fb823"] },
});

export const podSecurityWindowsHostProcess = pssPolicy("windowsHostProcess", {
  name: "kubernetes-pod-security-windows-host-process",
  description: "Windows pods and containers must not run as HostProcess containers.",
  severity: "critical",
  remediationSteps: "Remove `securityContext.windowsOptions.hostProcess: true` from the pod and its containers.",
  mapping: {},
});

export const podSecurityHostProbesAndHostLifecycle = pssPolicy("hostProbesAndHostLifecycle", {
  name: "kubernetes-pod-security-host-probes-and-lifecycle",
  description: "Probes and lifecycle hooks must not target another host (the kubelet would reach it for the pod).",
  severity: "medium",
  remediationSteps: "Remove `host` from the httpGet and tcpSocket of probes and lifecycle handlers.",
  mapping: {},
});

export const podSecurityRestrictedVolumes = pssPolicy("restrictedVolumes", {
  name: "kubernetes-pod-security-restricted-volumes",
  description: "Pods must use only the restricted volume types (configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected, secret).",
  severity: "high",
  remediationSteps: "Replace other volume types with a persistent volume claim or a CSI volume.",
  mapping: { checkov: ["CKV_K8S_27"], azurePolicy: ["16697877-1118-4fb1-9b65-9898ec2509ec", "098fc59e-46c7-4d99-9b16-64990e543d75"] },
});

export const podSecurityAllowPrivilegeEscalation = pssPolicy("allowPrivilegeEscalation", {
  name: "kubernetes-pod-security-allow-privilege-escalation",
  description: "Containers must set allowPrivilegeEscalation to false (Windows pods are exempt).",
  severity: "high",
  remediationSteps: "Set `securityContext.allowPrivilegeEscalation: false` on every container, init container and ephemeral container.",
  mapping: { checkov: ["CKV_K8S_20"], azurePolicy: ["1c6e92c9-99f0-4e55-9cf2-0c234dc48f99"] },
});

export const podSecurityRunAsNonRoot = pssPolicy("runAsNonRoot", {
  name: "kubernetes-pod-security-run-as-non-root",
  description: "Pods must run as non-root (runAsNonRoot true on the pod or every container; pods with `hostUsers: false` are exempt).",
  severity: "high",
  remediationSteps: "Set `securityContext.runAsNonRoot: true` on the pod and never false on a container.",
  mapping: { checkov: ["CKV_K8S_23"], azurePolicy: ["f06ddb64-5fa3-4b77-b166-acb36f7f6042"] },
});

export const podSecurityRunAsUser = pssPolicy("runAsUser", {
  name: "kubernetes-pod-security-run-as-user",
  description: "Pods and containers must not set runAsUser to 0 (pods with `hostUsers: false` are exempt).",
  severity: "high",
  remediationSteps: "Set `runAsUser` to a non-zero id or leave it unset.",
  mapping: { checkov: ["CKV_K8S_23"], azurePolicy: ["f06ddb64-5fa3-4b77-b166-acb36f7f6042"] },
});

export const podSecuritySeccompProfileRestricted = pssPolicy("seccompProfile_restricted", {
  name: "kubernetes-pod-security-seccomp-profile-restricted",
  description: "Pods must set a seccomp profile, RuntimeDefault or Localhost, on the pod or every container (Windows pods are exempt).",
  severity: "high",
  remediationSteps: 'Set `securityContext.seccompProfile: { type: "RuntimeDefault" }` on the pod.',
  mapping: { checkov: ["CKV_K8S_31"], azurePolicy: ["975ce327-682c-4f2e-aa46-b9598289b86c"] },
});

export const podSecurityCapabilitiesRestricted = pssPolicy("capabilities_restricted", {
  name: "kubernetes-pod-security-capabilities-restricted",
  description: "Containers must drop ALL capabilities and add back at most NET_BIND_SERVICE (Windows pods are exempt).",
  severity: "high",
  remediationSteps: 'Set `securityContext.capabilities: { drop: ["ALL"] }` on every container; add only `NET_BIND_SERVICE` if needed.',
  mapping: { checkov: ["CKV_K8S_28", "CKV_K8S_37"], azurePolicy: ["c26596ff-4d70-4e6a-9a30-c2506bd2f80c"] },
});

export const podSecurityProcMountRestricted = pssPolicy("procMount_restricted", {
  name: "kubernetes-pod-security-proc-mount-restricted",
  description: "Containers must keep the default /proc masks, even in a user namespace.",
  severity: "medium",
  remediationSteps: "Remove `securityContext.procMount` or set it to `Default`.",
  mapping: { azurePolicy: ["f85eb0dd-92ee-40e9-8a76-db25a507d6d3"] },
});

/** One policy per upstream check, baseline first. */
export const kubernetesPodSecurityPolicies = [
  podSecurityHostNamespaces,
  podSecurityPrivileged,
  podSecurityCapabilitiesBaseline,
  podSecurityHostPathVolumes,
  podSecurityHostPorts,
  podSecurityAppArmorProfile,
  podSecuritySeLinuxOptions,
  podSecurityProcMount,
  podSecuritySeccompProfileBaseline,
  podSecuritySysctls,
  podSecurityWindowsHostProcess,
  podSecurityHostProbesAndHostLifecycle,
  podSecurityRestrictedVolumes,
  podSecurityAllowPrivilegeEscalation,
  podSecurityRunAsNonRoot,
  podSecurityRunAsUser,
  podSecuritySeccompProfileRestricted,
  podSecurityCapabilitiesRestricted,
  podSecurityProcMountRestricted,
] as const;
