#include "jobsClient.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../supervisor/supervisor.h"

void sf_jobs_init(sf_Jobs* jobs, const char* thing, hal_Net* net, void (*log)(void*, const char*), void* logContext) {
  memset(jobs, 0, sizeof *jobs);
  snprintf(jobs->thing, sizeof jobs->thing, "%s", thing);
  snprintf(jobs->prefix, sizeof jobs->prefix, "$aws/things/%s/jobs/", thing);
  jobs->net = net;
  jobs->nextToken = 1;
  jobs->log = log;
  jobs->logContext = logContext;
}

void sf_jobs_free(sf_Jobs* jobs) {
  for (size_t i = 0; i < jobs->count; i++) {
    free(jobs->queue[i].topic);
    free(jobs->queue[i].payload);
  }
  jobs->count = 0;
}

static void say(sf_Jobs* jobs, const char* line) {
  if (jobs->log) jobs->log(jobs->logContext, line);
}

void sf_jobs_subscribe(sf_Jobs* jobs) {
  const char* suffixes[] = {"notify-next", "start-next/accepted", "start-next/rejected", "+/update/rejected"};
  for (size_t i = 0; i < 4; i++) {
    char topic[300];
    snprintf(topic, sizeof topic, "%s%s", jobs->prefix, suffixes[i]);
    jobs->net->ops->subscribe(jobs->net, topic, 1);
  }
}

bool sf_jobs_owns(const sf_Jobs* jobs, const char* topic) { return strncmp(topic, jobs->prefix, strlen(jobs->prefix)) == 0; }

static bool endsWith(const char* s, const char* suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void readExecution(const cJSON* execution, sf_JobsEvent* event) {
  const cJSON* jobId = cJSON_GetObjectItemCaseSensitive(execution, "jobId");
  if (!cJSON_IsString(jobId)) return;
  event->kind = SF_JOBS_EXECUTION;
  snprintf(event->jobId, sizeof event->jobId, "%s", jobId->valuestring);
  const cJSON* number = cJSON_GetObjectItemCaseSensitive(execution, "executionNumber");
  event->executionNumber = cJSON_IsNumber(number) ? (long)number->valuedouble : 0;
  cJSON* document = cJSON_GetObjectItemCaseSensitive(execution, "jobDocument");
  event->document = document ? cJSON_Duplicate(document, 1) : NULL;
}

void sf_jobs_onMessage(sf_Jobs* jobs, const char* topic, const uint8_t* payload, size_t length, sf_JobsEvent* event) {
  memset(event, 0, sizeof *event);
  cJSON* body = cJSON_ParseWithLength((const char*)payload, length);
  if (!cJSON_IsObject(body)) {
    char line[300];
    snprintf(line, sizeof line, "[ota] %s could not be read: not a JSON object", topic);
    say(jobs, line);
    cJSON_Delete(body);
    return;
  }
  const cJSON* execution = cJSON_GetObjectItemCaseSensitive(body, "execution");
  if (endsWith(topic, "/notify-next")) {
    if (cJSON_IsObject(execution)) event->kind = SF_JOBS_NEXT_CHANGED;
  } else if (endsWith(topic, "/start-next/accepted")) {
    if (cJSON_IsObject(execution)) readExecution(execution, event);
  } else if (endsWith(topic, "/rejected")) {
    const cJSON* code = cJSON_GetObjectItemCaseSensitive(body, "code");
    const cJSON* message = cJSON_GetObjectItemCaseSensitive(body, "message");
    event->kind = SF_JOBS_REJECTED;
    snprintf(event->message, sizeof event->message, "%s rejected: %s %s", endsWith(topic, "/update/rejected") ? "job update" : "start-next", cJSON_IsString(code) ? code->valuestring : "?", cJSON_IsString(message) ? message->valuestring : "");
  }
  cJSON_Delete(body);
}

static void pump(sf_Jobs* jobs) {
  if (jobs->stalled || !jobs->net->ops->connected(jobs->net)) return;
  for (size_t i = 0; i < jobs->count; i++) {
    sf_JobsRequest* r = &jobs->queue[i];
    if (r->sent) continue;
    hal_NetResult result = jobs->net->ops->publish(jobs->net, r->topic, (const uint8_t*)r->payload, strlen(r->payload), 1, false, r->token);
    if (result != HAL_NET_OK) return;
    r->sent = true;
  }
}

static void enqueue(sf_Jobs* jobs, const char* suffix, cJSON* body) {
  char* payload = cJSON_PrintUnformatted(body);
  cJSON_Delete(body);
  if (!payload) return;
  if (jobs->count == SF_JOBS_QUEUE) {
    say(jobs, "[ota] too many Jobs requests waiting for the link; the oldest is dropped");
    free(jobs->queue[0].topic);
    free(jobs->queue[0].payload);
    memmove(&jobs->queue[0], &jobs->queue[1], (SF_JOBS_QUEUE - 1) * sizeof jobs->queue[0]);
    jobs->count--;
  }
  sf_JobsRequest* r = &jobs->queue[jobs->count++];
  size_t topicSize = strlen(jobs->prefix) + strlen(suffix) + 1;
  r->topic = malloc(topicSize);
  snprintf(r->topic, topicSize, "%s%s", jobs->prefix, suffix);
  r->payload = payload;
  r->token = SF_TOKEN_FOREIGN | (jobs->nextToken++ & 0x7fffffffu);
  if (jobs->nextToken > 0x7fffffffu) jobs->nextToken = 1;
  r->sent = false;
  pump(jobs);
}

void sf_jobs_startNext(sf_Jobs* jobs) {
  /* A start-next already waiting asks the same question. */
  for (size_t i = 0; i < jobs->count; i++) {
    if (!jobs->queue[i].sent && endsWith(jobs->queue[i].topic, "/start-next")) return;
  }
  enqueue(jobs, "start-next", cJSON_CreateObject());
}

void sf_jobs_update(sf_Jobs* jobs, const char* jobId, const char* status, const char* const* details) {
  cJSON* body = cJSON_CreateObject();
  cJSON_AddStringToObject(body, "status", status);
  cJSON* statusDetails = cJSON_AddObjectToObject(body, "statusDetails");
  for (size_t i = 0; details && details[i] && details[i + 1]; i += 2) {
    /* AWS takes at most 1024 characters per value and no control characters (a reason may
     * quote an app error with line breaks). */
    char value[1025];
    snprintf(value, sizeof value, "%s", details[i + 1]);
    /* A cut must not split a UTF-8 sequence. */
    for (size_t n = strlen(value); n > 0 && ((unsigned char)details[i + 1][n] & 0xC0) == 0x80; n--) value[n - 1] = '\0';
    for (char* c = value; *c; c++) {
      if ((unsigned char)*c < 0x20 || *c == 0x7f) *c = ' ';
    }
    cJSON_AddStringToObject(statusDetails, details[i], value[0] ? value : "-");
  }
  char suffix[120];
  snprintf(suffix, sizeof suffix, "%.64s/update", jobId);
  enqueue(jobs, suffix, body);
}

void sf_jobs_onConnected(sf_Jobs* jobs) {
  jobs->stalled = false;
  pump(jobs);
}

void sf_jobs_onPublished(sf_Jobs* jobs, uint32_t token, bool delivered) {
  for (size_t i = 0; i < jobs->count; i++) {
    sf_JobsRequest* r = &jobs->queue[i];
    if (r->token != token) continue;
    if (!delivered) {
      /* Sent again, in order, after the next reconnect. */
      r->sent = false;
      jobs->stalled = true;
      return;
    }
    free(r->topic);
    free(r->payload);
    memmove(&jobs->queue[i], &jobs->queue[i + 1], (jobs->count - i - 1) * sizeof jobs->queue[0]);
    jobs->count--;
    pump(jobs);
    return;
  }
}

size_t sf_jobs_pending(const sf_Jobs* jobs) { return jobs->count; }
