import * as assert from "node:assert/strict";
import { runCli } from "../../helpers/cli";

describe("cli/context: every command prefixes its errors the same way", () => {
  const cases: Array<{ argv: string[]; code: number; line: RegExp }> = [
    { argv: ["lint", "/nonexistent/dir"], code: 2, line: /^acp-extend lint: cannot read \/nonexistent\/dir: no such file or directory\n$/ },
    { argv: ["show", "/nonexistent/x.amd64.v1.tgz"], code: 1, line: /^acp-extend show: .*x\.amd64\.v1\.tgz: no such file/ },
    {
      argv: ["pack", "--metadata", "/nonexistent/metadata.yaml", "-o", "/nonexistent/out"],
      code: 2,
      line: /^acp-extend pack: \/nonexistent\/metadata\.yaml: /,
    },
    {
      argv: ["push", "x.tgz", "--skip-crs", "--skip-push"],
      code: 2,
      line: /^acp-extend push: --skip-crs and --skip-push together leave nothing to do\n$/,
    },
    {
      argv: ["versions", "harbor", "--kubeconfig", "/nonexistent/kubeconfig"],
      code: 2,
      line: /^acp-extend versions: cannot read kubeconfig \/nonexistent\/kubeconfig: no such file\n$/,
    },
  ];
  for (const c of cases) {
    it(c.argv.slice(0, 1).join(" "), async () => {
      const r = await runCli(c.argv);
      assert.equal(r.code, c.code, r.stderr);
      assert.match(r.stderr, c.line);
    });
  }
});
