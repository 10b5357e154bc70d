import { alaudaOperatorManualApproval } from "../../../policy/rules";
import { describeRuleCases } from "../helpers";
import { automaticSubscription, subscription } from "../objects";

const alauda = { "acp-extend.io/source-type": "Alauda" };

describe("policy/rules/alauda-operator-manual-approval", () => {
  describeRuleCases(alaudaOperatorManualApproval, [
    { title: "passes an Alauda operator with Manual approval", objects: [subscription({ annotations: alauda })], expect: [] },
    {
      title: "passes a Community operator with Automatic approval",
      objects: [automaticSubscription({ annotations: { "acp-extend.io/source-type": "Community" } })],
      expect: [],
    },
    {
      title: "fails an Alauda operator (source-type annotation) with Automatic approval",
      objects: [subscription({ annotations: alauda, spec: { installPlanApproval: "Automatic" } })],
      expect: [
        {
          includes:
            'installPlanApproval is "Automatic" but this operator is Alauda-provided (annotation acp-extend.io/source-type is "Alauda")',
        },
      ],
    },
    {
      title: "fails an Alauda operator without installPlanApproval (OLM's default is Automatic)",
      objects: [subscription({ annotations: alauda, spec: { installPlanApproval: undefined } })],
      expect: [{ includes: "unset (OLM defaults to Automatic)" }],
    },
    {
      title: "fails a package listed in alaudaPackages (with a wildcard) even without the annotation",
      objects: [subscription({ spec: { installPlanApproval: "Automatic" } })],
      config: { alaudaPackages: ["harbor-*"] },
      expect: [{ includes: 'package harbor-ce-operator matches "harbor-*" in alaudaPackages' }],
    },
    {
      title:
        "fails the documentation's harbor-ce-operator with Automatic under default settings: the ACP documentation names it as Alauda's",
      objects: [subscription({ spec: { installPlanApproval: "Automatic" } })],
      expect: [{ includes: "the ACP documentation names harbor-ce-operator as provided by Alauda" }],
    },
    {
      title: "passes an Automatic operator that neither the annotation, the documentation nor the list marks as Alauda",
      objects: [subscription({ spec: { name: "clickhouse-operator", installPlanApproval: "Automatic" } })],
      config: { alaudaPackages: ["harbor"] },
      expect: [],
    },
  ]);
});
