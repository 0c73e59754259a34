#include "offlinesSentHere.h"

#include <stdio.h>
#include <string.h>

void sf_offlinesSentHere_add(sf_OfflinesSentHere* sent, const char* bootId) {
  snprintf(sent->bootIds[sent->next], sizeof sent->bootIds[0], "%s", bootId);
  sent->next = (sent->next + 1) % SF_OFFLINES_SENT_HERE;
}

bool sf_offlinesSentHere_has(const sf_OfflinesSentHere* sent, const char* bootId) {
  /* An empty id is never a boot's: empty slots match nothing. */
  if (!bootId[0]) return false;
  for (size_t i = 0; i < SF_OFFLINES_SENT_HERE; i++) {
    if (strncmp(sent->bootIds[i], bootId, SF_OFFLINES_SENT_HERE_BOOT_ID_MAX) == 0) return true;
  }
  return false;
}

void sf_offlinesSentHere_forget(sf_OfflinesSentHere* sent) { memset(sent, 0, sizeof *sent); }
