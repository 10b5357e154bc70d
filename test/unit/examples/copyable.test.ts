// Every folder of examples/ is a project a user can copy out and run: it names
// its dependencies (acp-extend, and the Pulumi SDKs in the ranges acp-extend
// accepts), compiles with Pulumi's TypeScript template, runs index.ts without a
// path into this repository, and says how in a README.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { CHECKOUT_ROOT, typeScriptExamples, EXAMPLES_DIR } from "../../helpers/examples";

const root = CHECKOUT_ROOT;
const examplesDir = EXAMPLES_DIR;
const examples = typeScriptExamples();
const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
  version: string;
  peerDependencies: Record<string, string>;
};
const read = (example: string, file: string) => fs.readFileSync(path.join(examplesDir, example, file), "utf8");

/** The tsconfig.json `pulumi new typescript` writes. */
const PULUMI_TEMPLATE_TSCONFIG = {
  compilerOptions: {
    strict: true,
    outDir: "bin",
    target: "es2020",
    module: "commonjs",
    moduleResolution: "node",
    sourceMap: true,
    experimentalDecorators: true,
    pretty: true,
    noFallthroughCasesInSwitch: true,
    noImplicitReturns: true,
    forceConsistentCasingInFileNames: true,
  },
  files: ["index.ts"],
};

describe("examples/* (TypeScript) can be copied out of the repository", () => {
  it("finds the examples", () => {
    assert.ok(examples.length >= 5, examples.join(", "));
  });

  for (const name of examples) {
    describe(`examples/${name}`, () => {
      it("package.json depends on acp-extend and the Pulumi SDKs in the ranges acp-extend accepts, and starts at index.ts", () => {
        const pkg = JSON.parse(read(name, "package.json"));
        assert.equal(pkg.main, "index.ts");
        assert.deepEqual(pkg.dependencies, { ...manifest.peerDependencies, "acp-extend": `^${manifest.version}` });
        assert.deepEqual(Object.keys(pkg.devDependencies).sort(), ["@types/node", "typescript"]);
      });

      it("tsconfig.json is Pulumi's TypeScript template's", () => {
        assert.deepEqual(JSON.parse(read(name, "tsconfig.json")), PULUMI_TEMPLATE_TSCONFIG);
      });

      it("Pulumi.yaml runs index.ts with the nodejs runtime, with no path into this repository", () => {
        const text = read(name, "Pulumi.yaml");
        const project = YAML.parse(text);
        assert.equal(project.name, name);
        assert.equal(project.runtime, "nodejs");
        assert.equal(project.main, undefined);
        assert.doesNotMatch(text, /\.\.\//);
        assert.ok(fs.existsSync(path.join(examplesDir, name, "index.ts")));
      });

      it("README.md says how to install, configure and run it", () => {
        const readme = read(name, "README.md");
        for (const step of ["npm install", "pulumi config set", "pulumi up"])
          assert.ok(readme.includes(step), `no \`${step}\` in examples/${name}/README.md`);
      });
    });
  }
});
