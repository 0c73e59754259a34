#!/usr/bin/env node
/** Where a V8 CPU profile's time went: self time grouped by package (node_modules/<name>, our
 * own top folder such as local/ or firmware/, node:internal, or V8's own entries like
 * "(garbage collector)"), then the heaviest functions. For the fleet bench's
 * FLEET_BENCH_START_PROFILE / FLEET_BENCH_REST_PROFILE files and `node --cpu-prof` output.
 *
 *   node scripts/cpuProfileSummary.mjs FILE.cpuprofile [top functions, default 30]
 */
import fs from "node:fs";

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error("usage: node scripts/cpuProfileSummary.mjs FILE.cpuprofile [top]");
  process.exit(2);
}
const top = Number(topArg ?? 30);
const profile = JSON.parse(fs.readFileSync(file, "utf8"));

// timeDeltas[i] is the time before samples[i]: the sample's node gets it as self time.
const selfUs = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
}

/** The package a script URL belongs to. */
function groupOf(url, functionName) {
  if (!url) return functionName.startsWith("(") ? functionName : "(native or V8 builtin)";
  if (url.startsWith("node:")) return url.split("/").slice(0, 2).join("/");
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = url.slice(nm + "node_modules/".length).split("/");
    return rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const ours = /\/(?:dist\/)?(local|firmware|core|cli|components|web|bench|test)\/([^/]+)/.exec(url);
  return ours ? `${ours[1]}/${ours[2]}` : url;
}

const byGroup = new Map();
const byFunction = new Map();
let totalUs = 0;
for (const node of profile.nodes) {
  const us = selfUs.get(node.id) ?? 0;
  if (us === 0) continue;
  totalUs += us;
  const { url, functionName, lineNumber } = node.callFrame;
  const group = groupOf(url, functionName || "(anonymous)");
  byGroup.set(group, (byGroup.get(group) ?? 0) + us);
  const fn = `${functionName || "(anonymous)"} ${url ? `${url.replace(/^.*\/(node_modules|dist|wt\/[^/]+)\//, "")}:${lineNumber + 1}` : ""}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
}

const ms = (us) => (us / 1000).toFixed(0).padStart(7);
const pct = (us) => ((100 * us) / totalUs).toFixed(1).padStart(5);
const wallUs = profile.endTime - profile.startTime;
console.log(`${file}: ${(totalUs / 1e6).toFixed(1)} s sampled over ${(wallUs / 1e6).toFixed(1)} s (idle included as "(idle)")`);
console.log("\nself time by package:");
for (const [group, us] of [...byGroup].sort((a, b) => b[1] - a[1])) {
  if (us / totalUs < 0.002) continue;
  console.log(`${ms(us)} ms ${pct(us)}%  ${group}`);
}
console.log(`\nheaviest ${top} functions by self time:`);
for (const [fn, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${ms(us)} ms ${pct(us)}%  ${fn}`);
}
