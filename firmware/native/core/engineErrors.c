#include "engineErrors.h"

#include "sf_engineErrorTexts.h"

void sf_describeErrorCode(int code, sf_Text* out) {
  if (code >= 0 && code < SF_ENGINE_ERROR_COUNT) {
    sf_text_appendString(out, SF_ENGINE_ERROR_TEXTS[code]);
    return;
  }
  sf_text_appendString(out, "MVM_E_UNKNOWN (engine error ");
  sf_text_appendInt(out, code);
  sf_text_appendChar(out, ')');
}
