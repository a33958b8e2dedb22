import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isoDurationSeconds, sasPeriodSeconds } from "../../policies/lib/duration";

describe("ISO 8601 durations", () => {
  it("adds up the parts Azure writes (years 365 days, months 30)", () => {
    expect(isoDurationSeconds("PT15M")).toBe(900);
    expect(isoDurationSeconds("PT2H")).toBe(7200);
    expect(isoDurationSeconds("P30D")).toBe(30 * 86400);
    expect(isoDurationSeconds("P1Y")).toBe(365 * 86400);
    expect(isoDurationSeconds("P18M")).toBe(540 * 86400);
    expect(isoDurationSeconds("P1DT12H")).toBe(129600);
    expect(isoDurationSeconds("PT0.5S")).toBe(0.5);
  });
  it("round-trips any combination of parts", () => {
    const n = fc.integer({ min: 0, max: 500 });
    fc.assert(
      fc.property(n, n, n, n, n, n, (y, mo, d, h, mi, s) => {
        const date = `${y ? `${y}Y` : ""}${mo ? `${mo}M` : ""}${d ? `${d}D` : ""}`;
        const time = `${h ? `${h}H` : ""}${mi ? `${mi}M` : ""}${s ? `${s}S` : ""}`;
        fc.pre(date !== "" || time !== "");
        const text = `P${date}${time ? `T${time}` : ""}`;
        expect(isoDurationSeconds(text)).toBe((((y * 365 + mo * 30 + d) * 24 + h) * 60 + mi) * 60 + s);
      }),
    );
  });
  it("refuses what is not a duration, and never throws", () => {
    for (const bad of ["", "P", "PT", "15M", "PT15", "P1H", "PT-5M", "P1.5D", "pt15m", "P1DT"]) expect(isoDurationSeconds(bad), bad).toBeUndefined();
    fc.assert(fc.property(fc.string(), (s) => void isoDurationSeconds(s)));
  });
});

describe("storage SAS expiration periods", () => {
  it("reads D.HH:MM:SS", () => {
    expect(sasPeriodSeconds("1.00:00:00")).toBe(86400);
    expect(sasPeriodSeconds("0.08:30:15")).toBe(8 * 3600 + 30 * 60 + 15);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 365 }), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), (d, h, m) => {
        const text = `${d}.${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}:00`;
        expect(sasPeriodSeconds(text)).toBe(((d * 24 + h) * 60 + m) * 60);
      }),
    );
  });
  it("refuses other shapes, and never throws", () => {
    for (const bad of ["", "24h", "1.24:00:00", "1.00:60:00", "1:00:00", "P1D"]) expect(sasPeriodSeconds(bad), bad).toBeUndefined();
    fc.assert(fc.property(fc.string(), (s) => void sasPeriodSeconds(s)));
  });
});
