/* Which values a setting accepts, in the words of core/settings/settingDecl.ts (settingValueProblem,
 * assertSettingValue, findSetting), so a value refused on the native device reads as on the
 * TypeScript one. supervisor/tests/settingValueCheck.c compares them. */
#ifndef SF_SETTING_VALUE_H
#define SF_SETTING_VALUE_H

#include <stdbool.h>

#include "manifest.h"
#include "primitive.h"
#include "textBuffer.h"

/* MAX_SETTING_STRING_LENGTH (UTF-16 units). */
#define SF_MAX_SETTING_STRING_LENGTH 256

/* Why `value` can't be the setting's value (appended to `out`); false when it can. */
bool sf_settingValueProblem(const sf_SettingDecl* decl, const sf_Primitive* value, sf_Text* out);
/* The text `setting.set(value)` throws for a refused value; false when the value is accepted. */
bool sf_settingSetRefused(const sf_SettingDecl* decl, const sf_Primitive* value, sf_Text* out);
/* The index of the setting named `name`, or -1 with why appended to `problem`. */
int sf_findSetting(const sf_SettingDecls* decls, const char* name, size_t length, sf_Text* problem);
/* The setting's default as a primitive (a string borrowed from the declaration). */
sf_Primitive sf_settingDefault(const sf_SettingDecl* decl);

#endif
