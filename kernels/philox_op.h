// The host side of the random kernels (RandomUniform, RandomStandardNormal,
// TruncatedNormal), shared by the CPU and CUDA backends
// (kernels/cpu/random_ops.cc, kernels/cuda/random_ops.cu): the Philox
// generator made from seed and seed2, the stretch of its stream each run
// reserves, and the registration both backends make. The generator stays
// on the host, in the kernel; each backend fills the output from the start
// of the run's stretch.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "kernels/functors/philox.h"
#include "runtime/kernel.h"

namespace tensorgraph {

// The kernel is shared by every plan of a session (the op is stateful), so
// the stream continues across runs whichever signature runs it.
class PhiloxOpKernel : public OpKernel {
 public:
  PhiloxOpKernel(const Node& node, Device& device);

  // Allocates output 0 and fills it from the run's stretch of the stream.
  void Compute(OpKernelContext& ctx) final;

 protected:
  // Fills `out` from the stream starting at `start`, as TensorFlow's
  // sampler for the op does.
  virtual void Fill(const OpKernelContext& ctx, functors::PhiloxRandom start, Tensor& out) = 0;

 private:
  functors::PhiloxRandom Reserve(int64_t num_outputs);

  std::mutex mu_;
  functors::PhiloxRandom generator_;
};

// The registration of a random kernel for (op, device_type, dtype): shape
// in host memory, and not capturable. The counter lives in the kernel, on
// the host: a step with a random op is not recorded for replay on any
// device, so that the CPU decides as a GPU (whose replayed graph would not
// advance it) does.
KernelDef PhiloxKernelDef(std::string op, std::string_view device_type, DataType dtype);

}  // namespace tensorgraph
