/** `snapfleet dev --stages 10/1,50/1,100`: a staged rollout for the local fleet, FeatureApp's
 * `ota.stages` written as a flag: each stage is PERCENT/WAIT_MINUTES, the last PERCENT alone
 * (100). Checked by the same rule as `ota.stages` (core/jobs/stagedRollout.ts), so what runs
 * locally deploys. */
import { checkStages, type RolloutStage } from "../core/jobs/stagedRollout";
import { UsageError } from "./cliError";

export const STAGES_FLAG_EXAMPLE = "10/1,50/1,100";

export function stagesFromFlag(text: string): RolloutStage[] {
  const stages = text.split(",").map((part, i) => {
    const match = /^\s*([^/\s]+)\s*(?:\/\s*([^/\s]+)\s*)?$/.exec(part);
    if (!match) throw new UsageError(`--stages: stage ${i + 1} is ${JSON.stringify(part)}; write each stage as PERCENT/WAIT_MINUTES and the last as 100, e.g. --stages ${STAGES_FLAG_EXAMPLE}`);
    const number = (text: string, what: string) => {
      if (Number.isFinite(Number(text))) return Number(text);
      throw new UsageError(`--stages: stage ${i + 1}'s ${what} is ${JSON.stringify(text)}, not a number; e.g. --stages ${STAGES_FLAG_EXAMPLE}`);
    };
    const percent = number(match[1], "PERCENT");
    return match[2] === undefined ? { percent } : { percent, waitMinutes: number(match[2], "WAIT_MINUTES") };
  });
  try {
    return checkStages(stages, "--stages", "stages");
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n(--stages takes PERCENT/WAIT_MINUTES per stage, the last 100 alone, e.g. --stages ${STAGES_FLAG_EXAMPLE})`);
  }
}
