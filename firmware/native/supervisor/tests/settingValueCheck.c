/* Prints what supervisor/settingValue.c says of values, for firmware/native/supervisor/
 * settingValue.test.ts to compare with core/settings/settingDecl.ts:
 *
 *   settingValueCheck MANIFEST.json < CASES
 * CASES: one per line, `INDEX<TAB>VALUE` (VALUE is JSON, or `undefined`) or `?<TAB>NAME`.
 * Prints per line: `ok` or the problem; then a tab and set()'s refusal (or `ok`); for `?`, the
 * index or the problem. A manifest the reader refuses prints `manifest: ...` and exits 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../settingValue.h"
#include "json.h"

static char* readFile(const char* path, size_t* length) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  char* data = malloc(1 << 20);
  *length = fread(data, 1, (1 << 20) - 1, f);
  data[*length] = 0;
  fclose(f);
  return data;
}

static sf_Primitive primitive(const sf_JsonDocument* d, const sf_JsonNode* n) {
  sf_Primitive p = sf_undefined();
  switch (n->type) {
    case SF_JSON_NULL: p.type = SF_NULL; return p;
    case SF_JSON_TRUE: return sf_boolean(true);
    case SF_JSON_FALSE: return sf_boolean(false);
    case SF_JSON_NUMBER: return sf_number(n->number);
    case SF_JSON_STRING: return sf_string(sf_json_string(d, n), n->stringLength);
    case SF_JSON_ARRAY: p.type = SF_UNREPRESENTABLE; p.string = "array"; return p;
    default: p.type = SF_UNREPRESENTABLE; p.string = "object"; return p;
  }
}

int main(int argc, char** argv) {
  size_t length;
  char* manifest = argc == 2 ? readFile(argv[1], &length) : NULL;
  if (!manifest) {
    fprintf(stderr, "usage: settingValueCheck MANIFEST.json < CASES\n");
    return 2;
  }
  sf_SettingDecls decls;
  sf_Text error;
  sf_text_init(&error, 0);
  if (!sf_manifest_parseSettings(manifest, length, &decls, &error)) {
    printf("%s\n", error.data ? error.data : "");
    return 1;
  }
  static char line[1 << 16];
  while (fgets(line, sizeof line, stdin)) {
    size_t n = strlen(line);
    if (n && line[n - 1] == '\n') line[--n] = 0;
    char* tab = strchr(line, '\t');
    if (!tab) continue;
    *tab = 0;
    const char* rest = tab + 1;
    sf_Text out;
    sf_text_init(&out, 0);
    if (strcmp(line, "?") == 0) {
      int index = sf_findSetting(&decls, rest, strlen(rest), &out);
      if (index >= 0) printf("%d\n", index);
      else printf("%s\n", out.data);
    } else {
      const sf_SettingDecl* decl = &decls.items[atoi(line)];
      sf_JsonDocument d;
      sf_json_init(&d);
      sf_Primitive value = sf_undefined();
      if (strcmp(rest, "undefined") != 0) {
        if (!sf_json_parse(&d, rest, strlen(rest), NULL)) return 3;
        value = primitive(&d, &d.nodes[0]);
      }
      if (sf_settingValueProblem(decl, &value, &out)) printf("%s\t", out.data);
      else printf("ok\t");
      sf_text_clear(&out);
      if (sf_settingSetRefused(decl, &value, &out)) printf("%s\n", out.data);
      else printf("ok\n");
      sf_json_free(&d);
    }
    sf_text_free(&out);
  }
  sf_text_free(&error);
  sf_settingDecls_free(&decls);
  free(manifest);
  return 0;
}
