#pragma once
// Assertions for the GPU tests, which are plain executables (the GPU machine has no Qt): every check
// prints one "PASS"/"FAIL" line with its numbers, sections print their wall time (the device check runs
// on a tight budget), and finish() prints the tally and gives main's exit code.
//   STUDIO_GPU_TEST_ON_CPU=1 runs the same checks on the CPU (to try a test without a GPU).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <torch/cuda.h>

namespace studio::gputest {

class Checks {
public:
    /// Records and prints one check. Main thread.
    bool check(bool ok, const std::string& what) {
        std::printf("%s %s\n", ok ? "PASS" : "FAIL", what.c_str());
        std::fflush(stdout);
        if (!ok) ++m_failures;
        ++m_checks;
        return ok;
    }
    /// check(error <= tolerance) printing both.
    bool within(const std::string& what, double error, double tolerance) {
        char line[96];
        std::snprintf(line, sizeof line, " (error %.3g, tolerance %.3g)", error, tolerance);
        return check(error <= tolerance, what + line);  // NaN fails
    }
    /// Starts a named section; the previous one prints its wall time (seconds, device synchronised).
    void section(const std::string& name) {
        endSection();
        m_section = name;
        m_sectionStart = std::chrono::steady_clock::now();
        std::printf("== %s\n", name.c_str());
    }
    /// Prints the tally; 0 when every check passed.
    int finish() {
        endSection();
        std::printf("%s: %d of %d checks failed\n", m_failures ? "FAILED" : "OK", m_failures, m_checks);
        return m_failures ? 1 : 0;
    }

private:
    void endSection() {
        if (m_section.empty()) return;
        if (at::hasCUDA()) torch::cuda::synchronize();
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_sectionStart).count();
        std::printf("   (%s: %.2f s)\n", m_section.c_str(), s);
        m_section.clear();
    }

    int m_failures = 0, m_checks = 0;
    std::string m_section;
    std::chrono::steady_clock::time_point m_sectionStart;
};

/// The device the test runs on: CUDA, or the CPU with STUDIO_GPU_TEST_ON_CPU=1. Without either it prints
/// a FAIL line and exits 1: a gpu-labelled test that cannot reach a GPU has not passed. Also turns TF32
/// off so float32 comparisons are float32.
inline at::Device testDevice() {
    at::globalContext().setAllowTF32CuBLAS(false);
    at::globalContext().setAllowTF32CuDNN(false);
    if (std::getenv("STUDIO_GPU_TEST_ON_CPU")) {
        std::printf("note: STUDIO_GPU_TEST_ON_CPU is set, running on the CPU\n");
        return at::Device(at::kCPU);
    }
    if (!at::hasCUDA()) {
        std::printf("FAIL no CUDA device: this test needs a GPU (label gpu); STUDIO_GPU_TEST_ON_CPU=1 runs it on the CPU\n");
        std::exit(1);
    }
    return at::Device(at::kCUDA, 0);
}

}  // namespace studio::gputest
