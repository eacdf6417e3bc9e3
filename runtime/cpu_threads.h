// How many threads CPU kernels may use. Today that is OpenBLAS's pool,
// which does the matrix products; elementwise kernels run on the calling
// thread.
#pragma once

namespace tensorgraph {

// 0 means one per core (OpenBLAS's default).
void SetCpuThreads(int threads);
int CpuThreads();

}  // namespace tensorgraph
