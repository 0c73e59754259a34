import path from "node:path";
import { compileFeatures } from "../core/compiler/compileFeatures";
import { encodeDevicePackage } from "../core/contracts/devicePackage";
import { MAX_JOB_DOCUMENT_BYTES, otaJobDocument, s3PresignedUrlPlaceholder } from "../core/contracts/jobDocument";
import { dashboardPolicyDocument, devicePolicyDocuments, MAX_POLICY_DOCUMENT_CHARS, policyDocumentSize } from "../core/policy";
import { bundleAuthorizer } from "../components/authorizerBundle";
import { DASHBOARD_BUNDLE_ENV } from "../components/featureAppArgs";
import { settled, useAwsMocks, valueOf } from "../components/testing/mockAws";

/** Issue 5 figures: what `pulumi up` spends in our code (the whole grow-station program under
 * Pulumi mocks, against a plain compile of the same features measured in the same run), and how
 * close the generated documents come to AWS's limits. */
const EXAMPLE_PROGRAM = path.join(__dirname, "../examples/grow-station/index.ts");
const FEATURES = path.join(__dirname, "../examples/grow-station/features/app.ts");
const SECRETS = { ssid: "bench-net", password: "bench-password" };
const REGION = "eu-west-1";
const ACCOUNT = "123456789012";

async function best<T>(runs: number, fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
  let ms = Infinity;
  let result!: T;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    result = await fn();
    ms = Math.min(ms, performance.now() - t);
  }
  return { ms, result };
}

async function main() {
  const compile = await best(3, () => compileFeatures({ entry: FEATURES, app: "grow-station", secrets: SECRETS }));
  const bundle = await best(3, () => bundleAuthorizer());

  process.env[DASHBOARD_BUNDLE_ENV] = path.join(__dirname, "../components/testing/web-bundle");
  const config = { "grow-station:secret-ssid": SECRETS.ssid, "grow-station:secret-password": SECRETS.password };
  const program = await best(3, async () => {
    const mocks = await useAwsMocks(config, Object.keys(config));
    delete require.cache[require.resolve(EXAMPLE_PROGRAM)];
    const outputs = require(EXAMPLE_PROGRAM) as Record<string, any>;
    for (const output of Object.values(outputs)) await valueOf(output);
    await settled(mocks);
    return mocks.resources.length;
  });

  const { manifest, snapshots } = compile.result;
  const pkg = encodeDevicePackage(manifest, snapshots.device);
  const key = `grow-station/${pkg.sha256}.sfpk`;
  // A long bucket name (63 characters, S3's maximum) is the worst case for the document size.
  const document = otaJobDocument(manifest, pkg, s3PresignedUrlPlaceholder("ap-southeast-2", "x".repeat(63), key));
  const documentBytes = Buffer.byteLength(JSON.stringify(document));
  const policies = devicePolicyDocuments({ app: "grow-station", region: REGION, account: ACCOUNT, channels: manifest.channels });
  const dashboard = dashboardPolicyDocument({ app: "grow-station", region: REGION, account: ACCOUNT, channels: manifest.channels });
  const pct = (n: number, max: number) => `${((100 * n) / max).toFixed(1)} %`;

  console.log(`compile grow-station (baseline, one pass)       ${compile.ms.toFixed(0)} ms`);
  console.log(`whole Pulumi program under mocks (${program.result} resources)  ${program.ms.toFixed(0)} ms  (${(program.ms / compile.ms).toFixed(1)}× one compile: two passes + authorizer bundle + Pulumi)`);
  console.log(`authorizer Lambda bundle (esbuild)              ${bundle.ms.toFixed(0)} ms, ${Buffer.byteLength(bundle.result)} B`);
  console.log(`device package                                  ${pkg.size} B (snapshot ${snapshots.device.length} B + manifest)`);
  console.log(`job document (63-char bucket)                   ${documentBytes} B of ${MAX_JOB_DOCUMENT_BYTES} (${pct(documentBytes, MAX_JOB_DOCUMENT_BYTES)})`);
  for (const policy of policies) {
    const size = policyDocumentSize(policy.document);
    console.log(`policy ${policy.name.padEnd(40)} ${String(size).padStart(4)} chars of ${MAX_POLICY_DOCUMENT_CHARS} (${pct(size, MAX_POLICY_DOCUMENT_CHARS)})`);
  }
  const dashboardSize = policyDocumentSize(dashboard);
  console.log(`policy ${"sf-grow-station-dashboard (authorizer)".padEnd(40)} ${String(dashboardSize).padStart(4)} chars of ${MAX_POLICY_DOCUMENT_CHARS} (${pct(dashboardSize, MAX_POLICY_DOCUMENT_CHARS)})`);

  // Packing (core/policy/packing.ts): policies per certificate for 40 channels, against the
  // baseline of one policy per channel; and its cost, against building the documents unpacked.
  const forty = Array.from({ length: 40 }, (_, i) => ({ name: `ch-${String(i).padStart(2, "0")}`, qos: 1 as const, direction: "both" as const, replay: 0 }));
  const packed = devicePolicyDocuments({ app: "tank", region: REGION, account: ACCOUNT, channels: forty });
  const packTime = await best(20, async () => devicePolicyDocuments({ app: "tank", region: REGION, account: ACCOUNT, channels: forty }));
  const oneEachTime = await best(20, async () => forty.map((c) => devicePolicyDocuments({ app: "tank", region: REGION, account: ACCOUNT, channels: [c] })));
  const fill = packed.slice(1).map((p) => policyDocumentSize(p.document));
  console.log(`40 channels (both directions): ${packed.length} policies per certificate (AWS max 10) vs ${1 + forty.length} one per channel (${((1 + forty.length) / packed.length).toFixed(1)}× fewer); channel documents ${Math.min(...fill)}–${Math.max(...fill)} chars`);
  console.log(`packing 40 channels: ${packTime.ms.toFixed(2)} ms vs ${oneEachTime.ms.toFixed(2)} ms building 40 single-channel sets (${(packTime.ms / oneEachTime.ms).toFixed(2)}×)`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
