#include "manifest.h"

#include "json.h"
#include "../hal/platform.h"
#include "textBuffer.h"
#include "sf_deviceTexts.h"

static bool fail(char* error, size_t size, const char* message) {
  sf_strcpy(error, message, size);
  return false;
}

static bool copyString(const sf_JsonDocument* d, const sf_JsonNode* n, char* out, size_t size) {
  if (!n || n->type != SF_JSON_STRING || n->stringLength >= size) return false;
  sf_strcpy(out, sf_json_string(d, n), size);
  return true;
}

bool sf_manifest_parse(const char* json, size_t length, sf_Manifest* out, char* error, size_t errorSize) {
  sf_JsonDocument d;
  sf_json_init(&d);
  sf_Text problem;
  sf_text_init(&problem, 0);
  bool ok = sf_json_parse(&d, json, length, &problem);
  if (!ok) {
    sf_strcpy(error, SF_TX_MANIFEST_NOT_JSON, errorSize);
    size_t used = sf_strlen(error);
    sf_strcpy(error + used, problem.data ? problem.data : "", errorSize - used);
  }
  sf_text_free(&problem);
  if (!ok) {
    sf_json_free(&d);
    return false;
  }
  __builtin_memset(out, 0, sizeof *out);
  const sf_JsonNode* root = &d.nodes[0];
  const sf_JsonNode* board = sf_json_member(&d, root, "board");
  const sf_JsonNode* channels = sf_json_member(&d, root, "channels");
  const sf_JsonNode* snapshots = sf_json_member(&d, root, "snapshots");
  const sf_JsonNode* device = sf_json_member(&d, snapshots, "device");
  const sf_JsonNode* size = sf_json_member(&d, device, "size");
  if (!copyString(&d, sf_json_member(&d, root, "app"), out->app, sizeof out->app)) ok = fail(error, errorSize, SF_TX_MANIFEST_APP_MUST_BE_NAME);
  else if (!copyString(&d, sf_json_member(&d, root, "version"), out->version, sizeof out->version)) ok = fail(error, errorSize, SF_TX_MANIFEST_VERSION_MUST_BE_SHA256);
  else if (board && board->type != SF_JSON_NULL && !copyString(&d, board, out->board, sizeof out->board)) ok = fail(error, errorSize, SF_TX_MANIFEST_BOARD_MUST_BE_NAME);
  else if (!copyString(&d, sf_json_member(&d, device, "sha256"), out->deviceSha256, sizeof out->deviceSha256) || !size || size->type != SF_JSON_NUMBER)
    ok = fail(error, errorSize, SF_TX_MANIFEST_SNAPSHOTS_DEVICE_NEEDS_SHA256);
  else if (!channels || channels->type != SF_JSON_ARRAY) ok = fail(error, errorSize, SF_TX_MANIFEST_CHANNELS_MUST_BE_ARRAY);
  if (ok) {
    out->deviceSize = (uint32_t)size->number;
    for (int32_t c = channels->firstChild; ok && c != SF_JSON_NONE; c = d.nodes[c].next) {
      if (out->channelCount == SF_MAX_CHANNELS) {
        ok = fail(error, errorSize, SF_TX_MANIFEST_MORE_CHANNELS_THAN_THIS SF_LIMIT_TEXT(SF_MAX_CHANNELS) ")");
        break;
      }
      sf_ChannelDecl* decl = &out->channels[out->channelCount];
      const sf_JsonNode* channel = &d.nodes[c];
      const sf_JsonNode* qos = sf_json_member(&d, channel, "qos");
      const sf_JsonNode* direction = sf_json_member(&d, channel, "direction");
      if (!copyString(&d, sf_json_member(&d, channel, "name"), decl->name, sizeof decl->name)) {
        ok = fail(error, errorSize, SF_TX_MANIFEST_CHANNEL_HAS_NO_NAME);
        break;
      }
      decl->qos = qos && qos->type == SF_JSON_NUMBER && qos->number == 1 ? 1 : 0;
      decl->direction = SF_DIRECTION_BOTH;
      if (direction && direction->type == SF_JSON_STRING) {
        const char* text = sf_json_string(&d, direction);
        if (sf_streq(text, "device-to-server")) decl->direction = SF_DIRECTION_DEVICE_TO_SERVER;
        else if (sf_streq(text, "server-to-device")) decl->direction = SF_DIRECTION_SERVER_TO_DEVICE;
      }
      out->channelCount++;
    }
  }
  const sf_JsonNode* pins = sf_json_member(&d, root, "pins");
  for (int32_t c = pins && pins->type == SF_JSON_ARRAY ? pins->firstChild : SF_JSON_NONE; ok && c != SF_JSON_NONE; c = d.nodes[c].next) {
    if (out->pinCount == SF_MAX_PINS) {
      ok = fail(error, errorSize, SF_TX_MANIFEST_MORE_PINS_THAN_THIS SF_LIMIT_TEXT(SF_MAX_PINS) ")");
      break;
    }
    sf_PinDecl* decl = &out->pins[out->pinCount];
    const sf_JsonNode* kind = sf_json_member(&d, &d.nodes[c], "kind");
    if (!copyString(&d, sf_json_member(&d, &d.nodes[c], "name"), decl->name, sizeof decl->name)) {
      ok = fail(error, errorSize, SF_TX_MANIFEST_PIN_HAS_NO_NAME);
      break;
    }
    decl->digital = kind && kind->type == SF_JSON_STRING && sf_streq(sf_json_string(&d, kind), "digital");
    out->pinCount++;
  }
  sf_json_free(&d);
  return ok;
}

static bool readSetting(const sf_JsonDocument* d, const sf_JsonNode* node, sf_SettingDecl* decl, sf_Text* error) {
  const sf_JsonNode* value = sf_json_member(d, node, "default");
  const sf_JsonNode* min = sf_json_member(d, node, "min");
  const sf_JsonNode* max = sf_json_member(d, node, "max");
  if (!copyString(d, sf_json_member(d, node, "name"), decl->name, sizeof decl->name)) {
    sf_text_appendString(error, SF_TX_MANIFEST_SETTING_HAS_NO_NAME);
    return false;
  }
  if (!value || (value->type != SF_JSON_NUMBER && value->type != SF_JSON_STRING && value->type != SF_JSON_TRUE && value->type != SF_JSON_FALSE)) {
    sf_text_appendString(error, SF_TX_MANIFEST_SETTING);
    sf_text_appendString(error, decl->name);
    sf_text_appendString(error, SF_TX_HAS_NO_DEFAULT_NUMBER_STRING);
    return false;
  }
  if (value->type == SF_JSON_NUMBER) {
    decl->type = SF_SETTING_NUMBER;
    decl->number = value->number;
  } else if (value->type == SF_JSON_STRING) {
    decl->type = SF_SETTING_STRING;
    decl->stringLength = value->stringLength;
    decl->string = hal_malloc(value->stringLength + 1);
    if (!decl->string) {
      sf_text_appendString(error, SF_TX_MANIFEST_OUT_MEMORY_SETTINGS);
      return false;
    }
    __builtin_memcpy(decl->string, sf_json_string(d, value), value->stringLength + 1);
  } else {
    decl->type = SF_SETTING_BOOLEAN;
    decl->boolean = value->type == SF_JSON_TRUE;
  }
  decl->hasMin = min && min->type == SF_JSON_NUMBER;
  decl->hasMax = max && max->type == SF_JSON_NUMBER;
  if (decl->hasMin) decl->min = min->number;
  if (decl->hasMax) decl->max = max->number;
  return true;
}

bool sf_manifest_parseSettings(const char* json, size_t length, sf_SettingDecls* out, sf_Text* error) {
  out->items = 0;
  out->count = 0;
  sf_JsonDocument d;
  sf_json_init(&d);
  if (!sf_json_parse(&d, json, length, error)) {
    sf_json_free(&d);
    return false;
  }
  const sf_JsonNode* settings = sf_json_member(&d, &d.nodes[0], "settings");
  bool ok = true;
  uint16_t count = 0;
  for (int32_t c = settings && settings->type == SF_JSON_ARRAY ? settings->firstChild : SF_JSON_NONE; c != SF_JSON_NONE; c = d.nodes[c].next) count++;
  if (count > SF_MAX_SETTINGS) {
    sf_text_appendString(error, SF_TX_MANIFEST_MORE_SETTINGS_THAN_APP);
    ok = false;
  } else if (count > 0) {
    out->items = hal_malloc(count * sizeof *out->items);
    if (!out->items) {
      sf_text_appendString(error, SF_TX_MANIFEST_OUT_MEMORY_SETTINGS);
      ok = false;
    } else {
      __builtin_memset(out->items, 0, count * sizeof *out->items);
      for (int32_t c = settings->firstChild; ok && c != SF_JSON_NONE; c = d.nodes[c].next) {
        ok = readSetting(&d, &d.nodes[c], &out->items[out->count], error);
        out->count++;
      }
    }
  }
  sf_json_free(&d);
  if (!ok) sf_settingDecls_free(out);
  return ok;
}

void sf_settingDecls_free(sf_SettingDecls* decls) {
  for (uint16_t i = 0; i < decls->count; i++) hal_free(decls->items[i].string);
  hal_free(decls->items);
  decls->items = 0;
  decls->count = 0;
}
