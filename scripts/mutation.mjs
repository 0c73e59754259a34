#!/usr/bin/env node
// Mutation testing (Stryker) for the modules that decide things, one group at a time.
//
//   npm run test:mutation                  every group, smallest first
//   npm run test:mutation -- jobs policy   only these groups
//   npm run test:mutation -- --list        the groups and what they mutate
//   npm run test:mutation -- --force jobs  ignore the incremental file and redo every mutant
//   MUTATION_MUTATE=a.ts:10-80,b.ts npm run test:mutation -- g   only part of group g (Stryker's
//                                          file:line ranges), when the whole group can't fit a session
//
// Why this shape: Stryker 9.6 is the last line that runs on Node 20, and its mocha runner wants
// mocha < 12 while the project's tests use mocha 12. The runner and a mocha 11 live in their own
// package, scripts/mutation-mocha (a devDependency linked by npm), so only Stryker sees mocha 11.
// The runner loads a group's tests once per worker (tsx transpiles once) and then only re-runs
// them with another mutant switched on, and with per-test coverage it runs only the tests that
// reach the mutant: a mutant costs the tests that cover it, not a process start and a transpile
// (README "Testing" has the figures). Runs are incremental: each group's results live in
// test/mutation/<group>.json (committed), so a later run only re-tests mutants in code or tests
// that changed since. Scores are in README "Testing".
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// By file path: Stryker imports a plugin given as a path, and this one is nested (see above).
const MOCHA_RUNNER = path.join(root, "scripts/mutation-mocha/node_modules/@stryker-mutator/mocha-runner/dist/src/index.js");

/** Smallest first. `tests` are the mocha files that speak for the promises of `mutate`. */
export const GROUPS = {
  dedupWindow: {
    mutate: ["core/contracts/dedupWindow.ts"],
    tests: ["core/contracts/dedupWindow.test.ts"],
  },
  urlSigner: {
    mutate: ["local/artifacts/urlSigner.ts"],
    tests: ["local/artifacts/urlSigner.test.ts"],
  },
  artifactStore: {
    mutate: ["local/artifacts/artifactStore.ts"],
    tests: ["local/artifacts/artifactStore.test.ts"],
  },
  otaCrashLoop: {
    mutate: ["firmware/ota/crashLoop.ts"],
    tests: ["firmware/ota/crashLoop.test.ts"],
  },
  reliableOutbox: {
    mutate: ["firmware/comms/reliableOutbox.ts"],
    tests: ["firmware/comms/reliableOutbox.test.ts"],
  },
  jobs: {
    mutate: ["core/jobs/jobBook.ts"],
    tests: ["core/jobs/jobBook.test.ts"],
  },
  // Matching and evaluation, then the documents the project writes (policy.test.ts speaks for both).
  policy: {
    mutate: ["core/policy/match.ts", "core/policy/evaluate.ts", "core/policy/variables.ts", "core/policy/arn.ts"],
    tests: ["core/policy/policy.test.ts"],
  },
  policyDocuments: {
    mutate: ["core/policy/documents.ts", "core/policy/settingsShadowRights.ts", "core/policy/clientIds.ts", "core/policy/limits.ts", "core/policy/packing.ts"],
    tests: ["core/policy/policy.test.ts", "core/policy/packing.test.ts"],
  },
  compiledPolicies: {
    mutate: ["core/policy/compiled.ts"],
    tests: ["core/policy/compiled.test.ts"],
  },
  settings: {
    mutate: ["core/settings/*.ts", "!core/settings/*.test.ts"],
    tests: ["core/settings/settingDecl.test.ts"],
  },
  shadow: {
    mutate: ["core/shadow/*.ts", "!core/shadow/*.test.ts"],
    tests: ["core/shadow/shadowDocument.test.ts"],
  },
  stagedRollout: {
    mutate: ["core/jobs/stagedRollout.ts"],
    tests: ["core/jobs/stagedRollout.test.ts"],
  },
  // The decisions both server hosts share; serverHost.ts is the hosting around them.
  serverDecisions: {
    mutate: ["core/server/serverDecisions.ts"],
    tests: ["core/server/serverDecisions.test.ts", "core/server/serverHost.test.ts"],
  },
  // The hooks, identities and policy choices called directly (milliseconds) before the real TLS
  // broker (seconds per mutant), so most mutants die in the unit tests.
  brokerAuthorization: {
    mutate: ["local/broker/policyHooks.ts", "local/broker/identify.ts", "local/broker/principals.ts", "local/broker/servicePolicies.ts"],
    tests: ["local/broker/identify.test.ts", "local/broker/principals.test.ts", "local/broker/policyHooks.test.ts", "local/broker/broker.test.ts"],
  },
  snapshotPruning: {
    mutate: ["core/compiler/snapshotPruning.ts"],
    tests: ["core/compiler/snapshotPruning.test.ts", "test/snapshotPruning.test.ts"],
  },
  // The rest of core/jobs/: the jobs API's answers, which notifications AWS sends, status details.
  jobsApi: {
    mutate: ["core/jobs/jobsApiRequest.ts", "core/jobs/jobNotifications.ts", "core/jobs/statusDetails.ts"],
    tests: ["core/jobs/jobsApiRequest.test.ts", "core/jobs/jobNotifications.test.ts", "core/jobs/statusDetails.test.ts"],
  },
  // Channel history: the history API's checks, retention and the device-clock rule.
  history: {
    mutate: ["core/history/historyRequest.ts", "core/history/retention.ts"],
    tests: ["core/history/history.test.ts"],
  },
  // Onboarding by claim (issue 13): the pre-provisioning check, the claim policy, the template
  // and the approvals API's answers, with their own unit tests (milliseconds per mutant).
  provisioning: {
    mutate: ["core/provisioning/*.ts", "!core/provisioning/*.test.ts"],
    tests: ["core/provisioning/provisioning.test.ts"],
  },
  // The fleet view's listing (issue 13): the status table's pages and the fleet-status API's checks.
  fleetStatus: {
    mutate: ["core/fleetStatus/*.ts", "!core/fleetStatus/*.test.ts"],
    tests: ["core/fleetStatus/fleetStatus.test.ts", "core/fleetStatus/fleetStatusRequest.test.ts"],
  },
  // The agent, its Jobs MQTT API client, slots and download, by their unit tests (milliseconds
  // each: the local Jobs service on an in-process broker, a local HTTPS server, scripted apps).
  // test/ota.test.ts (end to end: broker, TLS, device SDK, real apps) is not in the group: its
  // dry run alone took 20 minutes and each mutant it had to decide about a minute.
  otaAgent: {
    mutate: ["firmware/ota/otaAgent.ts", "firmware/ota/jobRunner.ts", "firmware/ota/slotStore.ts", "firmware/ota/download.ts"],
    tests: ["firmware/ota/otaAgent.test.ts", "firmware/ota/jobRunner.test.ts", "firmware/ota/slotStore.test.ts", "firmware/ota/download.test.ts"],
  },
  lowerPasses: {
    mutate: ["core/compiler/lower/passes/*.ts"],
    // passes.test.ts holds the edge cases, in a file of its own so that adding one doesn't make
    // Stryker (no test locations from mocha) re-run every mutant lower.test.ts already killed.
    tests: ["core/compiler/lower/lower.test.ts", "core/compiler/lower/passes.test.ts"],
  },
};

/** A static mutant (in code that runs outside any test: a module-level constant, setup in a
 * `before` hook) is tied to no test, and Stryker's incremental mode then reuses its "survived"
 * even after tests were added that kill it. Those results are dropped, so they are tested again. */
function forgetStaticSurvivors(incrementalFile) {
  const file = path.join(root, incrementalFile);
  if (!fs.existsSync(file)) return;
  const report = JSON.parse(fs.readFileSync(file, "utf8"));
  let forgotten = 0;
  for (const f of Object.values(report.files)) {
    const kept = f.mutants.filter((m) => !(m.static && (m.status === "Survived" || m.status === "NoCoverage")));
    forgotten += f.mutants.length - kept.length;
    f.mutants = kept;
  }
  if (forgotten) fs.writeFileSync(file, JSON.stringify(report, null, 2));
}

/** MUTATION_MUTATE's entries, checked: Stryker takes `file`, `file:10-80` or `file:10:5-12:9`, and
 * only warns about anything else (`file:29`) before a run that mutates nothing and writes the
 * group's incremental file without that file's results. */
function mutateRanges(text) {
  const entries = text.split(",").map((entry) => entry.trim());
  for (const entry of entries) {
    const match = /^(.+?)(?::\d+(?::\d+)?-\d+(?::\d+)?)?$/.exec(entry);
    const file = match?.[1] ?? entry;
    if (/[*!{]/.test(entry)) continue; // a glob: Stryker's to expand
    if (!fs.existsSync(path.join(root, file))) {
      console.error(`MUTATION_MUTATE: "${entry}" is not a file of this checkout, optionally with a range: write file.ts, file.ts:10-80 (lines) or file.ts:10:5-12:9 (line:column)`);
      process.exit(2);
    }
  }
  return entries;
}

function run(name, forceAll) {
  const group = GROUPS[name];
  const incrementalFile = `test/mutation/${name}.json`;
  forgetStaticSurvivors(incrementalFile);
  const tsconfig = `tsconfig.mutation.${name}.json`;
  const config = {
    testRunner: "mocha",
    plugins: ["@stryker-mutator/typescript-checker", MOCHA_RUNNER],
    // Only this group's tests, not .mocharc.json's whole suite; tsx in the worker process.
    mochaOptions: { "no-config": true, "no-package": true, spec: group.tests, extension: ["ts"] },
    testRunnerNodeArgs: ["--import", "tsx"],
    // Per test: a mutant runs only the tests that reached it in the dry run.
    coverageAnalysis: "perTest",
    mutate: process.env.MUTATION_MUTATE ? mutateRanges(process.env.MUTATION_MUTATE) : group.mutate,
    checkers: ["typescript"],
    // The checker type-checks only this group's files and what they import (minutes saved per group).
    tsconfigFile: tsconfig,
    typescriptChecker: { prioritizePerformanceOverAccuracy: true },
    // 2 cores shared with other work: one test run at a time (MUTATION_CONCURRENCY=2 for two),
    // and patient timeouts.
    concurrency: Number(process.env.MUTATION_CONCURRENCY ?? 1),
    timeoutMS: 30_000,
    dryRunTimeoutMinutes: 20,
    // Error texts are checked by the tests that matter to users (what, where, what to do); a
    // mutant per message string would swamp the decisions these groups are about.
    mutator: { excludedMutations: ["StringLiteral"] },
    incremental: true,
    incrementalFile,
    force: forceAll,
    reporters: ["clear-text", "json", "progress-append-only"],
    jsonReporter: { fileName: `reports/mutation/${name}.json` },
    clearTextReporter: { allowEmojis: false, logTests: false, reportScoreTable: true },
    ignorePatterns: ["dist", "build", ".snapfleet", "test-artifacts", "reports", "scratch", ".scratch", "docs", "bench", "test/mutation", "scripts/mutation-mocha", "test/fixtures/own-project/node_modules", ".stryker-tmp", "tsconfig.mutation.*.json"],
    tempDirName: `.stryker-tmp/${name}`,
    cleanTempDir: "always",
  };
  // A mutate entry may name lines (`file.ts:10-50`, Stryker's syntax, to narrow a long run); the checker's tsconfig wants the file.
  fs.writeFileSync(path.join(root, tsconfig), `${JSON.stringify({ extends: "./tsconfig.json", include: [...group.mutate.filter((p) => !p.startsWith("!")).map((p) => p.replace(/:\d[\d:-]*$/, "")), ...group.tests] }, null, 2)}\n`);
  const configFile = path.join(root, ".stryker-tmp", `${name}.config.json`);
  fs.mkdirSync(path.dirname(configFile), { recursive: true });
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
  console.log(`\n=== mutation group ${name}: ${group.mutate.join(", ")}\n    tests: ${group.tests.join(" ")}`);
  const started = Date.now();
  const result = spawnSync("npx", ["stryker", "run", configFile], { cwd: root, stdio: "inherit" });
  return summary(name, result.status ?? 1, (Date.now() - started) / 1000);
}

/** Mutation score per file from the JSON report: detected / (detected + undetected), Stryker's
 * "score based on covered code" counts no-coverage as undetected too. */
function summary(name, status, seconds) {
  const file = path.join(root, "reports/mutation", `${name}.json`);
  if (!fs.existsSync(file)) return { name, status, score: undefined };
  const report = JSON.parse(fs.readFileSync(file, "utf8"));
  let killed = 0;
  let total = 0;
  let checked = 0;
  for (const [fileName, f] of Object.entries(report.files)) {
    let k = 0;
    let t = 0;
    for (const m of f.mutants) {
      if (m.status !== "Ignored") checked++;
      if (m.status === "CompileError" || m.status === "RuntimeError" || m.status === "Ignored") continue;
      t++;
      if (m.status === "Killed" || m.status === "Timeout") k++;
    }
    killed += k;
    total += t;
    console.log(`    ${fileName}: ${t ? ((100 * k) / t).toFixed(1) : "-"}% (${k}/${t})`);
  }
  const score = total ? (100 * killed) / total : undefined;
  console.log(`    group ${name}: ${score === undefined ? "-" : score.toFixed(1)}% (${killed}/${total}) in ${seconds.toFixed(0)} s (${checked ? (seconds / checked).toFixed(1) : "-"} s per mutant checked or run, counting any reused from the incremental file)`);
  return { name, status, score };
}

const args = process.argv.slice(2);
if (args.includes("--list")) {
  for (const [name, g] of Object.entries(GROUPS)) console.log(`${name}: ${g.mutate.join(" ")}  (tests: ${g.tests.join(" ")})`);
  process.exit(0);
}
const force = args.includes("--force");
const names = args.filter((a) => !a.startsWith("--"));
for (const n of names) if (!GROUPS[n]) throw new Error(`unknown mutation group "${n}"; groups: ${Object.keys(GROUPS).join(", ")}`);
const results = (names.length ? names : Object.keys(GROUPS)).map((n) => run(n, force));
console.log("\nmutation scores (goal >= 80% per group):");
for (const r of results) console.log(`  ${r.name.padEnd(20)} ${r.score === undefined ? "no report" : `${r.score.toFixed(1)}%`}${r.status ? `  (stryker exit ${r.status})` : ""}`);
process.exit(results.some((r) => r.status || r.score === undefined || r.score < 80) ? 1 : 0);
