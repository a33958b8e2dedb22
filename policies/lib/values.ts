/** ARM compares enum strings case-insensitively ("Enabled" and "enabled" are one value). */
export function sameEnum(value: unknown, expected: string): boolean {
  return typeof value === "string" && value.toLowerCase() === expected.toLowerCase();
}

/** True when an ARM status-like value is set and is not a "disabled"/"false" value. */
export function isEnabledStatus(value: unknown): boolean {
  return sameEnum(value, "enabled") || value === true || sameEnum(value, "true");
}
