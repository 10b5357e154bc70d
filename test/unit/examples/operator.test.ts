import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { promiseOf, recordResources, type Registered } from "../../helpers/mocks";

/** Runs examples/<name> under mocks, with `config` set, and returns its exports and what it registered. */
async function run(name: string, config: Record<string, string>): Promise<{ program: any; registered: Registered[] }> {
  const registered: Registered[] = [];
  recordResources(
    () => registered,
    (args) => {
      if (args.type !== "pulumi-nodejs:dynamic/acp-extend:OperatorInstall")
        return { id: args.custom ? `${args.name}-id` : undefined, state: args.inputs };
      const csv = `${args.inputs.packageName}.v${args.inputs.version}`;
      return {
        id: "id",
        state: { ...args.inputs, installedCSV: csv, installedVersion: args.inputs.version, phase: "Succeeded", installPlans: [] },
      };
    },
    name,
  );
  for (const [k, v] of Object.entries(config)) pulumi.runtime.setConfig(`${name}:${k}`, v);
  const file = path.resolve(__dirname, `../../../examples/${name}/index.js`);
  delete require.cache[require.resolve(file)];
  try {
    return { program: require(file), registered };
  } finally {
    delete require.cache[require.resolve(file)];
  }
}

describe("examples/operator-* (Pulumi mocks)", () => {
  it("operator-manual: harbor-ce-operator 2.12.10, Manual, in its own namespace; the version comes from config", async () => {
    const { program, registered } = await run("operator-manual", {});
    assert.equal(await promiseOf(program.installedCSV), "harbor-ce-operator.v2.12.10");
    assert.deepEqual(
      registered.map((r) => r.name),
      ["harbor", "harbor-namespace", "harbor-subscription", "harbor-install"],
    );
    const sub = registered.find((r) => r.name === "harbor-subscription")!;
    assert.equal(sub.inputs.spec.startingCSV, "harbor-ce-operator.v2.12.10");
    assert.equal(sub.inputs.spec.installPlanApproval, "Manual");

    const bumped = await run("operator-manual", { version: "2.12.11" });
    assert.equal(await promiseOf(bumped.program.installedVersion), "2.12.11");
    assert.equal(bumped.registered.find((r) => r.name === "harbor-install")!.inputs.version, "2.12.11");
  });

  it("operator-automatic: clickhouse-operator, Automatic, no startingCSV", async () => {
    const { program, registered } = await run("operator-automatic", {});
    assert.equal(await promiseOf(program.phase), "Succeeded");
    assert.equal(await promiseOf(program.namespace), "clickhouse-operator");
    const sub = registered.find((r) => r.name === "clickhouse-subscription")!;
    assert.equal(sub.inputs.spec.installPlanApproval, "Automatic");
    assert.equal(sub.inputs.spec.startingCSV, undefined);
    assert.equal(sub.inputs.metadata.annotations["acp-extend.io/source-type"], "Community");
  });
});
