// CompilePlan: the passes of runtime/plan.h, in order.
#include "runtime/plan.h"

namespace tensorgraph {

std::shared_ptr<Plan> CompilePlan(const Graph& graph, const Signature& signature,
                                  Device* session_device,
                                  std::map<int, std::shared_ptr<OpKernel>>& stateful_kernels) {
  auto plan = std::make_shared<Plan>();
  PrunePass(graph, signature, *plan);
  PlacePass(session_device, *plan, stateful_kernels);
  InsertCopiesPass(*plan);
  PlanLifetimesPass(*plan);
  AssignStreamsPass(*plan);
  for (const PlanStep& step : plan->steps) {
    plan->uses_capturing_device = plan->uses_capturing_device || step.device->captures();
  }
  return plan;
}

}  // namespace tensorgraph
