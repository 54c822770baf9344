// The NVML addon: reads an NVIDIA GPU's total-energy counter (mJ since the driver loaded, Volta and
// newer) and its power draw, through libnvidia-ml opened at run time, so no CUDA is needed to build it.
#include <napi.h>

#include <string>

#ifdef _WIN32
#include <windows.h>
#define OPEN_LIBRARY(path) reinterpret_cast<void*>(LoadLibraryA(path))
#define FIND_SYMBOL(handle, name) reinterpret_cast<void*>(GetProcAddress(reinterpret_cast<HMODULE>(handle), name))
#define CLOSE_LIBRARY(handle) FreeLibrary(reinterpret_cast<HMODULE>(handle))
static const char* kDefaultLibrary = "nvml.dll";
#else
#include <dlfcn.h>
#define OPEN_LIBRARY(path) dlopen(path, RTLD_NOW | RTLD_LOCAL)
#define FIND_SYMBOL(handle, name) dlsym(handle, name)
#define CLOSE_LIBRARY(handle) dlclose(handle)
static const char* kDefaultLibrary = "libnvidia-ml.so.1";
#endif

namespace {

// NVML's types, as nvml.h declares them (the header is not needed to build).
typedef int nvmlReturn_t;
typedef struct nvmlDevice_st* nvmlDevice_t;
const nvmlReturn_t NVML_SUCCESS = 0;

typedef nvmlReturn_t (*InitFn)();
typedef nvmlReturn_t (*ShutdownFn)();
typedef nvmlReturn_t (*CountFn)(unsigned int*);
typedef nvmlReturn_t (*HandleFn)(unsigned int, nvmlDevice_t*);
typedef nvmlReturn_t (*NameFn)(nvmlDevice_t, char*, unsigned int);
typedef nvmlReturn_t (*EnergyFn)(nvmlDevice_t, unsigned long long*);
typedef nvmlReturn_t (*PowerFn)(nvmlDevice_t, unsigned int*);
typedef const char* (*ErrorStringFn)(nvmlReturn_t);

struct Nvml {
  void* handle = nullptr;
  std::string path;
  InitFn init = nullptr;
  ShutdownFn shutdown = nullptr;
  CountFn count = nullptr;
  HandleFn device = nullptr;
  NameFn name = nullptr;
  EnergyFn energy = nullptr;
  PowerFn power = nullptr;
  ErrorStringFn errorString = nullptr;
};

// One library per addon instance; worker threads load their own instance.
Nvml* InstanceData(Napi::Env env) { return env.GetInstanceData<Nvml>(); }

std::string Describe(Nvml* nvml, nvmlReturn_t code) {
  std::string text = nvml->errorString ? nvml->errorString(code) : "error";
  return text + " (NVML code " + std::to_string(code) + ")";
}

Napi::Value Fail(Napi::Env env, const std::string& message, int code) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::Number::New(env, code));
  error.ThrowAsJavaScriptException();
  return env.Undefined();
}

// open(path?): loads the library, resolves the functions, initialises NVML; returns the device count.
Napi::Value Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Nvml* nvml = InstanceData(env);
  if (nvml->handle) return Fail(env, "NVML is already open: " + nvml->path, -1);
  std::string path = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : kDefaultLibrary;
  void* handle = OPEN_LIBRARY(path.c_str());
  if (!handle) {
#ifdef _WIN32
    return Fail(env, "cannot open " + path, -1);
#else
    const char* why = dlerror();
    return Fail(env, "cannot open " + path + ": " + (why ? why : "unknown error"), -1);
#endif
  }
  Nvml loaded;
  loaded.handle = handle;
  loaded.path = path;
  loaded.init = reinterpret_cast<InitFn>(FIND_SYMBOL(handle, "nvmlInit_v2"));
  loaded.shutdown = reinterpret_cast<ShutdownFn>(FIND_SYMBOL(handle, "nvmlShutdown"));
  loaded.count = reinterpret_cast<CountFn>(FIND_SYMBOL(handle, "nvmlDeviceGetCount_v2"));
  loaded.device = reinterpret_cast<HandleFn>(FIND_SYMBOL(handle, "nvmlDeviceGetHandleByIndex_v2"));
  loaded.name = reinterpret_cast<NameFn>(FIND_SYMBOL(handle, "nvmlDeviceGetName"));
  loaded.energy = reinterpret_cast<EnergyFn>(FIND_SYMBOL(handle, "nvmlDeviceGetTotalEnergyConsumption"));
  loaded.power = reinterpret_cast<PowerFn>(FIND_SYMBOL(handle, "nvmlDeviceGetPowerUsage"));
  loaded.errorString = reinterpret_cast<ErrorStringFn>(FIND_SYMBOL(handle, "nvmlErrorString"));
  if (!loaded.init || !loaded.shutdown || !loaded.count || !loaded.device || !loaded.name) {
    CLOSE_LIBRARY(handle);
    return Fail(env, path + " lacks the NVML functions this addon needs (nvmlInit_v2, nvmlDeviceGetCount_v2, ...)", -1);
  }
  nvmlReturn_t status = loaded.init();
  if (status != NVML_SUCCESS) {
    std::string message = "nvmlInit failed: " + Describe(&loaded, status);
    CLOSE_LIBRARY(handle);
    return Fail(env, message, status);
  }
  unsigned int devices = 0;
  status = loaded.count(&devices);
  if (status != NVML_SUCCESS) {
    std::string message = "nvmlDeviceGetCount failed: " + Describe(&loaded, status);
    loaded.shutdown();
    CLOSE_LIBRARY(handle);
    return Fail(env, message, status);
  }
  *nvml = loaded;
  return Napi::Number::New(env, devices);
}

// The device handle of argument 0, or an exception.
bool Device(const Napi::CallbackInfo& info, Nvml* nvml, nvmlDevice_t* device) {
  Napi::Env env = info.Env();
  if (!nvml->handle) {
    Fail(env, "NVML is not open", -1);
    return false;
  }
  if (info.Length() < 1 || !info[0].IsNumber()) {
    Fail(env, "expected a device index", -1);
    return false;
  }
  nvmlReturn_t status = nvml->device(info[0].As<Napi::Number>().Uint32Value(), device);
  if (status != NVML_SUCCESS) {
    Fail(env, "nvmlDeviceGetHandleByIndex failed: " + Describe(nvml, status), status);
    return false;
  }
  return true;
}

Napi::Value DeviceName(const Napi::CallbackInfo& info) {
  Nvml* nvml = InstanceData(info.Env());
  nvmlDevice_t device;
  if (!Device(info, nvml, &device)) return info.Env().Undefined();
  char name[96] = {0};
  nvmlReturn_t status = nvml->name(device, name, sizeof(name));
  if (status != NVML_SUCCESS) return Fail(info.Env(), "nvmlDeviceGetName failed: " + Describe(nvml, status), status);
  return Napi::String::New(info.Env(), name);
}

// totalEnergyMj(index): the counter in millijoules (a double holds it exactly for 285,000 years at 1 kW).
Napi::Value TotalEnergyMj(const Napi::CallbackInfo& info) {
  Nvml* nvml = InstanceData(info.Env());
  nvmlDevice_t device;
  if (!Device(info, nvml, &device)) return info.Env().Undefined();
  if (!nvml->energy) return Fail(info.Env(), "this NVML has no nvmlDeviceGetTotalEnergyConsumption", 13);
  unsigned long long millijoules = 0;
  nvmlReturn_t status = nvml->energy(device, &millijoules);
  if (status != NVML_SUCCESS)
    return Fail(info.Env(), "nvmlDeviceGetTotalEnergyConsumption failed: " + Describe(nvml, status), status);
  return Napi::Number::New(info.Env(), static_cast<double>(millijoules));
}

// powerMw(index): the board's power draw in milliwatts.
Napi::Value PowerMw(const Napi::CallbackInfo& info) {
  Nvml* nvml = InstanceData(info.Env());
  nvmlDevice_t device;
  if (!Device(info, nvml, &device)) return info.Env().Undefined();
  if (!nvml->power) return Fail(info.Env(), "this NVML has no nvmlDeviceGetPowerUsage", 13);
  unsigned int milliwatts = 0;
  nvmlReturn_t status = nvml->power(device, &milliwatts);
  if (status != NVML_SUCCESS) return Fail(info.Env(), "nvmlDeviceGetPowerUsage failed: " + Describe(nvml, status), status);
  return Napi::Number::New(info.Env(), milliwatts);
}

Napi::Value Close(const Napi::CallbackInfo& info) {
  Nvml* nvml = InstanceData(info.Env());
  if (nvml->handle) {
    nvml->shutdown();
    CLOSE_LIBRARY(nvml->handle);
    *nvml = Nvml();
  }
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData(new Nvml());
  exports.Set("open", Napi::Function::New(env, Open));
  exports.Set("deviceName", Napi::Function::New(env, DeviceName));
  exports.Set("totalEnergyMj", Napi::Function::New(env, TotalEnergyMj));
  exports.Set("powerMw", Napi::Function::New(env, PowerMw));
  exports.Set("close", Napi::Function::New(env, Close));
  return exports;
}

}  // namespace

NODE_API_MODULE(wattlens_nvml, Init)
