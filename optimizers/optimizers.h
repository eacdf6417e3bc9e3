// The optimizers. Each builds TensorFlow's update op for every variable and
// names its slot variables as TensorFlow 1.x does ("w/Momentum", "w/Adam"
// and "w/Adam_1" for m and v...), so checkpoints list familiar names.
// Defaults are TensorFlow 1.x's where it has one; see each option.
#pragma once

#include "optimizers/optimizer.h"

namespace tensorgraph::train {

struct GradientDescentOptions {
  Hyperparameter learning_rate = 0.01;
};
// var -= lr * grad (ResourceApplyGradientDescent).
class GradientDescent : public Optimizer {
 public:
  explicit GradientDescent(GradientDescentOptions options = {});

 protected:
  Node* ApplyDense(const Scope& scope, Output grad, const ops::ResourceVariable& var) override;

 private:
  GradientDescentOptions options_;
};

struct MomentumOptions {
  Hyperparameter learning_rate = 0.01;
  double momentum = 0.9;
  bool nesterov = false;
};
// Heavy-ball or Nesterov momentum (ResourceApplyMomentum); slot "momentum"
// ("w/Momentum"), zeros.
class Momentum : public Optimizer {
 public:
  explicit Momentum(MomentumOptions options = {});

 protected:
  Node* ApplyDense(const Scope& scope, Output grad, const ops::ResourceVariable& var) override;

 private:
  MomentumOptions options_;
};

struct AdamOptions {
  Hyperparameter learning_rate = 0.001;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-8;
  bool nesterov = false;
};
// Adam (ResourceApplyAdam): slots "m" ("w/Adam") and "v" ("w/Adam_1"),
// zeros; the bias corrections come from the non-slot variables
// "beta1_power" and "beta2_power", multiplied by beta after every step.
class Adam : public Optimizer {
 public:
  explicit Adam(AdamOptions options = {});

 protected:
  Adam(std::string name, AdamOptions options);
  void Prepare() override { powers_.clear(); }
  Node* ApplyDense(const Scope& scope, Output grad, const ops::ResourceVariable& var) override;
  std::vector<Node*> Finish(const Scope& scope) override;

 private:
  AdamOptions options_;
  // beta1^t and beta2^t: the variable, its beta, and its value read once
  // per ApplyGradients for every update and for Finish; by dtype.
  struct BetaPower {
    ops::ResourceVariable var;
    double beta = 0;
    Output value;
  };
  std::map<DataType, std::vector<BetaPower>> powers_;
};

struct AdamWOptions {
  Hyperparameter learning_rate = 0.001;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-8;
  // Decoupled weight decay (PyTorch's default).
  double weight_decay = 0.01;
};
// Adam with decoupled weight decay (Loshchilov and Hutter): before the Adam
// update, var -= lr * weight_decay * var (AssignSubVariableOp), as PyTorch's
// and Keras's AdamW do. Slots as Adam's, named "w/AdamW", "w/AdamW_1".
class AdamW : public Adam {
 public:
  explicit AdamW(AdamWOptions options = {});

 protected:
  Node* ApplyDense(const Scope& scope, Output grad, const ops::ResourceVariable& var) override;

 private:
  AdamWOptions options_;
};

struct RMSPropOptions {
  Hyperparameter learning_rate = 0.001;
  double decay = 0.9;  // rho, the mean square's decay
  double momentum = 0;
  double epsilon = 1e-10;  // inside the square root, as TensorFlow's
  bool centered = false;
};
// RMSProp (ResourceApplyRMSProp, or ResourceApplyCenteredRMSProp when
// centered): slots "rms" ("w/RMSProp"), "momentum" ("w/RMSProp_1") and,
// when centered, "mg" ("w/RMSProp_2"). All start at zero, as in Keras and
// PyTorch (TensorFlow 1.x started rms at one).
class RMSProp : public Optimizer {
 public:
  explicit RMSProp(RMSPropOptions options = {});

 protected:
  Node* ApplyDense(const Scope& scope, Output grad, const ops::ResourceVariable& var) override;

 private:
  RMSPropOptions options_;
};

struct AdagradOptions {
  Hyperparameter learning_rate = 0.01;
  double initial_accumulator_value = 0.1;
  double epsilon = 1e-7;
};
// Adagrad (ResourceApplyAdagradV2): slot "accumulator" ("w/Adagrad").
class Adagrad : public Optimizer {
 public:
  explicit Adagrad(AdagradOptions options = {});

 protected:
  Node* ApplyDense(const Scope& scope, Output grad, const ops::ResourceVariable& var) override;

 private:
  AdagradOptions options_;
};

}  // namespace tensorgraph::train
