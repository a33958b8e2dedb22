import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { loadPublicKey } from "../../attestation/keys";
import { verifyDirectory } from "../../attestation/verify";
import { MT, MT_KEYS } from "./helpers";

describe("when a single-file signature is verified against its folder", () => {
  it("refuses it and says to verify the file instead", async () => {
    const key = await loadPublicKey(path.join(MT_KEYS, "signing-key-pub.pem"));
    const dir = path.join(MT, "v0.3.1-elliptic-key");
    const result = await verifyDirectory({ root: dir, trust: [{ method: "public-key", key }] });
    expect(result.verified).toBe(false);
    expect(result.failures.map((f) => [f.code, f.message])).toEqual([
      ["FILE_MISSING", `the signature covers a single file (resource "."), not the folder ${dir}: verify that file, giving this bundle with --bundle`],
    ]);
  });
});
