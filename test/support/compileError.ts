import assert from "node:assert/strict";
import { compileFeatures, type CompileOptions } from "../../core/compiler/compileFeatures";
import { FeatureCompileError } from "../../core/compiler/errors";

/** The FeatureCompileError a build must fail with; any other outcome fails the test. */
export async function compileError(options: CompileOptions): Promise<FeatureCompileError> {
  try {
    await compileFeatures(options);
  } catch (e) {
    if (e instanceof FeatureCompileError) return e;
    throw e;
  }
  assert.fail("expected the build to fail");
}
