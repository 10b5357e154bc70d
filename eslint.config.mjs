// ESLint (typescript-eslint's recommended rules, import cycles) and Prettier's
// formatting, checked together by `npm run lint`; `npm run format` fixes both.
import importX from "eslint-plugin-import-x";
import prettier from "eslint-config-prettier";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "**/node_modules/", "bench/work/", ".sandbox/", "test/consumer/project/", "examples/*/bin/"] },
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    plugins: { "import-x": importX },
    settings: { "import-x/resolver": { node: { extensions: [".ts", ".js"] } } },
    rules: {
      "import-x/no-cycle": "error",
      // Kubernetes objects and engine payloads are untyped JSON at the edges.
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      // Mocha's `this` in hooks is deliberate.
      "@typescript-eslint/no-this-alias": "off",
    },
  },
  // Tests load example programs with require() after Pulumi's mocks are set, on purpose.
  { files: ["test/**/*.ts"], rules: { "@typescript-eslint/no-require-imports": "off" } },
  // The repository's own CommonJS scripts (setup, the policy-pack folder, the CLI's bin).
  { files: ["**/*.js"], rules: { "@typescript-eslint/no-require-imports": "off" } },
  prettier,
);
