import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { commands, main } from "../../cli/main";
import type { Io } from "../../cli/command";

function capture(): { io: Io; out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return { io: { out: (t) => void (out += t), err: (t) => void (err += t), isTty: false }, out: () => out, err: () => err };
}

describe("the command table of cli/main.ts", () => {
  it("lists every command group once, and `--help` shows each with its summary without loading it", async () => {
    expect(commands.map((c) => c.name)).toEqual(["preview", "audit", "report", "attest", "verify", "verifier"]);
    const { io, out } = capture();
    expect(await main(["--help"], io)).toBe(0);
    for (const c of commands) expect(out()).toContain(`  ${c.name} `);
    expect(out()).toContain("sign a model or dataset (OMS model.sig)");
  });

  it("summarises each command as its module describes it", async () => {
    expect(commands.length).toBeGreaterThan(0);
    for (const entry of commands) {
      const program = new Command("secure-mlops");
      (await entry.load())(program, capture().io, () => undefined);
      const registered = program.commands.find((c) => c.name() === entry.name);
      expect(registered?.description(), entry.name).toBe(entry.summary);
    }
  });

  it("loads the named command for `help <command>` and still refuses an unknown one", async () => {
    const help = capture();
    expect(await main(["help", "attest"], help.io)).toBe(0);
    expect(help.out()).toContain("model [options] <dir>");
    const unknown = capture();
    expect(await main(["atest", "model"], unknown.io)).toBe(2);
    expect(unknown.err()).toBe("error: unknown command 'atest'\n(Did you mean attest?)\n");
  });
});
