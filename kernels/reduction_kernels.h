// The host side of the reduction kernels (Sum, Mean, Max and ArgMax),
// shared by the CPU and CUDA backends (kernels/cpu/reduction_ops.cc,
// kernels/cuda/reduction_ops.cu): the axes read from their host-memory
// input, the shortcuts that need no reduction, the layout both backends
// view the input in, and the registrations both make. Output shapes and
// the checks on axes come from the op's shape function run on the
// concrete inputs.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/functors/reducers.h"
#include "runtime/kernel.h"

namespace tensorgraph {

// The input viewed with size-1 dims dropped and neighbouring dims that are
// both reduced or both kept merged, so reduced and kept dims alternate: a
// row reduction becomes [kept, reduced], a column reduction [reduced, kept].
struct ReductionLayout {
  std::vector<int64_t> dims;
  std::vector<bool> reduced;
  std::vector<int64_t> in_stride;   // input elements per index of each dim
  std::vector<int64_t> out_stride;  // output elements per index; 0 when reduced
};

// The layout of an input of `shape` reduced along the dims marked in
// `reduced`.
ReductionLayout MakeReductionLayout(const Shape& shape, const std::vector<bool>& reduced);

// Sum, Mean and Max over the axes of input 1 (reduction_indices). When
// each output is its one input value, output 0 is a view of the input;
// else it is allocated and, unless empty, filled by Reduce.
class ReductionOpKernel : public OpKernel {
 public:
  using OpKernel::OpKernel;

  void Compute(OpKernelContext& ctx) final;

 protected:
  // Reduces x along the dims marked in `reduced` into y (not empty),
  // `count` input values (0, or more than 1) into each output value.
  virtual void Reduce(const OpKernelContext& ctx, const Tensor& x, const std::vector<bool>& reduced,
                      int64_t count, Tensor& y) = 0;
};

// ArgMax along the axis of input 1 (dimension), into int32 or int64
// indices as output_type says.
class ArgMaxOpKernel : public OpKernel {
 public:
  ArgMaxOpKernel(const Node& node, Device& device);

  // Allocates output 0 and, unless it is empty, fills it by ArgMax.
  void Compute(OpKernelContext& ctx) final;

 protected:
  // Writes to y (not empty) the index of the maximum of x along `axis`.
  virtual void ArgMax(const OpKernelContext& ctx, const Tensor& x, int axis, Tensor& y) = 0;

  const bool int32_output_;
};

// Registers, on `device_type`, Reduction<R<T>> as Sum, Mean and Max (R
// the SumReducer, MeanReducer and MaxReducer of kernels/functors/reducers.h)
// and ArgMax<T> as ArgMax, for every dtype T they take, with
// reduction_indices and dimension in host memory.
#define TG_REGISTER_REDUCTION_KERNELS(device_type, Reduction, ArgMax) \
  TG_REGISTER_REDUCTIONS_OF(device_type, Reduction, float);           \
  TG_REGISTER_REDUCTIONS_OF(device_type, Reduction, double);          \
  TG_REGISTER_REDUCTIONS_OF(device_type, Reduction, int32_t);         \
  TG_REGISTER_REDUCTIONS_OF(device_type, Reduction, uint8_t);         \
  TG_REGISTER_REDUCTIONS_OF(device_type, Reduction, int64_t);         \
  TG_REGISTER_ARGMAX_OF(device_type, ArgMax, float);                  \
  TG_REGISTER_ARGMAX_OF(device_type, ArgMax, double);                 \
  TG_REGISTER_ARGMAX_OF(device_type, ArgMax, int32_t);                \
  TG_REGISTER_ARGMAX_OF(device_type, ArgMax, uint8_t);                \
  TG_REGISTER_ARGMAX_OF(device_type, ArgMax, int64_t);                \
  TG_REGISTER_ARGMAX_OF(device_type, ArgMax, bool)
#define TG_REGISTER_REDUCTIONS_OF(device_type, Reduction, T)                    \
  TG_REGISTER_REDUCTION_OF(device_type, "Sum", T,                               \
                           Reduction<::tensorgraph::functors::SumReducer<T>>);  \
  TG_REGISTER_REDUCTION_OF(device_type, "Mean", T,                              \
                           Reduction<::tensorgraph::functors::MeanReducer<T>>); \
  TG_REGISTER_REDUCTION_OF(device_type, "Max", T,                               \
                           Reduction<::tensorgraph::functors::MaxReducer<T>>)
#define TG_REGISTER_REDUCTION_OF(device_type, op, T, ...)                        \
  TG_REGISTER_KERNEL_DEF(                                                        \
      ::tensorgraph::KernelDef(op, device_type, ::tensorgraph::kDataTypeOf<T>)   \
          .HostMemory("reduction_indices"),                                      \
      __VA_ARGS__)
#define TG_REGISTER_ARGMAX_OF(device_type, ArgMax, T)                                \
  TG_REGISTER_KERNEL_DEF(                                                            \
      ::tensorgraph::KernelDef("ArgMax", device_type, ::tensorgraph::kDataTypeOf<T>) \
          .HostMemory("dimension"),                                                  \
      ArgMax<T>)

}  // namespace tensorgraph
