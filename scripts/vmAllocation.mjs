// What starting an app takes from a Cortex-M image's C heap at once: the supervisor (one
// hal_malloc in firmware/native/supervisor/supervisor.c's sf_supervisor_create, before the app is
// restored), the device's sf_Vm (one hal_malloc in firmware/native/core/vm.c) and, for every call
// into the app, the engine's stack (Microvium's vm_createStackAndRegisters: its registers and
// MVM_STACK_SIZE bytes). Read from the
// linked ELF's DWARF (the sizes the compiler laid out for this image's flags and limits) and the
// engine settings as the compiler preprocesses them, so nothing here restates a C size.
// Checked in the size step (scripts/firmwareSize.mjs) rather than by a _Static_assert: the size
// table prints the figure, and the heap size stays in one place (sizeBudget.json).
import { execFileSync } from "node:child_process";
import path from "node:path";

/** The byte sizes of the named structs (`struct NAME { ... }`) in an ELF's DWARF: the defining
 * entry's DW_AT_byte_size (the other units only declare an opaque type). */
export function dwarfStructSizes(readelfInfo, names) {
  const sizes = {};
  let inStruct = false, name, size;
  const finish = () => {
    if (inStruct && names.includes(name) && size !== undefined) sizes[name] = size;
  };
  for (const line of readelfInfo.split("\n")) {
    const die = /^\s*<\d+><[0-9a-f]+>: Abbrev Number: \d+(?: \((\w+)\))?/.exec(line);
    if (die) {
      finish();
      inStruct = die[1] === "DW_TAG_structure_type";
      name = size = undefined;
      continue;
    }
    if (!inStruct) continue;
    const attribute = /^\s*<[0-9a-f]+>\s+(DW_AT_\w+)\s*:\s*(.*)$/.exec(line);
    if (attribute?.[1] === "DW_AT_name") name = attribute[2].replace(/^\(indirect string, offset: 0x[0-9a-f]+\):\s*/, "").trim();
    if (attribute?.[1] === "DW_AT_byte_size") size = Number(attribute[2]);
  }
  finish();
  return sizes;
}

/** `#define NAME value` of a header as `cc` preprocesses it (numbers only). */
export function preprocessedNumbers(cc, header, names, flags = []) {
  const text = execFileSync(cc, [...flags, "-dM", "-E", "-x", "c", "-I", path.dirname(header), header], { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
  const values = {};
  for (const name of names) {
    const match = new RegExp(`^#define ${name} \\(?(0x[0-9a-fA-F]+|\\d+)\\)?\\s*$`, "m").exec(text);
    if (!match) throw new Error(`${header} defines no number ${name} (as ${cc} preprocesses it)`);
    values[name] = Number(match[1]);
  }
  return values;
}

/** sf_Supervisor, sf_Vm, the engine's stack and registers, and the first heap bucket the engine
 * needs beside them, of a linked image; `readelf` of the target's binutils. */
export function measureVmAllocation({ elf, cc, readelf, engineSettings, flags = [] }) {
  const info = execFileSync(readelf, ["--debug-dump=info", elf], { encoding: "utf8", maxBuffer: 512 * 1024 * 1024 });
  const names = ["sf_Supervisor", "sf_Vm", "vm_TsStack"];
  const structs = dwarfStructSizes(info, names);
  for (const name of names) if (structs[name] === undefined) throw new Error(`${path.basename(elf)} has no DWARF size of struct ${name} (built without -g, or the struct was renamed: scripts/vmAllocation.mjs)`);
  const settings = preprocessedNumbers(cc, engineSettings, ["MVM_STACK_SIZE", "MVM_ALLOCATION_BUCKET_SIZE"], flags);
  return {
    supervisorBytes: structs.sf_Supervisor,
    vmBytes: structs.sf_Vm,
    engineStackBytes: structs.vm_TsStack + settings.MVM_STACK_SIZE,
    bytes: structs.sf_Supervisor + structs.sf_Vm + structs.vm_TsStack + settings.MVM_STACK_SIZE,
    // Beside them the engine needs at least its first heap bucket to hold the app's state.
    bucketBytes: settings.MVM_ALLOCATION_BUCKET_SIZE,
  };
}
