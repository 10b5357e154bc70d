import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { withoutPromiseStacks } from "../../../../sdk/common/stacks";

const FRAME = /\n\s+at /;

class Thing extends pulumi.CustomResource {
  constructor(name: string) {
    super("test:index:Thing", name, {});
  }
}

describe("withoutPromiseStacks: children registered without the SDK's promise stack traces", () => {
  it("records no frames for Errors made inside, and restores the limit after", () => {
    const before = Error.stackTraceLimit;
    const inside = withoutPromiseStacks(() => new Error("inside").stack ?? "");
    assert.doesNotMatch(inside, FRAME);
    assert.equal(Error.stackTraceLimit, before);
    assert.match(new Error("after").stack ?? "", FRAME);
  });

  it("an error thrown inside gets the stack of the call (the component and its caller), and the limit is restored", () => {
    const before = Error.stackTraceLimit;
    let caught: Error | undefined;
    try {
      withoutPromiseStacks(() => {
        throw new TypeError("bad child");
      });
    } catch (err) {
      caught = err as Error;
    }
    assert.ok(caught instanceof TypeError);
    assert.equal(Error.stackTraceLimit, before);
    assert.match(caught.stack ?? "", /^TypeError: bad child\n\s+at /);
    assert.match(caught.stack ?? "", /stacks\.test\.(js|ts)/);
  });

  it("an error made before and rethrown inside keeps its own stack", () => {
    const early = new Error("early");
    const stack = early.stack;
    assert.throws(
      () =>
        withoutPromiseStacks(() => {
          throw early;
        }),
      (err: Error) => err === early && err.stack === stack,
    );
  });

  describe("what the engine is told", () => {
    const positions: Array<{ name: string; uri?: string; frames: number }> = [];
    before(async () => {
      await pulumi.runtime.setMocks(
        { newResource: (a) => ({ id: `${a.name}-id`, state: a.inputs }), call: (a) => a.inputs },
        "stacks",
        "dev",
        false,
      );
      // The mock monitor receives the same RegisterResourceRequest the engine would.
      const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: any, cb: unknown): unknown };
      const register = monitor.registerResource.bind(monitor);
      monitor.registerResource = (req, cb) => {
        positions.push({
          name: req.getName(),
          uri: req.getSourceposition()?.getUri(),
          frames: req.getStacktrace()?.getFramesList().length ?? 0,
        });
        return register(req, cb);
      };
    });

    it("a resource registered inside keeps its source position (the line that makes it) and its stack trace", async () => {
      // As in a component: a named function makes the child (an anonymous arrow frame has no position).
      function make(name: string): Thing {
        return new Thing(name);
      }
      const outside = make("outside");
      const inside = withoutPromiseStacks(() => make("inside"));
      await Promise.all([outside, inside].map((r) => new Promise((resolve) => r.urn.apply(resolve))));
      const [a, b] = ["outside", "inside"].map((n) => positions.find((p) => p.name === n));
      assert.ok(a?.uri && b?.uri, JSON.stringify(positions));
      assert.match(b.uri, /stacks\.test\.(js|ts)$/);
      assert.equal(b.uri, a.uri);
      assert.ok(b.frames > a.frames, `${b.frames} frames inside, ${a.frames} outside`);
    });
  });
});
