/** The README's feature code type-checks against FeatureApi as a user's `npx tsc -p .` (strict)
 * sees it: what the docs say a callback gets is in its type. */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import ts from "typescript";

function typeErrors(source: string): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-api-types-"));
  try {
    const file = path.join(dir, "feature.ts");
    fs.writeFileSync(file, `import type { FeatureApi } from ${JSON.stringify(path.join(__dirname, "featureApi"))};\n${source}`);
    const program = ts.createProgram([file], { strict: true, noEmit: true, skipLibCheck: true, types: [], target: ts.ScriptTarget.ES2022 });
    return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("FeatureApi types", function () {
  this.timeout(60_000);

  it("an api.server.onFleet listener gets (value, device) and answers that device by device.name, as the README says", () => {
    const errors = typeErrors(`export function App(api: FeatureApi) {
  const button = api.newCommsChannel<boolean>("button", { direction: "device-to-server" });
  const relay = api.newCommsChannel<boolean>("relay", { direction: "server-to-device" });
  api.server.onFleet((fleet) => {
    button.addEventListener("messageFromDevice", (pressed, device) => {
      if (device) for (const other of fleet.devices) if (other !== device.name) relay.sendToDevice(pressed, other);
      if (device) relay.sendToDevice(!pressed, device);
    });
  });
  button.addEventListener("messageFromDevice", (pressed) => relay.sendToDevice(pressed));
}
`);
    assert.deepEqual(errors, []);
  });
});
