// An Operator whose kubeconfig reaches the global cluster (a context mixed up,
// or meant): `pulumi preview` shows one warning on the Operator naming the ACP
// page, and refuses nothing. The same program on the business cluster shows none.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import type { ClusterName } from "../../sandbox";
import { engineSession, ensureEngine, programStack, type EngineSession } from "../../tools/engine";
import { useSandbox } from "../helpers/sandbox";

const WARNING = /harbor-ce-operator is being installed in the global cluster: .*ACP documentation: Operator › Installing via YAML/g;

describe("e2e: an Operator pointed at the global cluster", function () {
  this.timeout(10 * 60_000);
  const sb = useSandbox();
  let session: EngineSession;

  before(async function () {
    this.timeout(40 * 60_000);
    session = engineSession(await ensureEngine());
  });
  after(() => session?.dispose());

  for (const [cluster, warnings] of [
    ["global", 1],
    ["business", 0],
  ] as Array<[ClusterName, number]>) {
    it(`preview on ${cluster}: ${warnings ? "one warning naming the ACP page, and no error" : "no such warning"}`, async () => {
      const stack = await programStack(session, {
        project: { name: "operator-on-global", main: path.join(__dirname, "fixtures", "operator") },
        stack: cluster,
        config: {
          packageName: { value: "harbor-ce-operator" },
          version: { value: "2.12.11" },
          source: { value: "platform" },
          namespace: { value: "harbor-on-global" },
          kubeconfig: { value: sb().kubeconfig(cluster), secret: true },
        },
      });
      let output = "";
      const r = await stack.preview({ onOutput: (s) => (output += s) });
      assert.equal(r.changeSummary.create, 6, output); // stack, component, provider, Namespace, Subscription, install
      // The engine shows a warning as the step runs and again under "Diagnostics:", once per diagnostic.
      const at = output.indexOf("Diagnostics:");
      const diagnostics = at < 0 ? "" : output.slice(at);
      assert.equal(diagnostics.match(WARNING)?.length ?? 0, warnings, output);
    });
  }
});
