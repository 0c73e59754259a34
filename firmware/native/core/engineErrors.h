/* Engine error codes in words, as core/engine/errors.ts describes them to feature authors
 * (describeErrorCode), so a failing callback reads the same on both hosts: the texts are
 * generated from there at build time (scripts/engineErrorsHeader.mjs, sf_engineErrorTexts.h). An
 * image built with SF_CODED_TEXTS writes the code for the host to word (sf_deviceTexts.h). */
#ifndef SF_ENGINE_ERRORS_H
#define SF_ENGINE_ERRORS_H

#include "textBuffer.h"

/* "MVM_E_TYPE_ERROR: a member of undefined or null was read..." */
void sf_describeErrorCode(int code, sf_Text* out);

#endif
