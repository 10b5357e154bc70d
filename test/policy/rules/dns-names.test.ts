import * as assert from "node:assert/strict";
import { dnsNames, dnsProblem } from "../../../policy/rules";
import { describeRuleCases } from "../helpers";
import { moduleInfo, namespace, operatorGroup, subscription } from "../objects";

describe("policy/rules/dns-names", () => {
  describeRuleCases(dnsNames, [
    {
      title: "passes the seed's names, a dotted name and a name of exactly 253 characters",
      objects: [
        subscription(),
        moduleInfo(),
        namespace("harbor-ce-operator"),
        operatorGroup({ name: "a.b-c" }),
        subscription({ name: "a".repeat(253) }),
      ],
      expect: [],
    },
    {
      title: "fails upper case, underscores, a trailing dash and 254 characters",
      objects: [
        subscription({ name: "Harbor-Sub" }),
        moduleInfo({ name: "business_temp" }),
        operatorGroup({ name: "og-" }),
        subscription({ name: "a".repeat(254) }),
      ],
      expect: [
        { includes: 'metadata.name "Harbor-Sub" is not a DNS-1123 subdomain', object: 0 },
        { includes: 'metadata.name "business_temp" is not a DNS-1123 subdomain', object: 1 },
        { includes: 'metadata.name "og-"', object: 2 },
        { includes: "is 254 characters long, more than 253", object: 3 },
      ],
    },
    {
      title: "fails namespaces that are not DNS-1123 labels (dots, more than 63 characters)",
      objects: [namespace("team.a"), subscription({ namespace: "n".repeat(64) })],
      expect: [
        { includes: 'metadata.name "team.a" is not a DNS-1123 label', object: 0 },
        { includes: "metadata.namespace", object: 1 },
      ],
    },
  ]);

  it("dnsProblem accepts 63-character labels and refuses 64", () => {
    assert.equal(dnsProblem("a".repeat(63), "label"), undefined);
    assert.match(dnsProblem("a".repeat(64), "label")!, /64 characters long, more than 63/);
  });
});
