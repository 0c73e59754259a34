/* The AWS IoT Jobs MQTT API as the device speaks it (docs/aws-iot.md; the same topics and
 * payloads as aws-iot-device-sdk-v2's iotjobs client in firmware/ota/otaAgent.ts):
 * subscribe to notify-next, start-next/accepted|rejected and +/update/rejected; ask with
 * start-next, report with {jobId}/update. Requests wait here while offline and go out in order
 * (an IN_PROGRESS step must not overtake the FAILED that follows it). */
#ifndef SF_POSIX_JOBS_CLIENT_H
#define SF_POSIX_JOBS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "../../../hal/net.h"

#define SF_JOBS_QUEUE 16

typedef enum sf_JobsEventKind {
  SF_JOBS_NOTHING = 0,
  /* notify-next named an execution: ask with start-next. */
  SF_JOBS_NEXT_CHANGED,
  /* start-next answered with an execution to run (jobId, executionNumber, document). */
  SF_JOBS_EXECUTION,
  /* A request was rejected (message). */
  SF_JOBS_REJECTED,
} sf_JobsEventKind;

typedef struct sf_JobsEvent {
  sf_JobsEventKind kind;
  char jobId[65];
  long executionNumber;
  /* Owned by the event: cJSON_Delete it (NULL when absent). */
  cJSON* document;
  char message[400];
} sf_JobsEvent;

typedef struct sf_JobsRequest {
  char* topic;
  char* payload;
  uint32_t token;
  bool sent;
} sf_JobsRequest;

typedef struct sf_Jobs {
  char thing[129];
  char prefix[200];
  hal_Net* net;
  sf_JobsRequest queue[SF_JOBS_QUEUE];
  size_t count;
  uint32_t nextToken;
  bool stalled;
  void (*log)(void* context, const char* line);
  void* logContext;
} sf_Jobs;

void sf_jobs_init(sf_Jobs* jobs, const char* thing, hal_Net* net, void (*log)(void*, const char*), void* logContext);
void sf_jobs_free(sf_Jobs* jobs);
/* Registers the four subscriptions (the network keeps them across reconnects). */
void sf_jobs_subscribe(sf_Jobs* jobs);
bool sf_jobs_owns(const sf_Jobs* jobs, const char* topic);
/* Reads a message on a Jobs topic into `event`. */
void sf_jobs_onMessage(sf_Jobs* jobs, const char* topic, const uint8_t* payload, size_t length, sf_JobsEvent* event);
void sf_jobs_onConnected(sf_Jobs* jobs);
/* For tokens with SF_TOKEN_FOREIGN (INTERFACES.md). */
void sf_jobs_onPublished(sf_Jobs* jobs, uint32_t token, bool delivered);
void sf_jobs_startNext(sf_Jobs* jobs);
/* status: IN_PROGRESS, SUCCEEDED, FAILED, REJECTED; details: NULL-terminated key, value pairs
 * (AWS caps each value at 1024 characters: longer ones are cut). */
void sf_jobs_update(sf_Jobs* jobs, const char* jobId, const char* status, const char* const* details);
/* Requests not yet acknowledged. */
size_t sf_jobs_pending(const sf_Jobs* jobs);

#endif
