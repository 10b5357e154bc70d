import { pluginOncePerCluster } from "../../../policy/rules";
import { describeRuleCases } from "../helpers";
import { moduleInfo } from "../objects";

describe("policy/rules/plugin-once-per-cluster", () => {
  describeRuleCases(pluginOncePerCluster, [
    {
      title: "passes one plugin on two clusters and two plugins on one cluster",
      objects: [
        moduleInfo(),
        moduleInfo({ name: "global-temporary-name", labels: { "cpaas.io/cluster-name": "global" } }),
        moduleInfo({ name: "global-web-cli", labels: { "cpaas.io/cluster-name": "global", "cpaas.io/module-name": "web-cli" } }),
      ],
      expect: [],
    },
    {
      title: "fails the same plugin twice on one cluster",
      objects: [moduleInfo(), moduleInfo({ name: "business-second", spec: { version: "v4.0.16" } })],
      expect: [
        {
          includes: "plugin gpu-device-plugin is installed on cluster business more than once (also by ModuleInfo business-second)",
          object: 0,
        },
        { includes: "(also by ModuleInfo business-temporary-name)", object: 1 },
      ],
    },
  ]);
});
