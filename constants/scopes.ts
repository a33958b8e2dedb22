/** How wide an Azure RBAC scope is, from its ARM id. Pure; shared by components and policies. */
export type ScopeLevel = "root" | "managementGroup" | "subscription" | "resourceGroup" | "resource" | "unknown";

/** Scope levels at which privileged roles are refused: everything above a resource group. */
export const broadScopeLevels: readonly ScopeLevel[] = ["root", "managementGroup", "subscription"];

/**
 * The level of an ARM scope id, case-insensitively (ARM ids are): `/`, a management group,
 * a subscription, a resource group, or a resource (including extension resources under any of
 * those). Anything else is `unknown`.
 */
export function scopeLevel(scope: string): ScopeLevel {
  const trimmed = scope.trim();
  if (trimmed === "/") return "root";
  if (!trimmed.startsWith("/")) return "unknown";
  const segments = trimmed.replace(/\/+$/, "").split("/").slice(1);
  if (segments.some((s) => s.length === 0)) return "unknown";
  const lower = segments.map((s) => s.toLowerCase());
  if (lower[0] === "providers" && lower[1] === "microsoft.management" && lower[2] === "managementgroups" && segments.length >= 4) {
    return segments.length === 4 ? "managementGroup" : "resource";
  }
  if (lower[0] !== "subscriptions" || segments.length < 2) return "unknown";
  if (segments.length === 2) return "subscription";
  if (lower[2] === "resourcegroups") {
    if (segments.length === 3) return "unknown";
    return segments.length === 4 ? "resourceGroup" : "resource";
  }
  return lower[2] === "providers" && segments.length >= 5 ? "resource" : "unknown";
}

/** True when `scope` is above a resource group (tenant root, management group or subscription). */
export function isBroadScope(scope: string): boolean {
  return broadScopeLevels.includes(scopeLevel(scope));
}
