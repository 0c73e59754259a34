/* A primitive value crossing the VM boundary, as the host sees it (VmPrimitive in
 * core/engine/types.ts). Strings are UTF-8 and borrowed: valid until the next VM call. */
#ifndef SF_PRIMITIVE_H
#define SF_PRIMITIVE_H

#include <stdbool.h>
#include <stddef.h>

typedef enum sf_PrimitiveType {
  SF_UNDEFINED,
  SF_NULL,
  SF_BOOLEAN,
  SF_NUMBER,
  SF_STRING,
  /* A function, object, array... that can't leave the VM; `string` names its type. */
  SF_UNREPRESENTABLE,
} sf_PrimitiveType;

typedef struct sf_Primitive {
  sf_PrimitiveType type;
  bool boolean;
  double number;
  const char* string;
  size_t length;
} sf_Primitive;

static inline sf_Primitive sf_undefined(void) {
  sf_Primitive p = {SF_UNDEFINED, false, 0, 0, 0};
  return p;
}
static inline sf_Primitive sf_number(double n) {
  sf_Primitive p = {SF_NUMBER, false, n, 0, 0};
  return p;
}
static inline sf_Primitive sf_boolean(bool b) {
  sf_Primitive p = {SF_BOOLEAN, b, 0, 0, 0};
  return p;
}
static inline sf_Primitive sf_string(const char* s, size_t length) {
  sf_Primitive p = {SF_STRING, false, 0, s, length};
  return p;
}

#endif
