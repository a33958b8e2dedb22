import { promises as fsp } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RegistryError } from "./errors";

/**
 * Registry credentials and the distribution token flow.
 *
 * - Credentials come from Docker's `config.json` (`$DOCKER_CONFIG/config.json`, else
 *   `~/.docker/config.json`): `auths.<host>.auth` (base64 `user:password`), `username`/`password`,
 *   or `identitytoken` (an OAuth2 refresh token, what `az acr login` and `docker login` to ACR
 *   store). Credential helpers (`credsStore`, `credHelpers`) are not run: a helper is a program
 *   the verifier would execute; give the credentials another way (see docs/registry.md).
 * - A 401 answer's `WWW-Authenticate` challenge says how to authenticate: `Basic` (send the
 *   credentials) or `Bearer realm=...,service=...,scope=...` (get a token from the realm: GET with
 *   Basic credentials or anonymously; with an identity token, the OAuth2 refresh-token exchange,
 *   a POST of `grant_type=refresh_token`, which is what ACR's `/oauth2/token` expects).
 */

export type Credentials = { readonly username: string; readonly password: string } | { readonly identityToken: string };

export interface Challenge {
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

/** Longest challenge header parsed. */
const MAX_CHALLENGE = 4096;

/**
 * Parses one `WWW-Authenticate` challenge (RFC 7235: scheme, then `name=value` or
 * `name="quoted"` pairs). Returns undefined when there is none that can be read.
 */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (typeof header !== "string" || header.length === 0 || header.length > MAX_CHALLENGE) return undefined;
  const m = /^\s*([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)(?:\s+(.*))?$/s.exec(header);
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase();
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  let rest = m[2] ?? "";
  const pair = /^\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))\s*(?:,|$)/s;
  while (rest.trim().length > 0) {
    const p = pair.exec(rest);
    if (!p) return { scheme, params };
    params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/gs, "$1") : p[3]!;
    rest = rest.slice(p[0].length);
  }
  return { scheme, params };
}

function configFile(): string {
  const dir = process.env["DOCKER_CONFIG"] || path.join(os.homedir(), ".docker");
  return path.join(dir, "config.json");
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The `auths` keys Docker uses for a registry, most specific first. */
function keysFor(registry: string): string[] {
  if (registry === "docker.io") return ["https://index.docker.io/v1/", "index.docker.io", "docker.io", "registry-1.docker.io"];
  return [registry, `https://${registry}`, `http://${registry}`, `https://${registry}/v1/`, `https://${registry}/v2/`];
}

/**
 * Reads the credentials for `registry` from a Docker config file (default: Docker's). An absent
 * file or entry means anonymous; an unreadable or malformed file is an error, not anonymous.
 */
export async function loadDockerCredentials(registry: string, file: string = configFile()): Promise<Credentials | undefined> {
  let text: string;
  try {
    text = await fsp.readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new RegistryError("REGISTRY_CREDENTIALS_INVALID", registry, `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
  return credentialsFromConfig(text, registry, file);
}

/** The credentials a Docker config.json text holds for `registry`. */
export function credentialsFromConfig(text: string, registry: string, file = "config.json"): Credentials | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new RegistryError("REGISTRY_CREDENTIALS_INVALID", registry, `${file} is not JSON`, { cause: err });
  }
  if (!isRecord(json)) throw new RegistryError("REGISTRY_CREDENTIALS_INVALID", registry, `${file} is not a JSON object`);
  const auths = json["auths"];
  if (auths === undefined) return undefined;
  if (!isRecord(auths)) throw new RegistryError("REGISTRY_CREDENTIALS_INVALID", registry, `${file}: "auths" is not an object`);
  for (const key of keysFor(registry)) {
    const entry = auths[key];
    if (!isRecord(entry)) continue;
    if (typeof entry["identitytoken"] === "string" && entry["identitytoken"].length > 0) return { identityToken: entry["identitytoken"] };
    if (typeof entry["auth"] === "string" && entry["auth"].length > 0) {
      const decoded = Buffer.from(entry["auth"], "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon <= 0) throw new RegistryError("REGISTRY_CREDENTIALS_INVALID", registry, `${file}: auths["${key}"].auth is not base64 of user:password`);
      return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
    if (typeof entry["username"] === "string" && typeof entry["password"] === "string") return { username: entry["username"], password: entry["password"] };
  }
  return undefined;
}

export function basicHeader(c: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`, "utf8").toString("base64")}`;
}

/** The token an answer from a token endpoint carries (`token` or `access_token`). */
export function tokenFromResponse(body: Buffer, registry: string): string {
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch (err) {
    throw new RegistryError("REGISTRY_UNAUTHORIZED", registry, "token endpoint answered something that is not JSON", { cause: err });
  }
  const token = isRecord(json) ? (json["token"] ?? json["access_token"]) : undefined;
  if (typeof token !== "string" || token.length === 0) throw new RegistryError("REGISTRY_UNAUTHORIZED", registry, "token endpoint answered no token");
  return token;
}
