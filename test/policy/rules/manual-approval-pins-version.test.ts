import { manualApprovalPinsVersion } from "../../../policy/rules";
import { describeRuleCases } from "../helpers";
import { automaticSubscription, subscription } from "../objects";

describe("policy/rules/manual-approval-pins-version", () => {
  describeRuleCases(manualApprovalPinsVersion, [
    { title: "passes a Manual Subscription with startingCSV", objects: [subscription()], expect: [] },
    { title: "passes an Automatic Subscription without startingCSV", objects: [automaticSubscription()], expect: [] },
    {
      title: "fails a Manual Subscription without startingCSV",
      objects: [subscription({ spec: { startingCSV: undefined } })],
      expect: [{ includes: "spec.startingCSV is not set" }],
    },
    {
      title: "fails a Manual Subscription with an empty startingCSV",
      objects: [subscription({ spec: { startingCSV: "" } })],
      expect: [{ includes: "startingCSV: harbor-ce-operator.v<version>" }],
    },
  ]);
});
