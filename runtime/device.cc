#include "runtime/device.h"

#include <mutex>

namespace tensorgraph {
namespace {

class CpuDeviceImpl final : public Device {
 public:
  CpuDeviceImpl() : Device("/device:CPU:0", kDeviceCpu) {}
  Allocator* allocator() override { return CpuAllocator(); }
  Tensor CopyFromHost(const Tensor& host) override { return host; }
  Tensor CopyToHost(const Tensor& tensor) override { return tensor; }
};

struct DeviceList {
  std::mutex mu;
  std::vector<std::unique_ptr<Device>> owned;
  std::vector<Device*> devices;
};

DeviceList& Devices() {
  static DeviceList* list = [] {
    auto* l = new DeviceList;
    l->owned.push_back(std::make_unique<CpuDeviceImpl>());
    l->devices.push_back(l->owned.back().get());
    return l;
  }();
  return *list;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

Device* CpuDevice() { return Devices().devices.front(); }

const std::vector<Device*>& AllDevices() { return Devices().devices; }

void RegisterDevice(std::unique_ptr<Device> device) {
  DeviceList& list = Devices();
  std::lock_guard<std::mutex> lock(list.mu);
  list.devices.push_back(device.get());
  list.owned.push_back(std::move(device));
}

Device* FindDevice(std::string_view name) {
  // "/device:GPU:0", "GPU:0", "gpu", "/gpu:0" all name the first CUDA device.
  std::string want = ToLower(name);
  for (const char* prefix : {"/device:", "/"}) {
    if (want.rfind(prefix, 0) == 0) {
      want = want.substr(std::string_view(prefix).size());
      break;
    }
  }
  if (want.find(':') == std::string::npos) want += ":0";
  if (want.rfind("gpu:", 0) == 0) want = "cuda:" + want.substr(4);
  for (Device* d : AllDevices()) {
    std::string full = ToLower(d->name());  // "/device:cpu:0" or "/device:cuda:0"
    full = full.substr(std::string_view("/device:").size());
    if (full == want) return d;
  }
  return nullptr;
}

}  // namespace tensorgraph
