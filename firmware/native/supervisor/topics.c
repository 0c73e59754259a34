#include "topics.h"

static void build(sf_Text* out, const char* app, const char* thing, const char* channel, const char* tail) {
  sf_text_clear(out);
  sf_text_appendString(out, "sf/");
  sf_text_appendString(out, app);
  sf_text_appendChar(out, '/');
  sf_text_appendString(out, thing);
  if (channel) {
    sf_text_appendChar(out, '/');
    sf_text_appendString(out, channel);
  }
  sf_text_appendString(out, tail);
}

void sf_topic_up(sf_Text* out, const char* app, const char* thing, const char* channel) {
  build(out, app, thing, channel, "/up");
}

void sf_topic_down(sf_Text* out, const char* app, const char* thing, const char* channel) {
  build(out, app, thing, channel, "/down");
}

void sf_topic_broadcastDown(sf_Text* out, const char* app, const char* channel) {
  build(out, app, "_all", channel, "/down");
}

void sf_topic_status(sf_Text* out, const char* app, const char* thing) {
  build(out, app, thing, 0, "/_status");
}

void sf_topic_log(sf_Text* out, const char* app, const char* thing) {
  build(out, app, thing, 0, "/_log/up");
}
