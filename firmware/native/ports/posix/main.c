/* snapfleet-device: the native POSIX device.
 *   snapfleet-device run --build DIR [--thing NAME] [--pin PIN=MODEL]... [--instruction-budget N]
 *                        [--seconds N] [--script FILE|-] [--boot-id ID]
 *   snapfleet-device connect ...   (the networked mode, ports/posix/net/networkMain.c)
 *   snapfleet-device download      (its OTA download's child process, request on stdin)
 * `run` without --script is run-device (real time); with --script, the scripted mode. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runDeviceMode.h"
#include "scriptMode.h"

#define MAX_PINS 64

/* The networked mode (native-net's ports/posix/net/networkMain.c); argv[0] is "connect", or
 * "download": its OTA download's child process (ports/posix/net/downloadProcess.h). */
int sf_networkMain(int argc, char** argv);

static int usage(const char* problem) {
  if (problem) fprintf(stderr, "snapfleet-device: %s\n", problem);
  fprintf(stderr,
          "usage: snapfleet-device run --build DIR [--thing NAME] [--pin PIN=MODEL]... [--instruction-budget N] [--seconds N] [--script FILE|-] [--boot-id ID]\n"
          "       snapfleet-device connect --help\n");
  return 2;
}

/* A thing name: lowercase letters, digits and '-' (core/contracts/names.ts). */
static bool validName(const char* name) {
  size_t n = strlen(name);
  if (n == 0 || n > 63) return false;
  for (size_t i = 0; i < n; i++)
    if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') || name[i] == '-')) return false;
  return true;
}

static int run(int argc, char** argv) {
  sf_LocalDeviceOptions o = {0};
  const char* pins[MAX_PINS];
  const char* script = NULL;
  double seconds = 0;
  o.thing = "sim-1";
  for (int i = 0; i < argc; i++) {
    const char* flag = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(flag, "--help") == 0 || strcmp(flag, "-h") == 0) return usage(NULL), 0;
    if (!value) return usage("every option takes a value");
    i++;
    if (strcmp(flag, "--build") == 0) o.buildDir = value;
    else if (strcmp(flag, "--thing") == 0) o.thing = value;
    else if (strcmp(flag, "--script") == 0) script = value;
    else if (strcmp(flag, "--boot-id") == 0) o.bootId = value;
    else if (strcmp(flag, "--pin") == 0) {
      if (o.pinCount == MAX_PINS) return usage("too many --pin options");
      pins[o.pinCount++] = value;
    } else if (strcmp(flag, "--seconds") == 0) {
      char* end;
      seconds = strtod(value, &end);
      if (*end || !(seconds > 0)) return usage("--seconds must be a positive number");
    } else if (strcmp(flag, "--instruction-budget") == 0) {
      char* end;
      long long n = strtoll(value, &end, 10);
      if (*end || n < 0 || n > 0x7fffffffLL) return usage("--instruction-budget must be a whole number from 0 (no limit) to 2147483647");
      o.instructionBudget = n == 0 ? -1 : (int32_t)n;
    } else {
      char problem[200];
      snprintf(problem, sizeof problem, "unknown option %s", flag);
      return usage(problem);
    }
  }
  if (!o.buildDir) return usage("--build DIR is required (the directory snapfleet build wrote)");
  if (!validName(o.thing)) return usage("--thing: a thing name is lowercase letters, digits and '-'");
  o.pinSpecs = pins;
  if (!script) return sf_runDevice(&o, seconds);
  FILE* f = strcmp(script, "-") == 0 ? stdin : fopen(script, "r");
  if (!f) {
    fprintf(stderr, "snapfleet-device: %s can't be read\n", script);
    return 2;
  }
  int status = sf_runScript(&o, f, strcmp(script, "-") == 0 ? "<stdin>" : script);
  if (f != stdin) fclose(f);
  return status;
}

int main(int argc, char** argv) {
  if (argc < 2) return usage(NULL);
  if (strcmp(argv[1], "connect") == 0 || strcmp(argv[1], "download") == 0) return sf_networkMain(argc - 1, argv + 1);
  if (strcmp(argv[1], "run") == 0) return run(argc - 2, argv + 2);
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) return usage(NULL), 0;
  return usage("the first argument is run or connect");
}
