#pragma once
// The matching cost of match_cost.h computed block by block on the CPU from float32 host arrays,
// without materialising intermediate tensors: the CPU fast path of the matcher (ATen's element-wise
// CPU kernels need ~1 s for the 6M-entry cost of a batch-16 Medium step; this needs a few ms). Same
// formula and float32 op order as the reference; exp and log1p are polynomial approximations
// (within 2 ulp), so a cost can differ from ATen's in the last bits. Vectorised with GCC/Clang
// vector extensions: 16 lanes where the CPU has AVX-512, 8 with AVX2 or the baseline ISA. No Torch.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "train/loss/lsap.h"
#include "train/loss/match_cost.h"

namespace studio::train {

/// One image's targets prepared for fusedCostBlock: boxes as structure of arrays (cxcywh, xyxy,
/// area) and the image's distinct labels.
struct FusedTargets {
    /// boxes: count x 4 cxcywh float32; labels: count class ids. Copies what it needs.
    FusedTargets(const float* boxes, const std::int64_t* labels, int count);

    int count = 0;
    std::vector<float> cx, cy, w, h, x0, y0, x1, y1, area;
    std::vector<std::int64_t> classes;  // distinct labels of the image, in order of appearance
    std::vector<int> classSlot;         // per target: index into classes
};

/// Per-thread scratch buffers of fusedCostBlock (reused between calls).
struct FusedScratch {
    std::vector<float> pred;       // predictions as structure of arrays, padded
    std::vector<float> classCost;  // per distinct class, per prediction
};

/// Predictions are processed in vectors of 8: rows rounded up to that (the least output row
/// stride).
int fusedRowStride(int rows);

/// Cost block in the solver's layout, targets x predictions: out[t * outStride + q] for the `rows`
/// predictions (logits rows x numClasses, boxes rows x 4 cxcywh, float32 row-major) against one
/// image's targets, computed and stored in float32 (LsapSolver::prepare's type).
/// outStride >= fusedRowStride(rows); entries past `rows` in a row are padding. Labels must be in
/// [0, numClasses). When rowMins is given (targets.count entries), it receives each target row's
/// unique finite minimum for LsapSolver::solvePrepared (column -1 where the row has a non-finite
/// entry or a tied minimum) and whether the row is all finite. Thread-safe for distinct
/// out/scratch buffers.
void fusedCostBlock(const float* logits, const float* boxes, int rows, int numClasses,
                    const FusedTargets& targets, const MatchCostWeights& w, float* out,
                    std::ptrdiff_t outStride, FusedScratch& scratch,
                    LsapRowMin* rowMins = nullptr);

/// fusedCostBlock with the kernel of one instruction set ("avx512": 16 lanes, "avx2" or "baseline":
/// 8), for tests and benchmarks; returns false (writing nothing) when this CPU lacks it. All kernels
/// give bit-identical results.
bool fusedCostBlockOn(const std::string& isa, const float* logits, const float* boxes, int rows,
                      int numClasses, const FusedTargets& targets, const MatchCostWeights& w,
                      float* out, std::ptrdiff_t outStride, FusedScratch& scratch,
                      LsapRowMin* rowMins = nullptr);

/// The instruction set fusedCostBlock uses on this CPU: "avx512", "avx2" or "baseline".
const char* fusedKernelIsa();

/// The focal-style class cost of `count` logits (float32), element-wise as focalClassCost computes
/// it.
void fusedClassCost(const float* logits, int count, float alpha, float gamma, float* out);

/// exp(x) for x <= 0 and log1p(x) for 0 <= x <= 1, the approximations the kernel uses (for tests).
void fusedExpNonPositive(const float* x, int count, float* out);
void fusedLog1pUnit(const float* x, int count, float* out);

}  // namespace studio::train
