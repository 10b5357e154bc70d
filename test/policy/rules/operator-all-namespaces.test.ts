import { operatorAllNamespaces } from "../../../policy/rules";
import { describeRuleCases } from "../helpers";
import { operatorGroup, subscription } from "../objects";

describe("policy/rules/operator-all-namespaces", () => {
  describeRuleCases(operatorAllNamespaces, [
    { title: "passes the seed's Subscription (annotation empty)", objects: [subscription()], expect: [] },
    {
      title: "passes an OperatorGroup without targetNamespaces or selector",
      objects: [operatorGroup(), operatorGroup({ spec: { targetNamespaces: [] } })],
      expect: [],
    },
    {
      title: "fails a Subscription whose annotation names namespaces",
      objects: [subscription({ annotations: { "cpaas.io/target-namespaces": "team-a,team-b" } })],
      expect: [{ includes: 'cpaas.io/target-namespaces is "team-a,team-b"' }],
    },
    {
      title: "fails a Subscription without the annotation",
      objects: [subscription({ annotations: { "cpaas.io/target-namespaces": undefined } })],
      expect: [{ includes: "cpaas.io/target-namespaces is missing" }],
    },
    {
      title: "passes a Subscription without the annotation when requireAnnotation is false",
      objects: [subscription({ annotations: { "cpaas.io/target-namespaces": undefined } })],
      config: { requireAnnotation: false },
      expect: [],
    },
    {
      title: "fails an OperatorGroup with targetNamespaces and one with a selector",
      objects: [
        operatorGroup({ spec: { targetNamespaces: ["team-a"] } }),
        operatorGroup({ spec: { selector: { matchLabels: { team: "a" } } } }),
      ],
      expect: [
        { includes: 'spec.targetNamespaces is ["team-a"]', object: 0 },
        { includes: "spec.selector is set", object: 1 },
      ],
    },
  ]);
});
