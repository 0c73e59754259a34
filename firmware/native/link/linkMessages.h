/*
 * The messages the link carries (the body of a DATA frame, linkSession.h): the first byte is the
 * type, numbers are little-endian, strings are not NUL-terminated unless said.
 * firmware/coprocessor/linkMessages.ts is the host's twin (its test reads this header, so the
 * numbers can't drift).
 *
 * MCU → co-processor
 *   PUBLISH      token u32 | qos u8 | retain u8 | topic length u16 | topic | payload
 *   SUBSCRIBE    qos u8 | topic
 *   UNSUBSCRIBE  topic
 *   OTA_REPLY    kind u8 (SF_OTA_REPLY_*) | job id NUL | reason text
 * co-processor → MCU
 *   MQTT_STATE   up u8 (the co-processor's MQTT session; the MCU is online when the link and it are up)
 *   MESSAGE      topic length u16 | topic | payload
 *   PUBLISHED    token u32 | delivered u8 (after the broker's PUBACK for QoS 1)
 *   PIN          "PIN=MODEL" (the simulated board's inputs, as --pin)
 *   OTA_OFFER    size u32 | job id NUL | version NUL | engine NUL | sha256 (64 hex)
 *   OTA_CHUNK    offset u32 | bytes
 *   OTA_END      (nothing): the MCU verifies size and SHA-256 itself, then stages and boots
 */
#ifndef SF_LINK_MESSAGES_H
#define SF_LINK_MESSAGES_H

typedef enum sf_LinkMessageType {
  SF_LINK_MSG_PUBLISH = 0x01,
  SF_LINK_MSG_SUBSCRIBE = 0x02,
  SF_LINK_MSG_UNSUBSCRIBE = 0x03,
  SF_LINK_MSG_OTA_REPLY = 0x04,
  SF_LINK_MSG_MQTT_STATE = 0x81,
  SF_LINK_MSG_MESSAGE = 0x82,
  SF_LINK_MSG_PUBLISHED = 0x83,
  SF_LINK_MSG_PIN = 0x84,
  SF_LINK_MSG_OTA_OFFER = 0x85,
  SF_LINK_MSG_OTA_CHUNK = 0x86,
  SF_LINK_MSG_OTA_END = 0x87,
} sf_LinkMessageType;

typedef enum sf_LinkOtaReply {
  SF_OTA_REPLY_PROCEED = 0,          /* send the chunks */
  SF_OTA_REPLY_ALREADY_INSTALLED = 1, /* SUCCEEDED without a download */
  SF_OTA_REPLY_REJECTED = 2,
  SF_OTA_REPLY_SUCCEEDED = 3,        /* the trial passed */
  SF_OTA_REPLY_FAILED = 4,           /* verification, start or trial failed; reason given */
} sf_LinkOtaReply;

#endif
