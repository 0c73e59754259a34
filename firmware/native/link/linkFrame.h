/*
 * The link's frames on a byte stream (a UART): each frame is COBS-encoded (Consistent Overhead
 * Byte Stuffing: no 0x00 inside) and ends with 0x00, so a receiver that starts mid-stream, or
 * loses bytes, finds the next frame at the next 0x00. Inside, before encoding:
 *
 *   type u8 | seq u8 | ack u8 | session u32 LE | body … | CRC-16/CCITT-FALSE u16 BE
 *
 * The CRC covers everything before it; a frame with a bad CRC or length is dropped (the
 * session's retransmission repairs it). firmware/coprocessor/linkFrame.ts is the host's twin;
 * the README has the table.
 */
#ifndef SF_LINK_FRAME_H
#define SF_LINK_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SF_LINK_HEADER 7
#define SF_LINK_MAX_BODY 300
#define SF_LINK_MAX_FRAME (SF_LINK_HEADER + SF_LINK_MAX_BODY + 2)
/* COBS adds one byte per 254 and the leading code byte; then the 0x00 delimiter. */
#define SF_LINK_MAX_ENCODED (SF_LINK_MAX_FRAME + SF_LINK_MAX_FRAME / 254 + 2)

typedef enum sf_LinkFrameType {
  SF_LINK_DATA = 1,  /* carries a message; acknowledged */
  SF_LINK_ACK = 2,   /* only the ack field */
  SF_LINK_PING = 3,  /* keepalive: nothing to send for a while */
} sf_LinkFrameType;

typedef struct sf_LinkFrame {
  uint8_t type, seq, ack;
  uint32_t session;
  const uint8_t* body;
  size_t bodyLength;
} sf_LinkFrame;

uint16_t sf_crc16(const uint8_t* data, size_t length);

/* Encodes a frame into `out` (at least SF_LINK_MAX_ENCODED bytes), delimiter included; returns
 * the length, 0 when the body is too long. */
size_t sf_linkFrame_encode(const sf_LinkFrame* frame, uint8_t* out);

/* Collects bytes until a delimiter and decodes the frame between. */
typedef struct sf_LinkDecoder {
  uint8_t encoded[SF_LINK_MAX_ENCODED];
  size_t length;
  bool overflow;
  uint8_t decoded[SF_LINK_MAX_FRAME];
  uint32_t badFrames; /* CRC, length or COBS errors: counted, dropped */
} sf_LinkDecoder;

void sf_linkDecoder_init(sf_LinkDecoder* decoder);
/* true when `byte` completed a valid frame (its body points into the decoder until the next
 * call). */
bool sf_linkDecoder_push(sf_LinkDecoder* decoder, uint8_t byte, sf_LinkFrame* frame);

#endif
