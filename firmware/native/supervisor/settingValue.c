#include "settingValue.h"

#include "utf16.h"
#include "sf_deviceTexts.h"

#define DESCRIBED_STRING_UNITS 40

static const char* typeName(sf_SettingType type) {
  return type == SF_SETTING_NUMBER ? "number" : type == SF_SETTING_STRING ? "string" : "boolean";
}

static bool ofType(const sf_Primitive* value, sf_SettingType type) {
  return (type == SF_SETTING_NUMBER && value->type == SF_NUMBER) || (type == SF_SETTING_STRING && value->type == SF_STRING) || (type == SF_SETTING_BOOLEAN && value->type == SF_BOOLEAN);
}

/* describe() of settingDecl.ts: strings quoted, cut to 40 UTF-16 units with an ellipsis. */
static void describe(sf_Text* out, const sf_Primitive* value) {
  switch (value->type) {
    case SF_UNDEFINED: sf_text_appendString(out, "undefined"); return;
    case SF_NULL: sf_text_appendString(out, "null"); return;
    case SF_BOOLEAN: sf_text_appendString(out, value->boolean ? "true" : "false"); return;
    case SF_NUMBER: sf_text_appendNumber(out, value->number); return;
    case SF_STRING: {
      if (sf_utf16Count(value->string, value->length) <= DESCRIBED_STRING_UNITS) {
        sf_text_appendJsonString(out, value->string, value->length);
        return;
      }
      uint16_t units[DESCRIBED_STRING_UNITS];
      sf_utf8ToUtf16(value->string, value->length, units, DESCRIBED_STRING_UNITS);
      sf_Text cut;
      sf_text_init(&cut, 0);
      sf_utf16AppendUtf8(&cut, units, DESCRIBED_STRING_UNITS);
      sf_text_appendString(&cut, "\xe2\x80\xa6"); /* … */
      sf_text_appendJsonString(out, cut.data ? cut.data : "", cut.length);
      if (cut.failed) out->failed = true;
      sf_text_free(&cut);
      return;
    }
    default: {
      /* Arrays are "an array", other objects "an object", functions and classes "a function". */
      const char* type = value->string ? value->string : "object";
      if (sf_streq(type, "array")) sf_text_appendString(out, "an array");
      else if (sf_streq(type, "function") || sf_streq(type, "class")) sf_text_appendString(out, "a function");
      else sf_text_appendString(out, "an object");
    }
  }
}

static void appendDefault(sf_Text* out, const sf_SettingDecl* decl) {
  sf_Primitive value = sf_settingDefault(decl);
  if (value.type == SF_STRING) sf_text_appendJsonString(out, value.string, value.length);
  else if (value.type == SF_NUMBER) sf_text_appendNumber(out, value.number);
  else sf_text_appendString(out, value.boolean ? "true" : "false");
}

sf_Primitive sf_settingDefault(const sf_SettingDecl* decl) {
  if (decl->type == SF_SETTING_NUMBER) return sf_number(decl->number);
  if (decl->type == SF_SETTING_BOOLEAN) return sf_boolean(decl->boolean);
  return sf_string(decl->string ? decl->string : "", decl->string ? decl->stringLength : 0);
}

static void range(sf_Text* out, const sf_SettingDecl* decl) {
  if (!decl->hasMin || !decl->hasMax) return;
  sf_text_appendString(out, " (accepted: ");
  sf_text_appendNumber(out, decl->min);
  sf_text_appendString(out, " to ");
  sf_text_appendNumber(out, decl->max);
  sf_text_appendChar(out, ')');
}

static void ofSetting(sf_Text* out, const sf_SettingDecl* decl) {
  sf_text_appendString(out, " of setting \"");
  sf_text_appendString(out, decl->name);
  sf_text_appendChar(out, '"');
}

bool sf_settingValueProblem(const sf_SettingDecl* decl, const sf_Primitive* value, sf_Text* out) {
  const char* type = typeName(decl->type);
  if (!ofType(value, decl->type)) {
    describe(out, value);
    sf_text_appendString(out, " is not a ");
    sf_text_appendString(out, type);
    sf_text_appendString(out, ": setting \"");
    sf_text_appendString(out, decl->name);
    sf_text_appendString(out, "\" holds ");
    sf_text_appendString(out, type);
    sf_text_appendString(out, SF_TX_ITS_DEFAULT_IS);
    appendDefault(out, decl);
    sf_text_appendChar(out, ')');
    return true;
  }
  if (decl->type == SF_SETTING_NUMBER) {
    double n = value->number;
    if (n != n || n - n != 0) {
      describe(out, value);
      sf_text_appendString(out, SF_TX_NOT_FINITE_NUMBER);
      return true;
    }
    if ((decl->hasMin && n < decl->min) || (decl->hasMax && n > decl->max)) {
      bool below = decl->hasMin && n < decl->min;
      sf_text_appendNumber(out, n);
      sf_text_appendString(out, below ? SF_TX_BELOW_MINIMUM : SF_TX_ABOVE_MAXIMUM);
      sf_text_appendNumber(out, below ? decl->min : decl->max);
      ofSetting(out, decl);
      range(out, decl);
      return true;
    }
  }
  if (decl->type == SF_SETTING_STRING) {
    size_t units = sf_utf16Count(value->string, value->length);
    if (units > SF_MAX_SETTING_STRING_LENGTH) {
      sf_text_appendString(out, "a string of ");
      sf_text_appendInt(out, (int64_t)units);
      sf_text_appendString(out, SF_TX_CHARACTERS_TOO_LONG_SETTING);
      sf_text_appendString(out, decl->name);
      sf_text_appendString(out, "\" (at most ");
      sf_text_appendInt(out, SF_MAX_SETTING_STRING_LENGTH);
      sf_text_appendChar(out, ')');
      return true;
    }
  }
  return false;
}

bool sf_settingSetRefused(const sf_SettingDecl* decl, const sf_Primitive* value, sf_Text* out) {
  sf_Text problem;
  sf_text_init(&problem, 0);
  bool refused = sf_settingValueProblem(decl, value, &problem);
  if (refused) {
    sf_text_appendString(out, "setting \"");
    sf_text_appendString(out, decl->name);
    sf_text_appendString(out, "\".set(");
    describe(out, value);
    sf_text_appendString(out, ") refused: ");
    sf_text_append(out, problem.data ? problem.data : "", problem.length);
    sf_text_appendString(out, SF_TX_NOTHING_WAS_CHANGED);
    if (problem.failed) out->failed = true;
  }
  sf_text_free(&problem);
  return refused;
}

int sf_findSetting(const sf_SettingDecls* decls, const char* name, size_t length, sf_Text* problem) {
  for (uint16_t i = 0; i < decls->count; i++) {
    if (sf_strlen(decls->items[i].name) == length && __builtin_memcmp(decls->items[i].name, name, length) == 0) return i;
  }
  sf_text_appendString(problem, SF_TX_UNKNOWN_SETTING);
  sf_text_appendJsonString(problem, name, length);
  sf_text_appendString(problem, SF_TX_THIS_APP_DECLARES);
  if (decls->count == 0) sf_text_appendString(problem, "none");
  for (uint16_t i = 0; i < decls->count; i++) {
    if (i > 0) sf_text_appendString(problem, ", ");
    sf_text_appendChar(problem, '"');
    sf_text_appendString(problem, decls->items[i].name);
    sf_text_appendChar(problem, '"');
  }
  return -1;
}
