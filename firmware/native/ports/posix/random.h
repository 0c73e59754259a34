#ifndef SF_POSIX_RANDOM_H
#define SF_POSIX_RANDOM_H

#include "../../hal/random.h"

typedef struct sf_PosixRandom {
  hal_Random base;
} sf_PosixRandom;

void sf_posixRandom_init(sf_PosixRandom* random);

#endif
