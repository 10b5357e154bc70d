/**
 * Registers a component's children without paying for stack traces nobody reads.
 *
 * @pulumi/pulumi's runtime gives every property of a resource four promises and
 * records `new Error().stack` on each (`debuggablePromise`), only to print it
 * if the promise is still pending when the program exits. Under the language
 * host's source-map-support, formatting one such trace maps ten frames
 * through source maps; for an Operator's ~27 properties that was a third of
 * its program CPU in an unchanged preview (docs/scale.md). Those ten frames
 * are the SDK's own (the program's line is further up), and the leak report
 * names the resource and property anyway, so while `build` runs V8 records
 * no frames for new Errors.
 *
 * What the engine is told is unchanged: the SDK captures a resource's source
 * position and stack itself, with an unlimited depth of its own. An error
 * thrown by `build` gets the stack of this call, so it still points at the
 * component and the program's line that made it.
 */
export function withoutPromiseStacks<T>(build: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return build();
  } catch (err) {
    Error.stackTraceLimit = limit;
    if (err instanceof Error && !/\n\s+at /.test(err.stack ?? "")) Error.captureStackTrace(err, withoutPromiseStacks);
    throw err;
  } finally {
    Error.stackTraceLimit = limit;
  }
}
