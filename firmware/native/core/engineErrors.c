#include "engineErrors.h"

#include "sf_deviceTexts.h"

#if SF_CODED_TEXTS
/* The code alone: the host words it (firmware/native/deviceTexts.ts, describeErrorCode), and the
 * table of texts stays off a small image. */
void sf_describeErrorCode(int code, sf_Text* out) {
  sf_text_appendChar(out, (char)SF_CODED_START);
  sf_text_appendChar(out, SF_CODED_ENGINE);
  sf_text_appendInt(out, code);
  sf_text_appendChar(out, (char)SF_CODED_END);
}
#else
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
#endif
