#include "runtime/cpu_threads.h"

#include <cblas.h>

#include <thread>

#include "graph/error.h"

namespace tensorgraph {

void SetCpuThreads(int threads) {
  if (threads < 0) ThrowInvalid("thread count ", threads, " is negative");
  const unsigned cores = std::thread::hardware_concurrency();
  openblas_set_num_threads(threads > 0 ? threads : static_cast<int>(cores == 0 ? 1 : cores));
}

int CpuThreads() { return openblas_get_num_threads(); }

}  // namespace tensorgraph
