#include "envelope.h"

#include "../core/utf16.h"
#include "../core/valueTokens.h"
#include "sf_deviceTexts.h"

#define SF_MAX_SAFE_INTEGER 9007199254740991LL /* Number.MAX_SAFE_INTEGER */

void sf_envelope_encode(sf_Text* out, const char* bootId, uint32_t seq, const char* valueJson, size_t valueLength, int64_t now, uint32_t previousOnTopic) {
  sf_text_appendString(out, "{\"id\":\"");
  sf_text_appendString(out, bootId);
  sf_text_appendChar(out, ':');
  sf_text_appendInt(out, seq);
  sf_text_appendString(out, "\",\"v\":");
  sf_text_append(out, valueJson, valueLength);
  sf_text_appendString(out, ",\"t\":");
  sf_text_appendInt(out, now);
  sf_text_appendString(out, ",\"p\":");
  sf_text_appendInt(out, previousOnTopic);
  sf_text_appendChar(out, '}');
}

/* text.slice(0, 80): the first 80 UTF-16 units. */
static void appendStart(sf_Text* out, const char* text, size_t length) {
  size_t end = 0, units = 0;
  while (end < length && units < 80) {
    size_t next = end + 1;
    while (next < length && ((unsigned char)text[next] & 0xC0) == 0x80) next++;
    units += sf_utf16Count(text + end, next - end);
    end = next;
  }
  sf_text_append(out, text, end);
}

bool sf_envelope_decode(sf_JsonDocument* d, const char* payload, size_t length, sf_Envelope* out, sf_Text* error) {
  if (!sf_json_parse(d, payload, length, 0)) {
    sf_text_appendString(error, SF_TX_MESSAGE_NOT_JSON);
    appendStart(error, payload, length);
    return false;
  }
  const sf_JsonNode* root = &d->nodes[0];
  const sf_JsonNode* id = sf_json_member(d, root, "id");
  const sf_JsonNode* t = sf_json_member(d, root, "t");
  const sf_JsonNode* v = sf_json_member(d, root, "v");
  bool ok = id && id->type == SF_JSON_STRING && t && t->type == SF_JSON_NUMBER && v;
  if (ok) {
    /* /^[^:]+:\d+$/ */
    const char* s = sf_json_string(d, id);
    size_t n = id->stringLength, colon = 0;
    while (colon < n && s[colon] != ':') colon++;
    ok = colon > 0 && colon + 1 < n;
    int64_t seq = 0;
    bool tooLarge = false;
    for (size_t i = colon + 1; ok && i < n; i++) {
      if (s[i] < '0' || s[i] > '9') ok = false;
      else if (!tooLarge && (seq = seq * 10 + (s[i] - '0')) > SF_MAX_SAFE_INTEGER) tooLarge = true;
    }
    if (ok && (tooLarge || seq < 1)) {
      /* the wording of decodeEnvelope: senders number from 1, receivers count on whole numbers */
      sf_text_appendString(error, "envelope ");
      sf_text_appendJsonString(error, s, n);
      sf_text_appendString(error, SF_TX_SEQ_MUST_BE_WHOLE_NUMBER);
      appendStart(error, payload, length);
      return false;
    }
    if (ok) {
      out->bootId = s;
      out->bootIdLength = colon;
      out->idLength = n;
      out->seq = seq;
      out->previous = 0;
      out->value = (int32_t)(v - d->nodes);
    }
  }
  if (!ok) {
    sf_text_appendString(error, SF_TX_MESSAGE_NOT_SNAPFLEET_ENVELOPE_ID);
    appendStart(error, payload, length);
    return false;
  }
  const sf_JsonNode* p = sf_json_member(d, root, "p");
  if (p) {
    /* Number.isSafeInteger(p) && p >= 0 && p < seq */
    double x = p->number;
    if (p->type != SF_JSON_NUMBER || !(x >= 0 && x <= 9007199254740991.0) || x != (double)(int64_t)x || (int64_t)x >= out->seq) {
      sf_text_appendString(error, "envelope ");
      sf_text_appendJsonString(error, out->bootId, out->idLength);
      sf_text_appendString(error, SF_TX_P_SENDER_S_PREVIOUS_SEQ);
      sf_json_stringify(d, (int32_t)(p - d->nodes), error);
      sf_text_appendString(error, ": ");
      appendStart(error, payload, length);
      return false;
    }
    out->previous = (int64_t)x;
  }
  return true;
}
