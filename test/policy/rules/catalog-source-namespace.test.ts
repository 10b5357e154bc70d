import { catalogSourceNamespace } from "../../../policy/rules";
import { describeRuleCases } from "../helpers";
import { subscription } from "../objects";

describe("policy/rules/catalog-source-namespace", () => {
  describeRuleCases(catalogSourceNamespace, [
    { title: "passes the platform source in cpaas-system", objects: [subscription()], expect: [] },
    {
      title: "passes a non-platform source in another namespace",
      objects: [subscription({ spec: { source: "operatorhubio", sourceNamespace: "olm" } })],
      expect: [],
    },
    {
      title: "fails each platform source outside cpaas-system, and one without sourceNamespace",
      objects: [
        subscription({ spec: { source: "system", sourceNamespace: "olm" } }),
        subscription({ spec: { source: "custom", sourceNamespace: undefined } }),
      ],
      expect: [
        { includes: 'the platform catalog "system" but spec.sourceNamespace is "olm"', object: 0 },
        { includes: 'the platform catalog "custom" but spec.sourceNamespace is not set', object: 1 },
      ],
    },
    {
      title: "follows a configured namespace and source list",
      objects: [subscription(), subscription({ spec: { source: "mirror", sourceNamespace: "cpaas-system" } })],
      config: { platformSources: ["platform", "mirror"], sourceNamespace: "acp-catalogs" },
      expect: [
        { includes: "set sourceNamespace: acp-catalogs", object: 0 },
        { includes: '"mirror"', object: 1 },
      ],
    },
  ]);
});
