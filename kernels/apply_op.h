// The host side of the ResourceApply* update kernels, shared by the CPU and
// CUDA backends (kernels/cpu/training_ops.cc, kernels/cuda/training_ops.cu):
// ApplyOpKernel finds the variable and its slots, checks them and the
// scalar hyperparameters, locks them in input order, checks their shapes
// against the gradient and copies a buffer that a live read still shares
// (on the variable's device), so reads made earlier in the step see the
// old value, as they would in TensorFlow with resource variables. Each
// backend then applies the update rule in place.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "runtime/kernel.h"

namespace tensorgraph {

class ApplyOpKernel : public OpKernel {
 public:
  // Inputs [0, num_variables) are handles; the input named grad (or delta)
  // is the gradient and every other input a scalar hyperparameter.
  ApplyOpKernel(const Node& node, Device& device, int num_variables);

  void Compute(OpKernelContext& ctx) final;

 protected:
  // Applies the update to values[k], the contents of input k's variable,
  // with every variable's lock held and every value exclusive to it.
  virtual void Apply(const OpKernelContext& ctx, std::span<Tensor* const> values,
                     const Tensor& grad) = 0;

  // Whether input i is a scalar hyperparameter (neither a handle nor the
  // gradient).
  bool IsScalarInput(int i) const { return i >= num_variables_ && i != grad_; }

 private:
  const std::string& InputName(int i) const { return node().op_def().inputs.at(i).name; }

  void LockAndApply(const OpKernelContext& ctx, std::span<Variable* const> variables,
                    std::vector<Tensor*>& values);

  const DataType dtype_;
  const int num_variables_;
  const int grad_;
};

}  // namespace tensorgraph
