/* libFuzzer harness for what ota/ parses from bytes it did not write itself or that storage may
 * have damaged: the device package (sf_package_parse / sf_package_verify, manifest included)
 * and the OTA state blob (sf_slots_decode). Built with -fsanitize=fuzzer,address by
 * scripts/fuzz-native.mjs; seeds are real packages and state blobs. No checksum is bypassed:
 * the package parser runs before any hash is known to match, and the state decoder checks its
 * own checksum last, so every line parser is reached by inputs with a wrong checksum. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../devicePackage.h"
#include "../slotStore.h"

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  char error[256];
  sf_DevicePackage pkg;
  if (sf_package_parse(data, size, &pkg, error, sizeof error) == 0) {
    /* A parsed package's parts lie inside the input and the manifest read is terminated. */
    if (pkg.snapshot + pkg.snapshotLength != data + size) __builtin_trap();
    if (memchr(pkg.manifest.version, '\0', sizeof pkg.manifest.version) == NULL) __builtin_trap();
    /* a board the input's manifest rarely names: the refusal's words are written too */
    static const sf_DeviceBoard board = {"nano-33-iot", "simulated"};
    sf_package_verify(data, size, pkg.manifest.version, &board, &pkg, error, sizeof error);
  }
  if (memchr(error, '\0', sizeof error) == NULL) __builtin_trap();
  sf_SlotState state;
  if (sf_slots_decode((const char*)data, size, &state) == 0) {
    char text[512];
    size_t n = sf_slots_encode(&state, text, sizeof text);
    sf_SlotState again;
    /* What decodes re-encodes to the same bytes. */
    if (n != size || memcmp(text, data, size) != 0 || sf_slots_decode(text, n, &again) != 0) __builtin_trap();
  }
  return 0;
}
