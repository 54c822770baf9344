/* A stand-in for libnvidia-ml.so.1 in tests: the NVML functions the WattLens addon calls, driven by
 * environment variables read at each call (FAKE_NVML_ENERGY: mJ readings in turn, the last repeated;
 * FAKE_NVML_ENERGY_UNSUPPORTED, FAKE_NVML_POWER_MW, FAKE_NVML_INIT_FAIL). */
#include <stdlib.h>
#include <string.h>

typedef int nvmlReturn_t;
typedef struct nvmlDevice_st *nvmlDevice_t;

static int energy_calls = 0;

/* Each open starts the readings from the first value again. */
nvmlReturn_t nvmlInit_v2(void) {
  energy_calls = 0;
  return getenv("FAKE_NVML_INIT_FAIL") ? 999 : 0;
}
nvmlReturn_t nvmlShutdown(void) { return 0; }

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count) {
  *count = 1;
  return 0;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device) {
  if (index != 0) return 2; /* NVML_ERROR_INVALID_ARGUMENT */
  *device = (nvmlDevice_t)0x1;
  return 0;
}

nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length) {
  (void)device;
  strncpy(name, "Fake NVIDIA H100 80GB HBM3", length - 1);
  return 0;
}

nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t device, unsigned long long *energy) {
  (void)device;
  if (getenv("FAKE_NVML_ENERGY_UNSUPPORTED")) return 3; /* NVML_ERROR_NOT_SUPPORTED */
  const char *list = getenv("FAKE_NVML_ENERGY");
  if (!list) return 999;
  int wanted = energy_calls++;
  const char *at = list;
  for (int i = 0; i < wanted; i++) {
    const char *comma = strchr(at, ',');
    if (!comma) break;
    at = comma + 1;
  }
  *energy = strtoull(at, NULL, 10);
  return 0;
}

nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int *milliwatts) {
  (void)device;
  const char *power = getenv("FAKE_NVML_POWER_MW");
  if (!power) return 3;
  *milliwatts = (unsigned int)strtoul(power, NULL, 10);
  return 0;
}

const char *nvmlErrorString(nvmlReturn_t code) {
  switch (code) {
    case 3: return "Not Supported";
    case 2: return "Invalid Argument";
    default: return "Unknown Error";
  }
}
