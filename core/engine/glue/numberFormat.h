/* Number-to-string as microvium.c needs it (numberFormat.c); shared by the WebAssembly engine
 * and the native device (firmware/native/core/microvium_port.h), so both print numbers alike. */
#pragma once

#include <stddef.h>
#include <stdint.h>

int glue_formatInt32(char* buf, size_t size, int32_t value);
int glue_formatFloat64(char* buf, size_t size, double value);
