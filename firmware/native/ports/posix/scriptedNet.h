/* A network without a network (firmware/transport.ts's InMemoryTransport): every publish is
 * handed to `onPublish` (the program prints it), the script plays the broker with
 * sf_scriptedNet_inject and drives outages with sf_scriptedNet_setConnected. Publishing while
 * offline is refused. Outcomes and messages are delivered from poll, as hal/net.h requires. */
#ifndef SF_SCRIPTED_NET_H
#define SF_SCRIPTED_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../hal/net.h"

typedef struct sf_ScriptedNet sf_ScriptedNet;

sf_ScriptedNet* sf_scriptedNet_create(void (*onPublish)(void* context, const char* topic, const uint8_t* payload, size_t length, uint8_t qos, bool retain),
                                      void* context);
void sf_scriptedNet_destroy(sf_ScriptedNet* net);
hal_Net* sf_scriptedNet_hal(sf_ScriptedNet* net);
/* Queues a message for a subscribed topic (exact match; others are ignored, as the in-memory
 * transport does). */
void sf_scriptedNet_inject(sf_ScriptedNet* net, const char* topic, const char* payload, size_t length);
void sf_scriptedNet_setConnected(sf_ScriptedNet* net, bool connected);
/* Events waiting for the next poll. */
bool sf_scriptedNet_pending(const sf_ScriptedNet* net);

#endif
