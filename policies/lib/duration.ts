/**
 * ISO 8601 durations as Azure uses them (`PT15M`, `P1Y`, `P30D`, `P1DT12H`) and the storage SAS
 * period format (`D.HH:MM:SS`). Parsers return undefined for anything malformed, never throw.
 * Years count 365 days and months 30, as Azure Policy's "days" parameters assume.
 */

const iso = /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Seconds in an ISO 8601 duration, or undefined when `value` is not one. */
export function isoDurationSeconds(value: string): number | undefined {
  const m = iso.exec(value);
  if (m === null) return undefined;
  const [, y, mo, w, d, h, mi, s] = m.map((part) => (part === undefined ? 0 : Number(part)));
  return ((((y ?? 0) * 365 + (mo ?? 0) * 30 + (w ?? 0) * 7 + (d ?? 0)) * 24 + (h ?? 0)) * 60 + (mi ?? 0)) * 60 + (s ?? 0);
}

const sas = /^(\d+)\.([01]\d|2[0-3]):([0-5]\d):([0-5]\d)$/;

/** Seconds in a storage `sasExpirationPeriod` (`D.HH:MM:SS`), or undefined when malformed. */
export function sasPeriodSeconds(value: string): number | undefined {
  const m = sas.exec(value);
  if (m === null) return undefined;
  const [, d = "0", h = "0", mi = "0", s = "0"] = m;
  return ((Number(d) * 24 + Number(h)) * 60 + Number(mi)) * 60 + Number(s);
}
