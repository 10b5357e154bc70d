import * as assert from "node:assert/strict";
import { isEmptyForm, validateConfig } from "../../../../sdk/clusterPlugin/form";

// The gpu-device-plugin v4.0.15 form from the platform's documentation.
const gpuForm = { custom: { mps_enable: false, pgpu_enable: false, vgpu_enable: false } };

describe("clusterPlugin/form", () => {
  describe("validateConfig", () => {
    it("merges the form's defaults under the given values (the seed's gpu example)", () => {
      const r = validateConfig(gpuForm, { custom: { pgpu_enable: true, vgpu_enable: true } });
      assert.deepEqual(r.issues, []);
      assert.deepEqual(r.config, { custom: { mps_enable: false, pgpu_enable: true, vgpu_enable: true } });
    });

    it("takes every default when the config is omitted or {}", () => {
      for (const given of [undefined, null, {}]) {
        const r = validateConfig(gpuForm, given);
        assert.deepEqual(r.issues, []);
        assert.deepEqual(r.config, gpuForm);
      }
    });

    it("fills defaults of a nested object left out entirely", () => {
      const form = { storage: { kind: "es", replicas: 3 }, debug: false };
      const r = validateConfig(form, { debug: true });
      assert.deepEqual(r.config, { storage: { kind: "es", replicas: 3 }, debug: true });
    });

    it("does not share objects with the form", () => {
      const r = validateConfig(gpuForm, {});
      (r.config.custom as Record<string, unknown>).mps_enable = true;
      assert.equal(gpuForm.custom.mps_enable, false);
    });

    it("names unknown keys by dotted path and lists the known ones", () => {
      const r = validateConfig(gpuForm, { custom: { pgpu_enable: true, turbo: true }, extra: 1 });
      assert.deepEqual(
        r.issues.map((i) => i.path),
        ["custom.turbo", "extra"],
      );
      assert.match(r.issues[0].reason, /unknown key.*"mps_enable", "pgpu_enable", "vgpu_enable"/);
      assert.match(r.issues[1].reason, /"custom"/);
    });

    it("names wrong types by path without echoing the value", () => {
      const form = { custom: { pgpu_enable: false }, replicas: 1, name: "x", tags: ["a"], nested: { a: 1 } };
      const r = validateConfig(form, { custom: { pgpu_enable: "s3cr3t" }, replicas: "2", name: 5, tags: "a", nested: [] });
      assert.deepEqual(
        r.issues.map((i) => [i.path, i.reason]),
        [
          ["custom.pgpu_enable", "expected boolean (the form's default is false), got string"],
          ["replicas", "expected number (the form's default is 1), got string"],
          ["name", "expected string (the form's default is a string), got number"],
          ["tags", "expected array (the form's default is a list), got string"],
          ["nested", "expected object (the form's default is an object), got array"],
        ],
      );
      assert.ok(!r.issues.some((i) => i.reason.includes("s3cr3t")));
    });

    it("replaces arrays whole and accepts anything where the default is null", () => {
      const r = validateConfig({ tags: ["a", "b"], anything: null }, { tags: ["c"], anything: { x: 1 } });
      assert.deepEqual(r.issues, []);
      assert.deepEqual(r.config, { tags: ["c"], anything: { x: 1 } });
    });

    it("treats a nested {} default as a free-form map", () => {
      const r = validateConfig({ nodeSelector: {} }, { nodeSelector: { "kubernetes.io/os": "linux" } });
      assert.deepEqual(r.issues, []);
      assert.deepEqual(r.config, { nodeSelector: { "kubernetes.io/os": "linux" } });
    });

    it("an empty form accepts only {} (the seed's web-cli)", () => {
      for (const form of [{}, undefined, null]) {
        assert.deepEqual(validateConfig(form, {}), { config: {}, issues: [] });
        assert.deepEqual(validateConfig(form, undefined), { config: {}, issues: [] });
        const r = validateConfig(form, { theme: "dark" });
        assert.equal(r.issues.length, 1);
        assert.equal(r.issues[0].path, "theme");
        assert.match(r.issues[0].reason, /no configuration form, so config must be \{\}/);
      }
    });

    it("rejects a config that is not an object", () => {
      for (const bad of ["x", 1, [1], true]) {
        const r = validateConfig(gpuForm, bad);
        assert.equal(r.issues.length, 1);
        assert.equal(r.issues[0].path, "");
        assert.match(r.issues[0].reason, /config must be an object/);
      }
    });
  });

  it("isEmptyForm", () => {
    assert.equal(isEmptyForm({}), true);
    assert.equal(isEmptyForm(undefined), true);
    assert.equal(isEmptyForm(gpuForm), false);
  });
});
