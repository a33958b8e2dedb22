/**
 * The frame of the Pod Security Standards as kubernetes/pod-security-admission evaluates them
 * (`policy/registry.go`, `api/helpers.go`): levels, policy versions, checks with versioned
 * implementations and the restricted checks that override baseline ones. The checks themselves
 * are the pack's policies (policies/kubernetes-pod-security.ts).
 */

import type { KObject } from "./kubernetes";

export type PssLevel = "baseline" | "restricted";

export const pssLevels: readonly PssLevel[] = ["baseline", "restricted"];

/** Why a check forbids a pod: upstream's `ForbiddenReason` and `ForbiddenDetail`. */
export interface Forbidden {
  readonly reason: string;
  readonly detail: string;
}

/** One check implementation: undefined allows the pod. */
export type CheckPod = (metadata: KObject, spec: KObject) => Forbidden | undefined;

export interface VersionedCheck {
  /** The first policy version (1.<minor>) this implementation applies to. */
  readonly minimumMinor: number;
  readonly checkPod: CheckPod;
  /** Baseline checks this (restricted) implementation replaces while it applies. */
  readonly overrides?: readonly string[];
}

export interface PssCheck {
  /** Upstream's check id (`hostNamespaces`, `capabilities_restricted`, ...). */
  readonly id: string;
  readonly level: PssLevel;
  /** Strictly increasing `minimumMinor`. */
  readonly versions: readonly VersionedCheck[];
}

/** A policy version: a minor of 1.x, or "latest" (always the newest the checks know). */
export type PssVersion = number | "latest";

const versionPattern = /^v1\.(0|[1-9][0-9]*)$/;

/** The JSON-schema pattern of a version setting ("latest" or "v1.<minor>"). */
export const pssVersionPattern = "^(latest|v1\\.(0|[1-9][0-9]*))$";

/**
 * Parses a version setting as upstream's `ParseVersion` does: "latest" or "v1.<minor>"; anything
 * else is "latest" (upstream answers latest with an error; the pack's config schema refuses
 * such a value before it gets here).
 */
export function parsePssVersion(text: unknown): PssVersion {
  if (typeof text !== "string") return "latest";
  const m = versionPattern.exec(text);
  return m === null ? "latest" : Number(m[1]);
}

/** The newest version any check implementation starts at: "latest" evaluates as this one. */
export function maxMinor(checks: readonly PssCheck[]): number {
  return Math.max(...checks.flatMap((c) => c.versions.map((v) => v.minimumMinor)));
}

function activeVersion(check: PssCheck, minor: number): VersionedCheck | undefined {
  let found: VersionedCheck | undefined;
  for (const v of check.versions) if (v.minimumMinor <= minor) found = v;
  return found;
}

/**
 * The implementation of `check` that a namespace at `level` and `version` runs, or undefined when
 * it runs none: a restricted check at baseline, a check newer than the version, or a baseline
 * check that a restricted check overrides at that version (then the restricted one reports).
 * A version newer than every check is evaluated as the newest, as upstream clamps it.
 */
export function implementationFor(
  checks: readonly PssCheck[],
  check: PssCheck,
  level: PssLevel,
  version: PssVersion,
): VersionedCheck | undefined {
  if (check.level === "restricted" && level === "baseline") return undefined;
  const newest = maxMinor(checks);
  const minor = version === "latest" ? newest : Math.min(version, newest);
  const impl = activeVersion(check, minor);
  if (impl === undefined) return undefined;
  if (check.level === "baseline" && level === "restricted") {
    const overridden = checks.some(
      (c) => c.level === "restricted" && (activeVersion(c, minor)?.overrides ?? []).includes(check.id),
    );
    if (overridden) return undefined;
  }
  return impl;
}

/** `"a", "b"` as upstream's `joinQuote`. */
export function joinQuote(items: readonly string[]): string {
  return items.length === 0 ? "" : `"${items.join('", "')}"`;
}

export function pluralize(singular: string, plural: string, count: number): string {
  return count === 1 ? singular : plural;
}

/** Sorted distinct strings, as `sets.String.List()` (byte order for ASCII). */
export function sortedSet(items: Iterable<string>): string[] {
  return [...new Set(items)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Go's `%q` for the strings that reach messages (JSON quoting agrees with it for printable ASCII). */
export function goQuote(text: string): string {
  return JSON.stringify(text);
}
