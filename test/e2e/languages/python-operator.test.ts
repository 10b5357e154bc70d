// examples/python-operator (Python) through the real engine, our Python
// language host and the `pulumi` Python SDK from PyPI, with acp-extend added
// by `pulumi package add` from acp-extend installed as npm installs it: the
// pulumi_acp_extend SDK generated into sdks/, added to requirements.txt and
// installed with pip into the project's virtualenv (the shared suite in
// test/helpers/languages.ts).
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ensurePythonHost, ensurePythonWheels } from "../../../tools/languages";
import { describeLanguageExample } from "../../helpers/languages";

describeLanguageExample({
  language: "Python",
  example: "python-operator",
  host: () => ensurePythonHost(),
  env: () => ensurePythonWheels(),
  uploaded: "e2e-python-operator",
  password: "e2e-python-registry-password-5e07",
  packageAdded: (workDir) => {
    assert.match(fs.readFileSync(path.join(workDir, "requirements.txt"), "utf8"), /^sdks\/acp-extend$/m);
    const r = spawnSync(path.join(workDir, "venv", "bin", "python"), ["-c", "import pulumi_acp_extend, pulumi; print(pulumi.__file__)"], {
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.startsWith(path.join(workDir, "venv")), r.stdout);
  },
});
