/* MQTT topics (core/contracts/topics.ts): up sf/{app}/{thing}/{channel}/up, down .../down,
 * broadcast sf/{app}/_all/{channel}/down, status sf/{app}/{thing}/_status, logs
 * sf/{app}/{thing}/_log/up. Each writes the topic into `out` (cleared first). */
#ifndef SF_TOPICS_H
#define SF_TOPICS_H

#include "../core/textBuffer.h"

void sf_topic_up(sf_Text* out, const char* app, const char* thing, const char* channel);
void sf_topic_down(sf_Text* out, const char* app, const char* thing, const char* channel);
void sf_topic_broadcastDown(sf_Text* out, const char* app, const char* channel);
void sf_topic_status(sf_Text* out, const char* app, const char* thing);
void sf_topic_log(sf_Text* out, const char* app, const char* thing);

#endif
