/**
 * Container image references as Kubernetes and the container runtimes read them
 * (distribution/reference grammar): `[registry[:port]/]path[:tag][@sha256:<64 hex>]`. Docker Hub
 * short names are normalised (`nginx` -> `docker.io/library/nginx`) so the registry allow-list
 * sees the registry the kubelet will actually pull from.
 */

export const MAX_REFERENCE_LENGTH = 4096;

/** A reference that names an exact manifest: the only kind the verifier judges or caches. */
export interface PinnedReference {
  /** `registry/repository@sha256:<hex>`: the cache key part and what verifiers receive. */
  readonly canonical: string;
  readonly registry: string;
  readonly repository: string;
  readonly digest: string;
  /** A tag written beside the digest (`repo:1.0@sha256:...`); the runtime ignores it, so do we. */
  readonly tag: string | undefined;
}

export type ReferenceProblem =
  | { readonly code: "REFERENCE_INVALID"; readonly message: string }
  | { readonly code: "REFERENCE_NOT_PINNED"; readonly message: string; readonly suggestion: string }
  | { readonly code: "DIGEST_UNSUPPORTED"; readonly message: string };

const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const PATH_RE = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const LABEL = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN_RE = new RegExp(`^(?:${LABEL}(?:\\.${LABEL})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]{1,5})?$`);
const SHA256_RE = /^sha256:[a-f0-9]{64}$/;
const DIGEST_RE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** Splits a reference into registry, repository, tag and digest; `undefined` when it is not a reference at all. */
function split(ref: string): { registry: string; repository: string; tag: string | undefined; digest: string | undefined } | undefined {
  if (ref.length === 0 || ref.length > MAX_REFERENCE_LENGTH) return undefined;
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST_RE.test(digest)) return undefined;
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag)) return undefined;
  }
  let registry = "docker.io";
  let repository = rest;
  const slash = rest.indexOf("/");
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    // the first component is a registry when it looks like a host (has a dot or port, or is localhost)
    if (first.includes(".") || first.includes(":") || first === "localhost" || first.startsWith("[")) {
      registry = first;
      repository = rest.slice(slash + 1);
      if (!DOMAIN_RE.test(registry)) return undefined;
    }
  }
  if (!PATH_RE.test(repository)) return undefined;
  if (registry === "docker.io" && !repository.includes("/")) repository = `library/${repository}`;
  if (registry === "index.docker.io" || registry === "registry-1.docker.io") registry = "docker.io";
  return { registry: registry.toLowerCase(), repository, tag, digest };
}

/**
 * Parses `ref` and insists on a sha256 digest. Returns the problem instead of throwing: a bad
 * reference is a verdict about the workload, not an error of the service.
 */
export function parsePinnedReference(ref: string): PinnedReference | ReferenceProblem {
  const parts = split(ref);
  if (!parts) return { code: "REFERENCE_INVALID", message: "is not a valid image reference" };
  const name = `${parts.registry}/${parts.repository}`;
  if (parts.digest === undefined) {
    const suggestion = `${name}@sha256:<digest>`;
    return {
      code: "REFERENCE_NOT_PINNED",
      message: `is not pinned by digest; pin it as ${suggestion} (the digest of the tag you tested: skopeo inspect --format '{{.Digest}}' docker://${name}:${parts.tag ?? "latest"})`,
      suggestion,
    };
  }
  if (!SHA256_RE.test(parts.digest)) return { code: "DIGEST_UNSUPPORTED", message: `uses digest algorithm ${parts.digest.split(":")[0]}; only sha256 digests (64 lowercase hex) are accepted` };
  return { canonical: `${name}@${parts.digest}`, registry: parts.registry, repository: parts.repository, digest: parts.digest, tag: parts.tag };
}

export function isPinned(r: PinnedReference | ReferenceProblem): r is PinnedReference {
  return "canonical" in r;
}

/**
 * True when `ref` comes from one of `allowed`: each entry is a registry host (`myacr.azurecr.io`,
 * `127.0.0.1:5000`) or a host with a repository prefix (`myacr.azurecr.io/ml`), matched at a
 * path-component boundary and case-insensitively on the host.
 */
export function registryAllowed(ref: PinnedReference, allowed: readonly string[]): boolean {
  for (const entry of allowed) {
    const slash = entry.indexOf("/");
    const host = (slash >= 0 ? entry.slice(0, slash) : entry).toLowerCase();
    if (host !== ref.registry) continue;
    if (slash < 0) return true;
    const prefix = entry.slice(slash + 1).replace(/\/+$/, "");
    if (prefix === "" || ref.repository === prefix || ref.repository.startsWith(`${prefix}/`)) return true;
  }
  return false;
}
