#pragma once
// Test helper: the message of the exception a call throws, for tests that check what an error says.
#include <exception>
#include <string>
#include <utility>

namespace studio::test {

/// What `f()` throws (std::exception::what()); "" when it returns normally. Caller's thread.
template <typename F>
std::string errorOf(F&& f) {
    try {
        std::forward<F>(f)();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}

}  // namespace studio::test
