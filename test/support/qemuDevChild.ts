/** `snapfleet dev --device-runtime qemu --devices 1` as a process of its own, for a test that
 * kills it (firmware/coprocessor/coprocessorProcess.test.ts): prints one JSON line with the pids
 * of its board and co-processor once the board's link is up. Argument: a state dir. */
import { DevSession } from "../../cli/devSession";
import type { QemuDevice } from "../../firmware/coprocessor/qemuDevice";
import { cortexM33Image, levelApp } from "./qemuFleet";
import { writeFeatures } from "./tempFeatures";

void (async () => {
  const session = await DevSession.start({ entry: writeFeatures({ "app.ts": levelApp(1) }, "dev-child"), secrets: {}, devices: 1, port: 0, stateDir: process.argv[2], dashboardBundleDir: null, watch: false, deviceRuntime: "qemu", qemuImage: await cortexM33Image(), log: () => {} });
  const device = session.devices[0] as QemuDevice;
  console.log(JSON.stringify({ coprocessor: device.coprocessor.pid, board: device.boardPid }));
})().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
