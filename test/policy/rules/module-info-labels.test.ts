import { moduleInfoLabels } from "../../../policy/rules";
import { describeRuleCases } from "../helpers";
import { moduleInfo } from "../objects";

describe("policy/rules/module-info-labels", () => {
  describeRuleCases(moduleInfoLabels, [
    { title: "passes the seed's ModuleInfo", objects: [moduleInfo()], expect: [] },
    {
      title: "fails a ModuleInfo without the module-type label",
      objects: [moduleInfo({ labels: { "cpaas.io/module-type": undefined } })],
      expect: [{ includes: 'label cpaas.io/module-type is missing: it must be "plugin"' }],
    },
    {
      title: "fails a wrong module-type, missing names and a missing version at once",
      objects: [
        moduleInfo({
          labels: { "cpaas.io/module-type": "chart", "cpaas.io/module-name": undefined, "cpaas.io/cluster-name": "" },
          spec: { version: undefined },
        }),
      ],
      expect: [
        { includes: 'label cpaas.io/module-type is "chart"' },
        { includes: "label cpaas.io/module-name is missing" },
        { includes: "label cpaas.io/cluster-name is missing" },
        { includes: "spec.version is missing" },
      ],
    },
  ]);
});
