#include "linkFrame.h"

uint16_t sf_crc16(const uint8_t* data, size_t length) {
  uint16_t crc = 0xFFFF; /* CRC-16/CCITT-FALSE: polynomial 0x1021, no reflection */
  for (size_t i = 0; i < length; i++) {
    crc ^= (uint16_t)(data[i] << 8);
    for (int bit = 0; bit < 8; bit++) crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
  }
  return crc;
}

size_t sf_linkFrame_encode(const sf_LinkFrame* f, uint8_t* out) {
  if (f->bodyLength > SF_LINK_MAX_BODY) return 0;
  uint8_t raw[SF_LINK_MAX_FRAME];
  raw[0] = f->type;
  raw[1] = f->seq;
  raw[2] = f->ack;
  for (int i = 0; i < 4; i++) raw[3 + i] = (uint8_t)(f->session >> (8 * i));
  for (size_t i = 0; i < f->bodyLength; i++) raw[SF_LINK_HEADER + i] = f->body[i];
  size_t n = SF_LINK_HEADER + f->bodyLength;
  uint16_t crc = sf_crc16(raw, n);
  raw[n++] = (uint8_t)(crc >> 8);
  raw[n++] = (uint8_t)crc;
  /* COBS: each block starts with the distance to the next zero (or 0xFF: 254 bytes, no zero). */
  size_t o = 0, codeAt = o++;
  uint8_t code = 1;
  for (size_t i = 0; i < n; i++) {
    if (raw[i] == 0) {
      out[codeAt] = code;
      codeAt = o++;
      code = 1;
    } else {
      out[o++] = raw[i];
      if (++code == 0xFF) {
        out[codeAt] = code;
        codeAt = o++;
        code = 1;
      }
    }
  }
  out[codeAt] = code;
  out[o++] = 0;
  return o;
}

void sf_linkDecoder_init(sf_LinkDecoder* d) {
  d->length = 0;
  d->overflow = false;
  d->badFrames = 0;
}

static bool decode(sf_LinkDecoder* d, sf_LinkFrame* f) {
  size_t o = 0;
  for (size_t i = 0; i < d->length;) {
    uint8_t code = d->encoded[i++];
    /* a block holds code - 1 bytes, then a zero unless it is the last: a frame of the largest
     * body fills `decoded` exactly */
    if (code == 0 || i + code - 1 > d->length || o + code - 1 > sizeof d->decoded) return false;
    for (uint8_t k = 1; k < code; k++) d->decoded[o++] = d->encoded[i++];
    if (code < 0xFF && i < d->length) {
      if (o == sizeof d->decoded) return false;
      d->decoded[o++] = 0;
    }
  }
  if (o < SF_LINK_HEADER + 2) return false;
  uint16_t crc = (uint16_t)(d->decoded[o - 2] << 8 | d->decoded[o - 1]);
  if (sf_crc16(d->decoded, o - 2) != crc) return false;
  f->type = d->decoded[0];
  f->seq = d->decoded[1];
  f->ack = d->decoded[2];
  f->session = (uint32_t)d->decoded[3] | (uint32_t)d->decoded[4] << 8 | (uint32_t)d->decoded[5] << 16 | (uint32_t)d->decoded[6] << 24;
  f->body = d->decoded + SF_LINK_HEADER;
  f->bodyLength = o - 2 - SF_LINK_HEADER;
  return f->type >= SF_LINK_DATA && f->type <= SF_LINK_PING;
}

bool sf_linkDecoder_push(sf_LinkDecoder* d, uint8_t byte, sf_LinkFrame* f) {
  if (byte != 0) {
    if (d->length < sizeof d->encoded) d->encoded[d->length++] = byte;
    else d->overflow = true;
    return false;
  }
  bool ok = d->length > 0 && !d->overflow && decode(d, f);
  if (!ok && (d->length > 0 || d->overflow)) d->badFrames++;
  d->length = 0;
  d->overflow = false;
  return ok;
}
