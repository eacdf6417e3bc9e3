// The update rules of the ResourceApply* ops (ops/training_ops.cc has the
// formulas), element by element, shared by the CPU kernels
// (kernels/cpu/training_ops.cc) and the CUDA ones.
//
// A rule is made from pointers to its scalar inputs, in the op's input
// order, in the memory of the variable's device: on a GPU the device code
// makes the rule and reads the scalars itself, so a step never copies a
// hyperparameter to the host. The rule then updates one element of the
// variable and its slots from one gradient element.
#pragma once

#include <cmath>

#include "kernels/functors/host_device.h"

namespace tensorgraph::functors {

// var -= alpha * g. Scalars: alpha.
template <typename T>
struct GradientDescentRule {
  static constexpr int kSlots = 0;
  T alpha;
  TG_HOST_DEVICE explicit GradientDescentRule(const T* const* s) : alpha(*s[0]) {}
  TG_HOST_DEVICE void operator()(T g, T& var) const { var -= alpha * g; }
};

// Scalars: lr, momentum.
template <typename T>
struct MomentumRule {
  static constexpr int kSlots = 1;
  T lr, momentum;
  bool nesterov;
  TG_HOST_DEVICE MomentumRule(const T* const* s, bool use_nesterov)
      : lr(*s[0]), momentum(*s[1]), nesterov(use_nesterov) {}
  TG_HOST_DEVICE void operator()(T g, T& var, T& accum) const {
    accum = accum * momentum + g;
    if (nesterov) {
      var -= g * lr + accum * momentum * lr;
    } else {
      var -= accum * lr;
    }
  }
};

// Scalars: beta1_power, beta2_power, lr, beta1, beta2, epsilon. The step
// size with both bias corrections is computed once per rule.
template <typename T>
struct AdamRule {
  static constexpr int kSlots = 2;
  T alpha, beta1, beta2, epsilon, nesterov_weight, m_weight;
  TG_HOST_DEVICE AdamRule(const T* const* s, bool nesterov)
      : alpha(*s[2] * std::sqrt(T(1) - *s[1]) / (T(1) - *s[0])),
        beta1(*s[3]),
        beta2(*s[4]),
        epsilon(*s[5]),
        // Nesterov weighs the gradient in by (1 - beta1) once more.
        nesterov_weight(nesterov ? T(1) - *s[3] : T(0)),
        m_weight(nesterov ? *s[3] : T(1)) {}
  TG_HOST_DEVICE void operator()(T g, T& var, T& m, T& v) const {
    m += (g - m) * (T(1) - beta1);
    v += (g * g - v) * (T(1) - beta2);
    const T step = g * nesterov_weight + m_weight * m;
    var -= step * alpha / (std::sqrt(v) + epsilon);
  }
};

// RMSProp and, with kCentered, centered RMSProp (slot mg first). Scalars:
// lr, rho, momentum, epsilon.
template <typename T, bool kCentered>
struct RMSPropRule {
  static constexpr int kSlots = kCentered ? 3 : 2;
  T lr, rho, momentum, epsilon;
  TG_HOST_DEVICE explicit RMSPropRule(const T* const* s)
      : lr(*s[0]), rho(*s[1]), momentum(*s[2]), epsilon(*s[3]) {}
  // Plain: slots ms, mom.
  TG_HOST_DEVICE void operator()(T g, T& var, T& ms, T& mom) const {
    ms += (g * g - ms) * (T(1) - rho);
    mom = mom * momentum + g * lr / std::sqrt(ms + epsilon);
    var -= mom;
  }
  // Centered: slots mg, ms, mom.
  TG_HOST_DEVICE void operator()(T g, T& var, T& mg, T& ms, T& mom) const {
    ms += (g * g - ms) * (T(1) - rho);
    mg += (g - mg) * (T(1) - rho);
    const T mean_square = ms - mg * mg;
    mom = mom * momentum + g * lr / std::sqrt(mean_square + epsilon);
    var -= mom;
  }
};

// Scalars: lr, epsilon.
template <typename T>
struct AdagradV2Rule {
  static constexpr int kSlots = 1;
  T lr, epsilon;
  bool update_slots;
  TG_HOST_DEVICE AdagradV2Rule(const T* const* s, bool update)
      : lr(*s[0]), epsilon(*s[1]), update_slots(update) {}
  TG_HOST_DEVICE void operator()(T g, T& var, T& accum) const {
    if (update_slots) accum += g * g;
    var -= g * lr / (std::sqrt(accum) + epsilon);
  }
};

}  // namespace tensorgraph::functors
