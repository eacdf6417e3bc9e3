// TG_HOST_DEVICE marks math that CPU and CUDA kernels both instantiate:
// __host__ __device__ under nvcc, nothing under a host compiler. Headers in
// kernels/functors/ hold only such code (no Tensor, no allocation, no
// exceptions), so a .cu file can include any of them; CUDA sources build
// with --expt-relaxed-constexpr, so std::numeric_limits and std::array are
// usable there.
#pragma once

#if defined(__CUDACC__)
#define TG_HOST_DEVICE __host__ __device__
#else
#define TG_HOST_DEVICE
#endif
