#include "runtime/device.h"

#include "runtime/allocator.h"

#include <cctype>
#include <cstring>
#include <mutex>

namespace tensorgraph {
namespace {

// Kernel outputs of 64 KiB and more come from a cache of freed blocks, so
// a step that makes the same shapes every run gets memory whose pages are
// already mapped (docs/benchmarks.md measures the page faults it saves);
// smaller ones go straight to malloc.
CachingAllocatorOptions CpuCacheOptions() {
  CachingAllocatorOptions options;
  options.max_cached_bytes = size_t{256} << 20;
  options.min_cached_size = size_t{64} << 10;
  return options;
}

class CpuDeviceImpl final : public Device {
 public:
  CpuDeviceImpl() : Device("/device:CPU:0", kDeviceCpu) {}
  Allocator* allocator() override { return &allocator_; }
  Tensor CopyFromHost(const Tensor& host) override { return host; }
  Tensor CopyToHost(const Tensor& tensor) override { return tensor; }
  Tensor CopyFromDevice(Device& source, const Tensor& tensor) override {
    return source.CopyToHost(tensor);
  }
  Tensor Duplicate(const Tensor& tensor) override {
    Tensor t(tensor.dtype(), tensor.shape(), &allocator_);
    if (t.bytes() > 0) std::memcpy(t.raw_data(), tensor.raw_data(), t.bytes());
    return t;
  }
  void CopyFromHostInto(const Tensor& host, Tensor& to) override { CopyWithin(host, to); }
  void CopyWithin(const Tensor& from, Tensor& to) override {
    if (to.bytes() > 0) std::memmove(to.raw_data(), from.raw_data(), to.bytes());
  }
  void ZeroFill(Tensor& tensor) override {
    if (tensor.bytes() > 0) std::memset(tensor.raw_data(), 0, tensor.bytes());
  }

 private:
  CachingAllocator allocator_{CpuAllocator(), "cpu", CpuCacheOptions()};
};

std::vector<DeviceFactory>& Factories() {
  static std::vector<DeviceFactory> factories;
  return factories;
}

struct DeviceList {
  std::vector<std::unique_ptr<Device>> owned;
  std::vector<Device*> devices;
};

DeviceList& Devices() {
  static DeviceList* list = [] {
    auto* l = new DeviceList;  // never freed: devices outlive every static
    l->owned.push_back(std::make_unique<CpuDeviceImpl>());
    for (DeviceFactory factory : Factories()) {
      for (auto& d : factory()) l->owned.push_back(std::move(d));
    }
    for (const auto& d : l->owned) l->devices.push_back(d.get());
    return l;
  }();
  return *list;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "/device:GPU:0", "/gpu:0", "GPU", "gpu:0" -> "gpu:0".
std::string Canonical(std::string_view name) {
  std::string s = ToLower(name);
  for (std::string_view prefix : {"/device:", "/"}) {
    if (s.rfind(prefix, 0) == 0) {
      s = s.substr(prefix.size());
      break;
    }
  }
  if (s.find(':') == std::string::npos) s += ":0";
  if (s.rfind("cuda:", 0) == 0) s = "gpu:" + s.substr(5);
  return s;
}

}  // namespace

Tensor Device::CopyFromDevice(Device& source, const Tensor& tensor) {
  if (&source == this) return tensor;
  return CopyFromHost(source.CopyToHost(tensor));
}

Device* DeviceOf(const Tensor& tensor) {
  for (Device* d : AllDevices()) {
    if (d->allocator() == tensor.allocator()) return d;
  }
  return tensor.allocator() == CpuAllocator() ? CpuDevice() : nullptr;
}

Device* CpuDevice() { return Devices().devices.front(); }

const std::vector<Device*>& AllDevices() { return Devices().devices; }

void RegisterDeviceFactory(DeviceFactory factory) { Factories().push_back(factory); }

Device* FindDevice(std::string_view name) {
  const std::string want = Canonical(name);
  for (Device* d : AllDevices()) {
    if (Canonical(d->name()) == want) return d;
  }
  return nullptr;
}

}  // namespace tensorgraph
