/** Skips the running test or suite (`this` of an it() or a before()) when a tool it needs is
 * missing, printing why in the report: `reason` is what an `...Unavailable()` check returned
 * (undefined: everything is there, go on). */
export function skipIfUnavailable(context: Mocha.Context, reason: string | undefined): void {
  if (!reason) return;
  console.log(`      skipped: ${reason}`);
  context.skip();
}
