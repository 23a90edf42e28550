// Fused multi-scale deformable attention on CUDA, forward and backward (launch API in
// ms_deform_attn_kernel.h, per-channel arithmetic in ms_deform_attn_math.h).
//
// One thread per (batch, query, head, channel): consecutive threads read consecutive channels of the
// same value row, so every bilinear corner is one coalesced load per head. Accumulation in float32
// (float64 for float64 values). Backward: the value gradient is scattered with atomics into an
// accumulation-type buffer; the location and weight gradients are sums over channels, reduced with warp
// shuffles inside segments of `reduceWidth` lanes (the largest power of two <= 32 dividing the channel
// count), stored by the segment's first lane when a segment is a whole head, else added atomically.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>

#include "train/model/cuda/ms_deform_attn_kernel.h"

namespace studio::train {

namespace {

constexpr int kThreads = 256;  // a multiple of 32: shuffle segments never straddle blocks

template <typename T>
struct ValueIo;
template <>
struct ValueIo<float> {
    using Acc = float;
    static __device__ __forceinline__ float load(float v) { return v; }
    static __device__ __forceinline__ float store(float a) { return a; }
};
template <>
struct ValueIo<double> {
    using Acc = double;
    static __device__ __forceinline__ double load(double v) { return v; }
    static __device__ __forceinline__ double store(double a) { return a; }
};
template <>
struct ValueIo<__nv_bfloat16> {
    using Acc = float;
    static __device__ __forceinline__ float load(__nv_bfloat16 v) { return __bfloat162float(v); }
    static __device__ __forceinline__ __nv_bfloat16 store(float a) { return __float2bfloat16_rn(a); }
};
template <>
struct ValueIo<__half> {
    using Acc = float;
    static __device__ __forceinline__ float load(__half v) { return __half2float(v); }
    static __device__ __forceinline__ __half store(float a) { return __float2half_rn(a); }
};

// atomicAdd in the accumulation type. Double-precision atomicAdd exists from sm_60 on; older targets (a
// TORCH_CUDA_ARCH_LIST reaching down to sm_50) get the compare-and-swap loop of the CUDA programming guide.
__device__ __forceinline__ void atomicAddAcc(float* address, float v) { atomicAdd(address, v); }
__device__ __forceinline__ void atomicAddAcc(double* address, double v) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 600
    auto* bits = reinterpret_cast<unsigned long long*>(address);
    unsigned long long old = *bits, assumed;
    do {
        assumed = old;
        old = atomicCAS(bits, assumed, __double_as_longlong(v + __longlong_as_double(static_cast<long long>(assumed))));
    } while (assumed != old);
#else
    atomicAdd(address, v);
#endif
}

// Coordinates of one thread: item n = ((b * queries + q) * heads + m) * channels + c.
template <typename Index>
struct ChannelItem {
    Index channel, head, query, batch, headItem;  // headItem = (b * queries + q) * heads + m
    __device__ __forceinline__ ChannelItem(Index n, const MsdaGeometry& g) {
        const Index channels = static_cast<Index>(g.channels), heads = static_cast<Index>(g.heads);
        channel = n % channels;
        headItem = n / channels;
        head = headItem % heads;
        const Index bq = headItem / heads;
        query = bq % static_cast<Index>(g.queries);
        batch = bq / static_cast<Index>(g.queries);
    }
    // Offset of value[batch, 0, head, channel]; rows are heads * channels apart.
    __device__ __forceinline__ int64_t valueBase(const MsdaGeometry& g) const {
        return (static_cast<int64_t>(batch) * g.valueLength * g.heads + head) * g.channels + channel;
    }
};

template <typename T, typename Index>
__global__ void __launch_bounds__(kThreads)
    msdaForwardKernel(MsdaGeometry g, const T* __restrict__ value, const typename ValueIo<T>::Acc* __restrict__ loc,
                      const typename ValueIo<T>::Acc* __restrict__ attn, T* __restrict__ out, Index total) {
    using Acc = typename ValueIo<T>::Acc;
    const Index n = static_cast<Index>(blockIdx.x) * static_cast<Index>(blockDim.x) + static_cast<Index>(threadIdx.x);
    if (n >= total) return;
    const ChannelItem<Index> it(n, g);
    const int64_t samples = g.samplesPerHead();
    const T* base = value + it.valueBase(g);
    const int64_t rowStride = g.heads * g.channels;
    auto load = [&](int64_t row) { return ValueIo<T>::load(base[row * rowStride]); };
    const int64_t head = static_cast<int64_t>(it.headItem);
    out[n] = ValueIo<T>::store(msdaForwardChannel<Acc>(g, loc + head * samples * 2, attn + head * samples, load));
}

template <typename T, typename Index>
__global__ void __launch_bounds__(kThreads)
    msdaBackwardKernel(MsdaGeometry g, const T* __restrict__ gradOut, const T* __restrict__ value,
                       const typename ValueIo<T>::Acc* __restrict__ loc,
                       const typename ValueIo<T>::Acc* __restrict__ attn, typename ValueIo<T>::Acc* gradValue,
                       typename ValueIo<T>::Acc* gradLoc, typename ValueIo<T>::Acc* gradAttn, Index total,
                       int reduceWidth) {
    using Acc = typename ValueIo<T>::Acc;
    const Index n = static_cast<Index>(blockIdx.x) * static_cast<Index>(blockDim.x) + static_cast<Index>(threadIdx.x);
    // Threads past the end still take part in the shuffles (segments are all active or all inactive):
    // they read the last item, contribute zeros and write nothing.
    const bool active = n < total;
    const ChannelItem<Index> it(active ? n : total - 1, g);
    const int64_t samples = g.samplesPerHead();
    const int64_t base = it.valueBase(g);
    const int64_t rowStride = g.heads * g.channels;
    const int64_t head = static_cast<int64_t>(it.headItem);
    const Acc* locHead = loc + head * samples * 2;
    const Acc* attnHead = attn + head * samples;
    const Acc go = active ? ValueIo<T>::load(gradOut[n]) : Acc(0);
    const bool owner = reduceWidth == g.channels;
    const bool leader = (static_cast<int64_t>(it.channel) % reduceWidth) == 0;

    auto load = [&](int64_t row) { return ValueIo<T>::load(value[base + row * rowStride]); };
    auto scatter = [&](int64_t row, Acc v) {
        if (active) atomicAddAcc(gradValue + base + row * rowStride, v);
    };
    auto emit = [&](int64_t k, Acc ga, Acc gx, Acc gy) {
        for (int offset = reduceWidth >> 1; offset > 0; offset >>= 1) {
            ga += __shfl_xor_sync(0xffffffffu, ga, offset, reduceWidth);
            gx += __shfl_xor_sync(0xffffffffu, gx, offset, reduceWidth);
            gy += __shfl_xor_sync(0xffffffffu, gy, offset, reduceWidth);
        }
        if (!active || !leader) return;
        const int64_t s = head * samples + k;
        if (owner) {
            gradAttn[s] = ga;
            gradLoc[2 * s] = gx;
            gradLoc[2 * s + 1] = gy;
        } else {
            atomicAddAcc(gradAttn + s, ga);
            atomicAddAcc(gradLoc + 2 * s, gx);
            atomicAddAcc(gradLoc + 2 * s + 1, gy);
        }
    };
    msdaBackwardChannel<Acc>(g, locHead, attnHead, go, load, scatter, emit);
}

// Largest power of two <= 32 that divides the channel count: shuffle segments stay inside one head.
int reduceWidthFor(int64_t channels) {
    int w = 1;
    while (w < 32 && channels % (2 * w) == 0) w *= 2;
    return w;
}

bool fitsInt32(const MsdaGeometry& g) {
    const int64_t limit = int64_t(1) << 31;
    const int64_t valueItems = g.batch * g.valueLength * g.heads * g.channels;
    const int64_t locItems = g.batch * g.queries * g.heads * g.samplesPerHead() * 2;
    return g.channelItems() < limit && valueItems < limit && locItems < limit;
}

unsigned int blocksFor(int64_t total) { return static_cast<unsigned int>((total + kThreads - 1) / kThreads); }

template <typename T>
int forwardAs(const MsdaGeometry& g, const void* value, const void* loc, const void* attn, void* out,
              cudaStream_t stream) {
    using Acc = typename ValueIo<T>::Acc;
    const int64_t total = g.channelItems();
    if (total == 0) return 0;
    const auto* v = static_cast<const T*>(value);
    const auto* l = static_cast<const Acc*>(loc);
    const auto* a = static_cast<const Acc*>(attn);
    auto* o = static_cast<T*>(out);
    if (fitsInt32(g))
        msdaForwardKernel<T, uint32_t><<<blocksFor(total), kThreads, 0, stream>>>(g, v, l, a, o, static_cast<uint32_t>(total));
    else
        msdaForwardKernel<T, int64_t><<<blocksFor(total), kThreads, 0, stream>>>(g, v, l, a, o, total);
    return static_cast<int>(cudaGetLastError());
}

template <typename T>
int backwardAs(const MsdaGeometry& g, const void* gradOut, const void* value, const void* loc, const void* attn,
               void* gradValue, void* gradLoc, void* gradAttn, cudaStream_t stream) {
    using Acc = typename ValueIo<T>::Acc;
    const int64_t total = g.channelItems();
    if (total == 0) return 0;
    const auto* go = static_cast<const T*>(gradOut);
    const auto* v = static_cast<const T*>(value);
    const auto* l = static_cast<const Acc*>(loc);
    const auto* a = static_cast<const Acc*>(attn);
    auto* gv = static_cast<Acc*>(gradValue);
    auto* gl = static_cast<Acc*>(gradLoc);
    auto* ga = static_cast<Acc*>(gradAttn);
    const int width = reduceWidthFor(g.channels);
    if (fitsInt32(g))
        msdaBackwardKernel<T, uint32_t><<<blocksFor(total), kThreads, 0, stream>>>(
            g, go, v, l, a, gv, gl, ga, static_cast<uint32_t>(total), width);
    else
        msdaBackwardKernel<T, int64_t><<<blocksFor(total), kThreads, 0, stream>>>(g, go, v, l, a, gv, gl, ga, total,
                                                                                   width);
    return static_cast<int>(cudaGetLastError());
}

#define STUDIO_MSDA_STR2(...) #__VA_ARGS__
#define STUDIO_MSDA_STR(...) STUDIO_MSDA_STR2(__VA_ARGS__)

}  // namespace

int msdaLaunchForward(const MsdaGeometry& g, MsdaValueType type, const void* value, const void* locations,
                      const void* weights, void* output, CUstream_st* stream) {
    switch (type) {
        case MsdaValueType::Float32: return forwardAs<float>(g, value, locations, weights, output, stream);
        case MsdaValueType::Float64: return forwardAs<double>(g, value, locations, weights, output, stream);
        case MsdaValueType::BFloat16: return forwardAs<__nv_bfloat16>(g, value, locations, weights, output, stream);
        case MsdaValueType::Float16: return forwardAs<__half>(g, value, locations, weights, output, stream);
    }
    return static_cast<int>(cudaErrorInvalidValue);
}

int msdaLaunchBackward(const MsdaGeometry& g, MsdaValueType type, const void* gradOutput, const void* value,
                       const void* locations, const void* weights, void* gradValue, void* gradLocations,
                       void* gradWeights, CUstream_st* stream) {
    switch (type) {
        case MsdaValueType::Float32:
            return backwardAs<float>(g, gradOutput, value, locations, weights, gradValue, gradLocations, gradWeights,
                                     stream);
        case MsdaValueType::Float64:
            return backwardAs<double>(g, gradOutput, value, locations, weights, gradValue, gradLocations, gradWeights,
                                      stream);
        case MsdaValueType::BFloat16:
            return backwardAs<__nv_bfloat16>(g, gradOutput, value, locations, weights, gradValue, gradLocations,
                                             gradWeights, stream);
        case MsdaValueType::Float16:
            return backwardAs<__half>(g, gradOutput, value, locations, weights, gradValue, gradLocations, gradWeights,
                                      stream);
    }
    return static_cast<int>(cudaErrorInvalidValue);
}

const char* msdaErrorString(int code) { return cudaGetErrorString(static_cast<cudaError_t>(code)); }

const char* msdaCompiledArchitectures() {
#if defined(__CUDA_ARCH_LIST__)
    return "compute capabilities " STUDIO_MSDA_STR(__CUDA_ARCH_LIST__);
#else
    return "unknown (nvcc older than 11.5)";
#endif
}

}  // namespace studio::train
