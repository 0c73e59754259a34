/** Issue 12's goal for the Cortex-M0+ (the example app's image, everything but the network stack,
 * in at most 40 KB of flash) against what the issue itself keeps on the microcontroller: each
 * file of the image sorted by the requirement that puts it there, or as one a thinner MCU could
 * leave to the network co-processor. The sum of the first is the image's floor with this code;
 * bench/cortexM.bench.ts prints it, firmware/native/README.md ("The goal's floor") reads it. */
import path from "node:path";
import { parseLinkerMap } from "./firmwareSize.mjs";

/** Why a file must be on the MCU: the issue's own words, shortened. */
export const REQUIRED_ON_THE_MCU = {
  "the engine and the app's host (deliverable 4: the same outputs as the other hosts)": [
    "microvium.c", "vm.c", "vmMemory.c", "valueTokens.c", "unholdableNames.c", "standardLibrary.c",
    "runtimeErrors.c", "engineErrors.c", "textBuffer.c", "utf16.c", "growArray.c",
  ],
  // The SAMD21 has no FPU: every double operation of the app is a libgcc call, and a number
  // turned into text inside the engine ("t=" + 21.5) is formatted on the MCU.
  "JavaScript's numbers on a core without an FPU": [
    "libgcc.a", "libm.a", "doubleSubtraction.c", "doubleComparison.c", "integerToDouble.c", "remainder.c",
    "rounding.c", "decimalConversion.c", "engineNumberFormat.c",
  ],
  "the supervisor's app-facing half (the issue's split: timers, handles, channels, pins, settings)": [
    "supervisor.c", "timers.c", "handles.c", "manifest.c", "settingsSync.c", "settingValue.c",
  ],
  "OTA on the MCU (deliverable 3: it verifies size and SHA-256 itself, switches, rolls back)": [
    "otaAgent.c", "slotStore.c", "sha256.c", "devicePackage.c", "crashLoop.c", "reasonText.c",
  ],
  "the link's MCU end (deliverable 2: frames, CRC, acknowledgement, retransmission, keepalive, queues through an outage)": [
    "linkFrame.c", "linkSession.c", "linkDevice.c", "linkNet.c",
  ],
  "the board: startup, clock, storage, pins, the C library's heap and memory functions": [
    "startup.c", "main.c", "sysTick.c", "platform.c", "flashStorage.c", "nanoBoard.c", "newlibSyscalls.c",
    "syscalls.c", "libc_nano.a",
  ],
};

/** What a thinner MCU could leave to the co-processor, which has the network, the same package
 * and the memory: why it could. */
export const MOVABLE_TO_THE_COPROCESSOR = {
  // The link is reliable and in order, so order and repeats could be settled before it.
  "envelopes, QoS 1 order, dedup and the publish retry (the co-processor speaks MQTT)": [
    "envelope.c", "topics.c", "reorderBuffer.c", "dedupWindow.c", "outbox.c",
  ],
  "JSON text (messages could cross the link as binary values, the manifest be binary in the package)": [
    "json.c", "numberText.c",
  ],
  "callbacks named in words (the co-processor holds the same package)": ["callbackNames.c"],
};

/** The file an object of the map came from: `47-supervisor.o` → `supervisor.c` (the build
 * numbers its objects), a library member → its library (`libgcc.a`). */
export function fileOfObject(object) {
  const member = /([^/]+\.a)\([^)]*\)$/.exec(object);
  if (member) return member[1];
  return path.basename(object).replace(/^\d+-/, "").replace(/\.o$/, ".c");
}

const reasonOf = new Map(
  [
    ...Object.entries(REQUIRED_ON_THE_MCU).map(([reason, files]) => ({ reason, files, required: true })),
    ...Object.entries(MOVABLE_TO_THE_COPROCESSOR).map(([reason, files]) => ({ reason, files, required: false })),
  ].flatMap(({ reason, files, required }) => files.map((f) => [f, { reason, required }])),
);

/** Flash per requirement from a linker map: { required, movable, byReason: [{ reason, required,
 * bytes, files }], unclassified: [file] } (a file in no list: the lists need it). */
export function mcuFloor(mapText) {
  const byReason = new Map();
  const unclassified = new Set();
  let required = 0;
  let movable = 0;
  for (const s of parseLinkerMap(mapText)) {
    const inFlash = s.output === ".text" || s.output === ".ARM.exidx" || s.output === ".data" || s.output === ".rodata";
    if (!inFlash || s.size === 0 || s.name === "*fill*" || !s.object) continue;
    const file = fileOfObject(s.object);
    const kind = reasonOf.get(file);
    if (!kind) {
      unclassified.add(file);
      continue;
    }
    const entry = byReason.get(kind.reason) ?? { reason: kind.reason, required: kind.required, bytes: 0, files: new Map() };
    entry.bytes += s.size;
    entry.files.set(file, (entry.files.get(file) ?? 0) + s.size);
    byReason.set(kind.reason, entry);
    if (kind.required) required += s.size;
    else movable += s.size;
  }
  const parts = [...byReason.values()].sort((a, b) => Number(b.required) - Number(a.required) || b.bytes - a.bytes);
  return { required, movable, byReason: parts, unclassified: [...unclassified] };
}
