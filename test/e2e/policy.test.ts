// The acp-extend policy pack (dist/policy with its PulumiPolicy.yaml) applied
// by the real engine through the Automation API's `policyPacks`: the engine
// runs it through our language host's RunPlugin, and a mandatory violation
// stops the preview and the update, naming the rule.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { Namespace, Subscription } from "../../sdk/kube/resources";
import { engineSession, ensureEngine, PACKAGE_ROOT, programStack, type EngineSession } from "../../tools/engine";
import { useSandbox } from "../helpers/sandbox";

const POLICY_PACK = path.join(PACKAGE_ROOT, "dist", "policy");

describe("e2e: the policy pack through policyPacks", function () {
  this.timeout(5 * 60_000);
  // The catalog (PackageManifests) comes with the platform simulator: the install resource reads it at preview.
  const sb = useSandbox();
  const namespace = `e2e-policy-${process.pid}`;
  let session: EngineSession;

  before(async function () {
    this.timeout(40 * 60_000); // a cold engine build when setup has not run
    session = engineSession(await ensureEngine());
    await sb()
      .client("business")
      .create(Namespace, { metadata: { name: namespace } });
  });

  after(async function () {
    session?.dispose();
    await sb()
      .client("business")
      .delete(Namespace, namespace)
      .catch(() => undefined);
  });

  async function violating(): Promise<Stack> {
    return programStack(session, {
      project: { name: "policy-violation", main: path.join(__dirname, "fixtures", "policy-violation") },
      config: { kubeconfig: { value: sb().kubeconfig("business"), secret: true }, namespace: { value: namespace } },
    });
  }

  it("blocks a violating program in preview and in up, naming the rule, and creates nothing", async () => {
    const stack = await violating();
    let output = "";
    await assert.rejects(stack.preview({ policyPacks: [POLICY_PACK], onOutput: (s) => (output += s) }));
    assert.match(output, /alauda-operator-manual-approval/);
    assert.match(output, /mandatory/);
    await assert.rejects(stack.up({ policyPacks: [POLICY_PACK] }), /alauda-operator-manual-approval/);
    assert.deepEqual((await sb().client("business").list(Subscription, { namespace })).items, []);
  });

  it("blocks an Operator without sourceType asking Automatic for an Alauda package, naming the rule on its Subscription", async () => {
    const stack = await programStack(session, {
      project: { name: "operator-alauda-automatic", main: path.join(__dirname, "fixtures", "operator-alauda-automatic") },
      stack: "alauda-automatic",
      config: { kubeconfig: { value: sb().kubeconfig("business"), secret: true }, namespace: { value: namespace } },
    });
    const events: any[] = [];
    await assert.rejects(stack.preview({ policyPacks: [POLICY_PACK], onEvent: (e) => events.push(e) }));
    const violations = events.filter((e) => e.policyEvent).map((e) => e.policyEvent);
    assert.deepEqual(
      violations.map((v) => [v.policyName, v.enforcementLevel, v.resourceUrn.split("::").at(-1)]),
      [["alauda-operator-manual-approval", "mandatory", "harbor-subscription"]],
    );
    assert.match(violations[0].message, /the ACP documentation names harbor-ce-operator as provided by Alauda/);
    assert.deepEqual((await sb().client("business").list(Subscription, { namespace })).items, []);
  });

  it("lets a compliant example through", async () => {
    const stack = await programStack(session, {
      project: path.join(PACKAGE_ROOT, "examples", "operator-manual"),
      stack: "policy",
      config: { kubeconfig: { value: sb().kubeconfig("business"), secret: true } },
    });
    let output = "";
    const result = await stack.preview({ policyPacks: [POLICY_PACK], onOutput: (s) => (output += s) });
    assert.ok((result.changeSummary.create ?? 0) >= 4, JSON.stringify(result.changeSummary));
    assert.match(output, /acp-extend/, "the pack ran");
    assert.doesNotMatch(output, /mandatory/);
  });
});
