// Every op family's builders.
#pragma once

#include "ops/array_ops.h"
#include "ops/control_flow_ops.h"
#include "ops/math_ops.h"
#include "ops/nn_ops.h"
#include "ops/random_ops.h"
#include "ops/reduction_ops.h"
#include "ops/state_ops.h"
#include "ops/training_ops.h"
