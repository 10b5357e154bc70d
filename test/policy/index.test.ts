/**
 * The compiled pack folder (dist/policy) started as the Pulumi engine starts it: `node` on
 * the entry point with the pack folder as working directory. The test then speaks the
 * engine's Analyzer gRPC protocol to it, as `pulumi preview --policy-pack` does.
 */
import * as assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import * as analyzerGrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import { parse as parseYaml } from "yaml";
import { moduleInfo, subscription } from "./objects";

const root = path.resolve(__dirname, "../../..");
const packDir = path.join(root, "dist/policy");
// The same grpc-js and protobuf runtime the proto stubs of @pulumi/pulumi were built against.
const fromPulumi = (id: string) =>
  require(require.resolve(id, { paths: [path.dirname(require.resolve("@pulumi/pulumi/proto/analyzer_pb"))] }));
const grpc = fromPulumi("@grpc/grpc-js");
const { Struct } = fromPulumi("google-protobuf/google/protobuf/struct_pb");
const { Empty } = fromPulumi("google-protobuf/google/protobuf/empty_pb");

function call<Req, Res>(fn: (req: Req, cb: (err: Error | null, res: Res) => void) => unknown, req: Req): Promise<Res> {
  return new Promise((resolve, reject) => fn(req, (err, res) => (err ? reject(err) : resolve(res))));
}

function options(): analyzer.AnalyzerResourceOptions {
  return new analyzer.AnalyzerResourceOptions();
}

describe("policy/index: the acp-extend pack served to the engine", function () {
  let child: ChildProcess;
  let client: analyzerGrpc.AnalyzerClient;
  let stderr = "";

  before(async () => {
    assert.ok(existsSync(path.join(packDir, "PulumiPolicy.yaml")), "npm run build puts PulumiPolicy.yaml beside the compiled pack");
    assert.equal(parseYaml(readFileSync(path.join(packDir, "PulumiPolicy.yaml"), "utf8")).runtime, "nodejs");
    child = spawn(path.join(root, "node_modules/.bin/node"), ["index.js"], { cwd: packDir, stdio: ["ignore", "pipe", "pipe"] });
    child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    const port = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (c: Buffer) => {
        out += c.toString();
        if (out.includes("\n")) resolve(out.trim());
      });
      child.on("exit", (code) => reject(new Error(`the pack exited with ${code} before serving: ${stderr}`)));
    });
    assert.match(port, /^\d+$/, "the pack prints its gRPC port, as the engine expects");
    client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });

  after(() => {
    client?.close();
    child?.kill();
  });

  it("describes itself: name, version from package.json, every policy with its level", async () => {
    const info = await call<any, analyzer.AnalyzerInfo>(client.getAnalyzerInfo.bind(client), new Empty());
    assert.equal(info.getName(), "acp-extend");
    assert.equal(info.getVersion(), JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")).version);
    const levels = Object.fromEntries(info.getPoliciesList().map((p) => [p.getName(), p.getEnforcementlevel()]));
    assert.equal(levels["operator-all-namespaces"], analyzer.EnforcementLevel.MANDATORY);
    assert.equal(levels["manual-approval-pins-version"], analyzer.EnforcementLevel.ADVISORY);
    assert.equal(levels["one-operator-per-namespace-manual"], analyzer.EnforcementLevel.MANDATORY);
    assert.equal(Object.keys(levels).length, 9);
  });

  it("analyzes a resource: a bad Subscription gets diagnostics naming each policy", async () => {
    const req = new analyzer.AnalyzeRequest();
    req.setType("kubernetes:operators.coreos.com/v1alpha1:Subscription");
    req.setName("harbor");
    req.setUrn("urn:pulumi:dev::p::kubernetes:operators.coreos.com/v1alpha1:Subscription::harbor");
    req.setOptions(options());
    const bad = subscription({
      annotations: { "acp-extend.io/source-type": "Alauda" },
      spec: { installPlanApproval: "Automatic", sourceNamespace: "olm" },
    });
    req.setProperties(Struct.fromJavaScript(bad));
    const res = await call<any, analyzer.AnalyzeResponse>(client.analyze.bind(client), req);
    const found = res
      .getDiagnosticsList()
      .map((d) => `${d.getPolicyname()}:${d.getEnforcementlevel()}`)
      .sort();
    assert.deepEqual(found, [
      `alauda-operator-manual-approval:${analyzer.EnforcementLevel.MANDATORY}`,
      `catalog-source-namespace:${analyzer.EnforcementLevel.MANDATORY}`,
    ]);
  });

  it("analyzes the stack: two ModuleInfos for one plugin on one cluster", async () => {
    const req = new analyzer.AnalyzeStackRequest();
    req.setResourcesList(
      [moduleInfo(), moduleInfo({ name: "business-again" })].map((o, i) => {
        const r = new analyzer.AnalyzerResource();
        r.setType("kubernetes:cluster.alauda.io/v1alpha1:ModuleInfo");
        r.setName(`gpu${i}`);
        r.setUrn(`urn:pulumi:dev::p::kubernetes:cluster.alauda.io/v1alpha1:ModuleInfo::gpu${i}`);
        r.setOptions(options());
        r.setProperties(Struct.fromJavaScript(o));
        return r;
      }),
    );
    const res = await call<any, analyzer.AnalyzeResponse>(client.analyzeStack.bind(client), req);
    const diags = res.getDiagnosticsList();
    assert.deepEqual(
      diags.map((d) => d.getPolicyname()),
      ["plugin-once-per-cluster", "plugin-once-per-cluster"],
    );
    assert.deepEqual(diags.map((d) => d.getUrn().split("::").at(-1)).sort(), ["gpu0", "gpu1"]);
  });

  it("honours the policy config the engine sends (pulumi --policy-pack-config)", async () => {
    const configure = new analyzer.ConfigureAnalyzerRequest();
    const alauda = new analyzer.PolicyConfig();
    alauda.setEnforcementlevel(analyzer.EnforcementLevel.MANDATORY);
    alauda.setProperties(Struct.fromJavaScript({ alaudaPackages: ["clickhouse-*"] }));
    configure.getPolicyconfigMap().set("alauda-operator-manual-approval", alauda);
    await call(client.configure.bind(client), configure);

    const req = new analyzer.AnalyzeRequest();
    req.setType("kubernetes:operators.coreos.com/v1alpha1:Subscription");
    req.setName("clickhouse");
    req.setUrn("urn:pulumi:dev::p::kubernetes:operators.coreos.com/v1alpha1:Subscription::clickhouse");
    req.setOptions(options());
    req.setProperties(Struct.fromJavaScript(subscription({ spec: { name: "clickhouse-operator", installPlanApproval: "Automatic" } })));
    const res = await call<any, analyzer.AnalyzeResponse>(client.analyze.bind(client), req);
    const diags = res.getDiagnosticsList();
    assert.deepEqual(
      diags.map((d) => d.getPolicyname()),
      ["alauda-operator-manual-approval"],
    );
    assert.match(diags[0].getMessage(), /package clickhouse-operator matches "clickhouse-\*"/);
  });
});
