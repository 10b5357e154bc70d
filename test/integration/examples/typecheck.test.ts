// Each example, copied out of the repository as a user would, type-checks with
// its own tsconfig.json (Pulumi's TypeScript template: no skipLibCheck, no
// esModuleInterop) against the built package's declarations: what `tsc` and an
// editor show the user. node_modules is links to this checkout's packages.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { CHECKOUT_ROOT, typeScriptExamples, EXAMPLES_DIR } from "../../helpers/examples";

const exec = promisify(execFile);
const root = CHECKOUT_ROOT;
const examplesDir = EXAMPLES_DIR;
const examples = typeScriptExamples();

describe("examples/* (TypeScript) type-check as a user's copy, with their own tsconfig", function () {
  this.timeout(5 * 60_000);
  let dir: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "acp-extend-examples-"));
    const modules = path.join(dir, "node_modules");
    fs.mkdirSync(path.join(modules, "@pulumi"), { recursive: true });
    fs.mkdirSync(path.join(modules, "@types"), { recursive: true });
    // acp-extend as installed: its package.json (exports, types) and dist/.
    fs.symlinkSync(root, path.join(modules, "acp-extend"), "dir");
    for (const p of ["@pulumi/pulumi", "@pulumi/kubernetes", "@types/node", "typescript"]) {
      fs.symlinkSync(path.join(root, "node_modules", p), path.join(modules, p), "dir");
    }
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const name of examples) {
    it(`examples/${name}`, async () => {
      const project = path.join(dir, name);
      fs.cpSync(path.join(examplesDir, name), project, { recursive: true });
      const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
      const r = await exec(process.execPath, [tsc, "-p", project, "--noEmit", "--pretty", "false"], { cwd: project }).then(
        () => undefined,
        (err: { stdout?: string; stderr?: string }) => `${err.stdout ?? ""}${err.stderr ?? ""}`,
      );
      assert.equal(r, undefined, `tsc -p examples/${name} failed:\n${r?.split("\n").slice(0, 20).join("\n")}`);
    });
  }
});
