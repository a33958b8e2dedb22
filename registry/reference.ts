import { RegistryError } from "./errors";

/**
 * Image references in the docker reference grammar (distribution/reference `regexp.go` and
 * `normalize.go`): `[domain[:port]/]path[:tag][@digest]`. A first component is a registry only
 * when it holds a `.` or `:`, is `localhost`, or has an upper-case letter; otherwise the image
 * is on Docker Hub (`docker.io`, one-component names under `library/`), as Docker reads it.
 */

export interface ImageReference {
  /** Registry as written (host[:port]); Docker Hub is `docker.io`. */
  readonly registry: string;
  /** Repository path inside the registry. */
  readonly repository: string;
  readonly tag?: string;
  /** `sha256:<64 hex>` or `sha512:<128 hex>`. */
  readonly digest?: string;
}

/** Longest repository name (domain and path) the grammar allows. */
export const NAME_TOTAL_LENGTH_MAX = 255;

const ALNUM = "[a-z0-9]+";
const SEPARATOR = "(?:[._]|__|[-]+)";
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const IPV6 = "\\[(?:[a-fA-F0-9:]+)\\]";
const HOST = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|${IPV6})`;
const DOMAIN_AND_PORT = `${HOST}(?::[0-9]+)?`;
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
const REFERENCE = new RegExp(`^((?:${DOMAIN_AND_PORT}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const DOMAIN_ONLY = new RegExp(`^${DOMAIN_AND_PORT}$`);
const PATH_ONLY = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);

/** The digests this client can check: SHA-256 and SHA-512, lower-case hex of the right length. */
export const DIGEST_PATTERN = /^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/;

function invalid(text: string, why: string): never {
  throw new RegistryError("REGISTRY_REFERENCE_INVALID", "", `${JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}...` : text)} is not an image reference: ${why}`);
}

/** Parses an image reference; throws `RegistryError` REGISTRY_REFERENCE_INVALID saying why. */
export function parseReference(text: string): ImageReference {
  if (typeof text !== "string" || text.length === 0) invalid(String(text), "it is empty");
  // a bound before the regular expression, so no input makes it slow
  if (text.length > NAME_TOTAL_LENGTH_MAX + 1 + 128 + 1 + 7 + 128) invalid(text, "it is too long");
  const m = REFERENCE.exec(text);
  if (!m) {
    if (text !== text.trim()) invalid(text, "it has leading or trailing spaces");
    if (/[A-Z]/.test(text.split("/").slice(1).join("/").split(/[:@]/)[0] ?? "")) invalid(text, "repository names must be lower case");
    invalid(text, "expected [registry[:port]/]repository[:tag][@sha256:digest]");
  }
  const name = m[1]!;
  const tag = m[2];
  const digest = m[3];
  if (name.length > NAME_TOTAL_LENGTH_MAX) invalid(text, `the name is longer than ${NAME_TOTAL_LENGTH_MAX} characters`);
  if (digest !== undefined && !DIGEST_PATTERN.test(digest)) invalid(text, "the digest must be sha256:<64 lower-case hex> or sha512:<128 lower-case hex>");
  const slash = name.indexOf("/");
  const first = slash === -1 ? "" : name.slice(0, slash);
  const isDomain = slash !== -1 && (first.includes(".") || first.includes(":") || first === "localhost" || first !== first.toLowerCase());
  let registry: string;
  let repository: string;
  if (isDomain) {
    registry = first;
    repository = name.slice(slash + 1);
    if (!DOMAIN_ONLY.test(registry)) invalid(text, `${registry} is not a registry host[:port]`);
    const port = /:([0-9]+)$/.exec(registry)?.[1];
    if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) invalid(text, `port ${port} is out of range`);
  } else {
    registry = "docker.io";
    repository = name;
  }
  if (!PATH_ONLY.test(repository)) invalid(text, "the repository path has upper-case letters or misplaced separators");
  if (registry === "index.docker.io") registry = "docker.io";
  if (registry === "docker.io" && !repository.includes("/")) repository = `library/${repository}`;
  return { registry, repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** The reference written back: `registry/repository[:tag][@digest]`. */
export function formatReference(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ""}${ref.digest !== undefined ? `@${ref.digest}` : ""}`;
}

/** The same image by digest: `registry/repository@digest`. */
export function withDigest(ref: ImageReference, digest: string): ImageReference {
  return { registry: ref.registry, repository: ref.repository, digest };
}

/** Host[:port] to connect to: Docker Hub's API lives on registry-1.docker.io. */
export function registryEndpoint(registry: string): string {
  return registry === "docker.io" ? "registry-1.docker.io" : registry;
}

/** True for localhost, 127.0.0.0/8 and ::1: registries Docker lets speak plain HTTP. */
export function isLoopback(registry: string): boolean {
  const host = registry.startsWith("[") ? registry.slice(1, registry.indexOf("]")) : registry.replace(/:[0-9]+$/, "");
  return host === "localhost" || host === "::1" || /^127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$/.test(host);
}

/**
 * The referrers tag schema (distribution-spec): `<alg>-<hex>` with the algorithm truncated to 32
 * characters and the encoded part to 64.
 */
export function referrersTag(digest: string): string {
  const [alg, hex] = digest.split(":") as [string, string];
  return `${alg.slice(0, 32)}-${hex.slice(0, 64)}`;
}
