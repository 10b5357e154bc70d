import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { checkUpload } from "../../../../sdk/packages/reconcile";
import type { PackageUploadArgs } from "../../../../sdk/upload";
import { validatePackageUploadArgs } from "../../../../sdk/upload/args";
import { uploadArgIssues } from "../../../../sdk/upload/schema";

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

/** The property paths the component refuses at construction. */
function componentPaths(args: unknown): string[] {
  try {
    validatePackageUploadArgs("t", args as PackageUploadArgs);
    return [];
  } catch (err) {
    assert.ok(pulumi.InputPropertiesError.isInstance(err), String(err));
    return (err as pulumi.InputPropertiesError).errors.map((e) => e.propertyPath).sort();
  }
}

/** The property paths the provider's check refuses (the same values, resolved). */
async function checkPaths(args: unknown): Promise<string[]> {
  const r = await checkUpload(args as never);
  return r.failures
    .filter((f) => f.property !== "path" || !/no such file/.test(f.reason))
    .map((f) => f.property)
    .sort();
}

describe("PackageUpload: one argument schema for the component and the provider's check", () => {
  const cases: Array<[string, unknown, string[]]> = [
    ["username and password", { path: "/nope.tgz", registry: { address: "r.example.com:11443", username: "u", password: "p" } }, []],
    ["noAuth", { path: "/nope.tgz", registry: { address: "r.example.com:11443", noAuth: true } }, []],
    [
      "neither credentials nor noAuth",
      { path: "/nope.tgz", registry: { address: "r.example.com:11443" } },
      ["registry.password", "registry.username"],
    ],
    ["a username without password", { path: "/nope.tgz", registry: { address: "r:1", username: "u" } }, ["registry.password"]],
    [
      "a registry CA that is not PEM",
      { path: "/nope.tgz", registry: { address: "r:1", noAuth: true, ca: "/etc/ssl/ca.pem" } },
      ["registry.ca"],
    ],
    [
      "a platform CA that is not PEM",
      {
        path: "/nope.tgz",
        registry: { address: "r:1", noAuth: true },
        platform: { address: "https://acp.example.com", token: "t", ca: "ca.pem" },
      },
      ["platform.ca"],
    ],
    [
      "a PEM CA",
      {
        path: "/nope.tgz",
        registry: { address: "r:1", noAuth: true, ca: PEM },
        platform: { address: "https://acp.example.com", token: "t", ca: PEM },
      },
      [],
    ],
    ["durations of the one grammar", { path: "/nope.tgz", registry: { address: "r:1", noAuth: true }, timeout: "1h30m" }, []],
    ["a bare number (no unit)", { path: "/nope.tgz", registry: { address: "r:1", noAuth: true }, timeout: "900" }, ["timeout"]],
    ["a bad duration", { path: "/nope.tgz", registry: { address: "r:1", noAuth: true }, timeout: "15 minutes" }, ["timeout"]],
    ["an unknown argument", { path: "/nope.tgz", registry: { address: "r:1", noAuth: true }, timeoutMs: 5 }, ["timeoutMs"]],
    ["no registry", { path: "/nope.tgz" }, ["registry"]],
  ];
  for (const [what, args, paths] of cases) {
    it(`${what}: both say ${paths.length ? paths.join(", ") : "valid"}`, async () => {
      assert.deepEqual(componentPaths(args), paths, "component");
      assert.deepEqual(await checkPaths(args), paths, "check");
    });
  }

  it("leaves values not known yet for later: Outputs at construction, the engine's unknowns at preview", async () => {
    const later = pulumi.output("x");
    assert.deepEqual(componentPaths({ path: later, registry: { address: "r:1", username: "u", password: later } }), []);
    assert.deepEqual(
      uploadArgIssues({ path: UNKNOWN, registry: { address: UNKNOWN, username: "u", password: UNKNOWN } }, (v) => v === UNKNOWN),
      [],
    );
    assert.deepEqual(
      uploadArgIssues({ path: "p", registry: UNKNOWN }, (v) => v === UNKNOWN),
      [],
    );
    assert.deepEqual(await checkPaths({ path: UNKNOWN, registry: { address: "r:1", noAuth: true } }), []);
    // What is known is still checked.
    assert.deepEqual(componentPaths({ path: later, registry: { address: "https://r/v2", noAuth: true } }), ["registry.address"]);
  });
});
