// Everything a user of tensorgraph needs, in one include.
#pragma once

#include "graph/error.h"
#include "graph/graph.h"
#include "graph/graph_def.h"
#include "graph/gradients.h"
#include "graph/scope.h"
#include "graph/tensor.h"
#include "ops/ops.h"
#include "runtime/session.h"
#include "optimizers/initializers.h"
#include "optimizers/learning_rate.h"
#include "optimizers/optimizers.h"
#include "optimizers/variables.h"
#include "runtime/checkpoint.h"
