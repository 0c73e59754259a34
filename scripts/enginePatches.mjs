// The build-time fixes to Microvium's microvium.c, in one place for every build of the engine:
// the WebAssembly engine (scripts/build-engine.mjs) and the native device
// (scripts/build-firmware.mjs). The source stays in node_modules (never copied into the repo);
// each build reads it, applies these and compiles the result.
import { fileURLToPath } from "node:url";

/** This file, so a build's skip-when-unchanged hash covers the patches. */
export const ENGINE_PATCHES_FILE = fileURLToPath(import.meta.url);

// Fixes applied to microvium.c before compiling. Each must match exactly once, so that an
// upgrade of the microvium package stops the build until the patch is re-checked.
export const ENGINE_PATCHES = [
  {
    // The GC checks room for a child property list in words but copies two words per
    // property (key and value), so compacting an extended object near the end of a to-space
    // bucket writes past the bucket: heap corruption, then a hang or an assertion failure.
    why: "GC property-list compaction overruns its bucket",
    find: "uint16_t* end = writePtr + childPropCount;",
    replace: "uint16_t* end = writePtr + childPropCount * 2; /* snapfleet patch: 2 words per property */",
  },
  // A property read walks the prototype chain (and an array's or class's delegate) without
  // running bytecode, so the instruction budget can't stop it; a corrupt snapshot whose chain
  // loops (e.g. Array.prototype made an array) hung the host forever. Count the links.
  {
    why: "property read: bound the delegate hops (array prototype, class statics)",
    find: "  if (err != MVM_E_SUCCESS) return err;\n\nSUB_GET_PROPERTY:\n",
    replace:
      "  if (err != MVM_E_SUCCESS) return err;\n  uint16_t chainLinks = 0; /* snapfleet patch */\n\nSUB_GET_PROPERTY:\n" +
      "  if (++chainLinks > SNAPFLEET_MAX_CHAIN_LINKS) return vm_newError(vm, MVM_E_INVALID_BYTECODE); /* snapfleet patch */\n",
  },
  {
    why: "property read: bound the property-list and prototype chain walk",
    find: "      while (lpPropertyList) {\n        uint16_t headerWord = readAllocationHeaderWord_long(lpPropertyList);\n",
    replace:
      "      while (lpPropertyList) {\n" +
      "        if (++chainLinks > SNAPFLEET_MAX_CHAIN_LINKS) return vm_newError(vm, MVM_E_INVALID_BYTECODE); /* snapfleet patch */\n" +
      "        uint16_t headerWord = readAllocationHeaderWord_long(lpPropertyList);\n",
  },
  // The same for the other walks along property lists and class delegates: a write, listing an
  // object's keys, and the GC folding an object's added properties into one allocation.
  {
    why: "property write: bound the class delegate hops",
    find: "  MVM_LOCAL(Value, vPropertyValue, *pPropertyValue);\n\nSUB_SET_PROPERTY:\n",
    replace:
      "  MVM_LOCAL(Value, vPropertyValue, *pPropertyValue);\n  uint16_t chainLinks = 0; /* snapfleet patch */\n\nSUB_SET_PROPERTY:\n" +
      "  if (++chainLinks > SNAPFLEET_MAX_CHAIN_LINKS) return vm_newError(vm, MVM_E_INVALID_BYTECODE); /* snapfleet patch */\n",
  },
  {
    why: "property write: bound the property-list walk that looks for the key",
    find: "      while (true) {\n        CODE_COVERAGE(367); // Hit\n",
    replace:
      "      while (true) {\n        CODE_COVERAGE(367); // Hit\n" +
      "        if (++chainLinks > SNAPFLEET_MAX_CHAIN_LINKS) return vm_newError(vm, MVM_E_INVALID_BYTECODE); /* snapfleet patch */\n",
  },
  {
    why: "property write: bound the property-list walk to its end",
    find: "      while (true) {\n        DynamicPtr dpNext = MVM_GET_LOCAL(pPropertyList)->dpNext;\n",
    replace:
      "      while (true) {\n" +
      "        if (++chainLinks > SNAPFLEET_MAX_CHAIN_LINKS) return vm_newError(vm, MVM_E_INVALID_BYTECODE); /* snapfleet patch */\n" +
      "        DynamicPtr dpNext = MVM_GET_LOCAL(pPropertyList)->dpNext;\n",
  },
  {
    why: "object keys: bound the class delegate hops",
    find: "  LongPtr lpClass;\n\nSUB_OBJECT_KEYS:\n  obj = *inout_slot;\n",
    replace:
      "  LongPtr lpClass;\n  uint16_t chainLinks = 0; /* snapfleet patch */\n\nSUB_OBJECT_KEYS:\n" +
      "  if (++chainLinks > SNAPFLEET_MAX_CHAIN_LINKS) return MVM_E_INVALID_BYTECODE; /* snapfleet patch */\n  obj = *inout_slot;\n",
  },
  {
    why: "object keys: bound the property-list walk that counts them",
    find: "  do {\n    LongPtr lpPropList = DynamicPtr_decode_long(vm, propList);\n    uint16_t segmentSize",
    replace:
      "  do {\n    if (++chainLinks > SNAPFLEET_MAX_CHAIN_LINKS) return MVM_E_INVALID_BYTECODE; /* snapfleet patch */\n" +
      "    LongPtr lpPropList = DynamicPtr_decode_long(vm, propList);\n    uint16_t segmentSize",
  },
  {
    why: "garbage collector: bound the walk over an object's added property lists",
    find: "      uint16_t totalPropCount = (allocationSize - sizeof(TsPropertyList)) / 4;\n\n      do {\n",
    replace:
      "      uint16_t totalPropCount = (allocationSize - sizeof(TsPropertyList)) / 4;\n      uint16_t chainLinks = 0; /* snapfleet patch */\n\n      do {\n" +
      "        if (++chainLinks > SNAPFLEET_MAX_CHAIN_LINKS) MVM_FATAL_ERROR(vm, MVM_E_INVALID_BYTECODE); /* snapfleet patch */\n",
  },
  // Found by the native device's restore fuzzer (scripts/fuzz-native-restore.mjs): a corrupt
  // closure whose scope chain ends in undefined made the walk read the header before address 0
  // (a crash natively, a trap in WebAssembly). End it as the engine's own check of the chain's
  // end does: a fatal error, which stops only this VM.
  {
    why: "closure scope walk: the chain must not end in undefined or null",
    find: "    VM_ASSERT(vm, scope != VM_VALUE_DELETED);\n\n    LongPtr lpArr = DynamicPtr_decode_long(vm, scope);\n",
    replace:
      "    VM_ASSERT(vm, scope != VM_VALUE_DELETED);\n" +
      "    VM_ASSERT(vm, scope != VM_VALUE_UNDEFINED && scope != VM_VALUE_NULL); /* snapfleet patch */\n\n    LongPtr lpArr = DynamicPtr_decode_long(vm, scope);\n",
  },
  // Also found by the restore fuzzer: a global's index comes from the bytecode unchecked, so a
  // corrupt operand read or wrote past the globals. Bound it by the globals section.
  {
    why: "global read: the index must be inside the globals section",
    find: "      reg1 = globals[reg1];\n",
    replace: "      VM_ASSERT(vm, reg1 < getSectionSize(vm, BCS_GLOBALS) / 2); /* snapfleet patch */\n      reg1 = globals[reg1];\n",
  },
  {
    why: "global write: the index must be inside the globals section",
    find: "      globals[reg1] = reg2;\n",
    replace: "      VM_ASSERT(vm, reg1 < getSectionSize(vm, BCS_GLOBALS) / 2); /* snapfleet patch */\n      globals[reg1] = reg2;\n",
  },
  // Found by the restore fuzzer: the header's section offsets were used unchecked, so a corrupt
  // header made restore read the import table (and more) past the end of the snapshot. Every
  // section must lie inside the snapshot, after the header, in order and 2-byte aligned.
  {
    why: "restore: section offsets must lie inside the snapshot, in order",
    find: "  err = vm_validatePortFileMacros(lpBytecode, &header, context);\n  if (err) return err;\n",
    replace:
      "  err = vm_validatePortFileMacros(lpBytecode, &header, context);\n  if (err) return err;\n" +
      "  for (int sfSection = 0; sfSection < BCS_SECTION_COUNT; sfSection++) { /* snapfleet patch */\n" +
      "    uint16_t sfStart = header.sectionOffsets[sfSection];\n" +
      "    uint16_t sfEnd = sfSection + 1 < BCS_SECTION_COUNT ? header.sectionOffsets[sfSection + 1] : bytecodeSize;\n" +
      "    if (sfStart < header.headerSize || sfStart > sfEnd || sfEnd > bytecodeSize || (sfStart & 1)) return MVM_E_INVALID_BYTECODE;\n" +
      "  }\n",
  },
  // Found by the restore fuzzer: loading the initial heap trusted each allocation's size, so a
  // corrupt header made the pointer fix-up run past the end of the heap.
  {
    why: "restore: the heap's pointer fix-up stops at the end of the heap",
    find: "    while (words--) {\n      v = *p;\n      if (Value_isShortPtr(v)) {\n        *p = ShortPtr_encode(vm, heapStart + v);\n",
    replace: "    while (words-- && p < heapEnd) { /* snapfleet patch: bounded by the heap */\n      v = *p;\n      if (Value_isShortPtr(v)) {\n        *p = ShortPtr_encode(vm, heapStart + v);\n",
  },
  // Found on the Cortex-M33 (QEMU mps2-an505): the engine's allocations are 2-byte aligned, but
  // a store through a double* lets the compiler use VSTR/STRD, which fault on an address that
  // is not word aligned (a UsageFault: UNALIGNED); a Cortex-M0+ faults on any unaligned word
  // store, so the int32 one too. Reads already go through memcpy.
  {
    why: "new float: store the double byte-wise (allocations are only 2-byte aligned)",
    find: "  MVM_FLOAT64* pResult = GC_ALLOCATE_TYPE(vm, MVM_FLOAT64, TC_REF_FLOAT64);\n  *pResult = value;\n",
    replace: "  MVM_FLOAT64* pResult = GC_ALLOCATE_TYPE(vm, MVM_FLOAT64, TC_REF_FLOAT64);\n  memcpy(pResult, &value, sizeof value); /* snapfleet patch: 2-byte aligned */\n",
  },
  {
    why: "new int32: store it byte-wise (allocations are only 2-byte aligned)",
    find: "  int32_t* pResult = GC_ALLOCATE_TYPE(vm, int32_t, TC_REF_INT32);\n  *pResult = value;\n",
    replace: "  int32_t* pResult = GC_ALLOCATE_TYPE(vm, int32_t, TC_REF_INT32);\n  memcpy(pResult, &value, sizeof value); /* snapfleet patch: 2-byte aligned */\n",
  },
  // A per-app firmware image whose app has no `**` (scripts/snapshotOperators.mjs) is compiled
  // with SF_POWER_OPERATOR=0: the power operation then raises an engine error instead of calling
  // libm's pow, which is left out (4.2 KB on the Cortex-M0+). An update that uses `**` fails in
  // words (core/vm.c), never with a wrong result. The int32 path reaches this case too.
  {
    why: "power operator: refused in an image built for an app without **",
    find: "      reg1F = pow(reg1F, reg2F);\n",
    replace:
      "#if defined(SF_POWER_OPERATOR) && !SF_POWER_OPERATOR /* snapfleet patch: left out of this image */\n" +
      "      err = vm_newError(vm, MVM_E_OPERATION_REQUIRES_FLOAT_SUPPORT);\n" +
      "      goto SUB_EXIT;\n" +
      "#else\n" +
      "      reg1F = pow(reg1F, reg2F);\n" +
      "#endif\n",
  },
];

/** microvium.c with every patch applied. Throws when a patch does not match exactly once, so that
 * an upgrade of the microvium package stops the build until the patch is re-checked. */
export function patchEngine(source) {
  const eol = source.includes("\r\n") ? "\r\n" : "\n"; // microvium.c 8.0.0 ships with CRLF
  for (const patch of ENGINE_PATCHES) {
    const { why } = patch;
    const [find, replace] = [patch.find, patch.replace].map((text) => text.replaceAll("\n", eol));
    const count = source.split(find).length - 1;
    if (count !== 1) throw new Error(`microvium.c patch "${why}" matches ${count} times instead of once; re-check it against this microvium version`);
    source = source.replace(find, replace);
  }
  return source;
}
