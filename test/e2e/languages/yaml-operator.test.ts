// examples/yaml-operator (Pulumi YAML) through the real engine, the Pulumi YAML
// language host and the acp-extend provider plugin, added to the project with
// `pulumi package add` from acp-extend installed as npm installs it (the
// shared suite in test/helpers/languages.ts).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ensureYamlHost } from "../../../tools/languages";
import { describeLanguageExample } from "../../helpers/languages";

describeLanguageExample({
  language: "Pulumi YAML",
  example: "yaml-operator",
  host: () => ensureYamlHost(),
  uploaded: "e2e-yaml-operator",
  password: "e2e-yaml-registry-password-91c3",
  packageAdded: (workDir) => {
    // Pulumi YAML reads the schema from the plugin itself: the "SDK" is the schema, nothing to install.
    assert.deepEqual(fs.readdirSync(path.join(workDir, "sdks", "acp-extend")), ["acp-extend-0.1.0.yaml"]);
  },
});
