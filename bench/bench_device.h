#pragma once
// The device a benchmark runs on, from its --device text ("auto", "cpu", "cuda", "cuda:1"), resolved as the
// trainer does. A device that is not there (--device cuda without a GPU) is one line on stderr and nullopt,
// so the benchmark exits 1 instead of aborting with an uncaught exception.
#include <cstdio>
#include <exception>
#include <optional>
#include <string>

#include <c10/core/Device.h>

#include "train/model/predictor.h"

namespace bench {

inline std::optional<c10::Device> benchDevice(const char* program, const std::string& name) {
    try {
        return studio::train::resolveDevice(name);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", program, e.what());
        return std::nullopt;
    }
}

}  // namespace bench
