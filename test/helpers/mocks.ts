import * as pulumi from "@pulumi/pulumi";

/** A resource the program registered under the mocks. */
export interface Registered {
  type: string;
  name: string;
  inputs: Record<string, any>;
  provider?: string;
}

export function promiseOf<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply(resolve));
}

/**
 * Installs Pulumi mocks that append every registered resource to `sink()` and
 * answer with `answer(args)`; invokes echo their inputs.
 */
export function recordResources(
  sink: () => Registered[],
  answer: (args: pulumi.runtime.MockResourceArgs) => { id: string | undefined; state: Record<string, any> },
  project: string,
  stack = "dev",
): void {
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        sink().push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });
        return answer(args);
      },
      call: (args) => args.inputs,
    },
    project,
    stack,
    false,
  );
}
