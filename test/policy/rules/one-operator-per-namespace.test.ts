import { oneOperatorPerNamespace } from "../../../policy/rules";
import { describeRuleCases } from "../helpers";
import { automaticSubscription, subscription } from "../objects";

describe("policy/rules/one-operator-per-namespace", () => {
  describeRuleCases(oneOperatorPerNamespace, [
    { title: "passes operators in their own namespaces", objects: [subscription(), automaticSubscription()], expect: [] },
    {
      title: "reports shared Automatic namespaces at the advisory level",
      objects: [automaticSubscription(), automaticSubscription({ name: "other-sub", spec: { name: "other-operator" } })],
      expect: [
        { includes: "namespace clickhouse-operator also holds Subscription clickhouse-operator/other-sub", object: 0 },
        { includes: "also holds Subscription clickhouse-operator/clickhouse-operator-sub", object: 1 },
      ],
    },
    {
      title: "escalates when a Subscription in the shared namespace is Manual",
      objects: [subscription(), automaticSubscription({ namespace: "harbor-ce-operator" })],
      expect: [
        { includes: "Subscription harbor-ce-operator/harbor-ce-operator-sub uses Manual approval", escalated: true, object: 0 },
        { includes: "a pending Manual InstallPlan blocks upgrades", escalated: true, object: 1 },
      ],
    },
    {
      title: "treats Subscriptions without a namespace as sharing one",
      objects: [subscription({ namespace: undefined }), automaticSubscription({ namespace: undefined })],
      expect: [
        { includes: "the same (unspecified) namespace", escalated: true, object: 0 },
        { includes: "the same (unspecified) namespace", escalated: true, object: 1 },
      ],
    },
  ]);
});
