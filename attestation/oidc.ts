import { SigningError } from "./errors";

/**
 * OIDC identity tokens as keyless signing receives them (GitHub Actions' `id-token`, or a token
 * given through `--identity-token-env`). The token's signature is Fulcio's to check; we only read
 * its claims, so that a malformed or expired token is refused before anything is sent, and so
 * that the signer can be told which identity the certificate will carry.
 */

/** The OIDC issuer of GitHub Actions' workflow tokens. */
export const GITHUB_ACTIONS_ISSUER = "https://token.actions.githubusercontent.com";

/** Largest token read; GitHub's are about 1.5 KiB, and a token travels in an HTTP header elsewhere. */
export const MAX_IDENTITY_TOKEN_BYTES = 64 * 1024;

export interface IdentityTokenClaims {
  readonly issuer: string;
  readonly subject: string;
  readonly audience: readonly string[];
  /** `exp`, when the token has one. */
  readonly expiresAt?: Date;
  /** Every claim of the payload, as sent. */
  readonly claims: Readonly<Record<string, unknown>>;
}

const SEGMENT = /^[A-Za-z0-9_-]*$/;

function invalid(message: string): never {
  throw new SigningError("SIGNING_IDENTITY_TOKEN_INVALID", `identity token: ${message}`);
}

function decodeSegment(segment: string, name: string): Record<string, unknown> {
  if (segment.length === 0 || !SEGMENT.test(segment)) invalid(`the ${name} is not base64url`);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
  } catch {
    invalid(`the ${name} is not JSON`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) invalid(`the ${name} is not a JSON object`);
  return value as Record<string, unknown>;
}

function numericDate(claims: Record<string, unknown>, name: string): Date | undefined {
  const v = claims[name];
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) invalid(`claim ${name} is not a number of seconds`);
  return new Date(v * 1000);
}

/**
 * Reads the claims of a compact JWS (header.payload.signature) without checking its signature.
 * Throws `SigningError` `SIGNING_IDENTITY_TOKEN_INVALID` naming what is wrong.
 */
export function parseIdentityToken(token: string): IdentityTokenClaims {
  const text = token.trim();
  if (text.length === 0) invalid("empty");
  if (text.length > MAX_IDENTITY_TOKEN_BYTES) invalid(`longer than ${MAX_IDENTITY_TOKEN_BYTES} bytes`);
  const parts = text.split(".");
  if (parts.length !== 3) invalid(`a JWT has 3 dot-separated parts, this has ${parts.length}`);
  const header = decodeSegment(parts[0]!, "header");
  if (typeof header["alg"] !== "string" || header["alg"] === "none") invalid("the header names no signature algorithm");
  const claims = decodeSegment(parts[1]!, "payload");
  if (parts[2]!.length === 0 || !SEGMENT.test(parts[2]!)) invalid("the signature is missing or not base64url");
  const iss = claims["iss"];
  if (typeof iss !== "string" || !/^https:\/\/[^\s/]+/.test(iss)) invalid("claim iss is not an https URL");
  const sub = claims["sub"];
  if (typeof sub !== "string" || sub.length === 0) invalid("claim sub is missing");
  const aud = claims["aud"];
  let audience: string[];
  if (aud === undefined) audience = [];
  else if (typeof aud === "string") audience = [aud];
  else if (Array.isArray(aud) && aud.every((a): a is string => typeof a === "string")) audience = aud;
  else invalid("claim aud is neither a string nor a list of strings");
  const expiresAt = numericDate(claims, "exp");
  numericDate(claims, "iat");
  numericDate(claims, "nbf");
  return { issuer: iss, subject: sub, audience, ...(expiresAt ? { expiresAt } : {}), claims: Object.freeze({ ...claims }) };
}

/** Refuses a token whose `exp` has passed at `now`: Fulcio would refuse it with a less clear reason. */
export function assertTokenUsable(token: IdentityTokenClaims, now: Date): void {
  if (token.expiresAt && token.expiresAt.getTime() <= now.getTime()) {
    invalid(`expired at ${token.expiresAt.toISOString()}`);
  }
}
