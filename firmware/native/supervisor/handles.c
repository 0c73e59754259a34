#include "handles.h"

void sf_handles_init(sf_HandleTable* t) {
  t->next = 1;
  t->count = 0;
}

static int find(const sf_HandleTable* t, int32_t handle) {
  for (int i = 0; i < t->count; i++)
    if (t->handles[i] == handle) return i;
  return -1;
}

int32_t sf_handles_open(sf_HandleTable* t, const sf_Resource* resource) {
  if (t->count >= SF_MAX_OPEN_HANDLES) return 0;
  int32_t h = t->next;
  while (h == 0 || find(t, h) >= 0) h = h >= SF_MAX_HANDLE ? 1 : h + 1;
  t->next = h >= SF_MAX_HANDLE ? 1 : h + 1;
  t->handles[t->count] = h;
  t->resources[t->count] = *resource;
  t->count++;
  return h;
}

sf_Resource* sf_handles_get(sf_HandleTable* t, double handle) {
  if (!(handle >= 1 && handle <= SF_MAX_HANDLE) || handle != (double)(int32_t)handle) return 0;
  int i = find(t, (int32_t)handle);
  return i < 0 ? 0 : &t->resources[i];
}

bool sf_handles_close(sf_HandleTable* t, int32_t handle) {
  int i = find(t, handle);
  if (i < 0) return false;
  t->count--;
  t->handles[i] = t->handles[t->count];
  t->resources[i] = t->resources[t->count];
  return true;
}
