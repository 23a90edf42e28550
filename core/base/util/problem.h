#pragma once
// A problem found in user input: which field/file, the bad value, what is wrong and how to fix it.
// Validation collects all of them and reports them at once.
#include <string>
#include <vector>

namespace studio {

enum class Severity { Error, Warning };

struct Problem {
    Severity severity = Severity::Error;
    std::string field;    // as the user wrote it: "BATCH_SIZE", "--batch-size", "config.json: batch_size"
    std::string value;    // the offending value as text ("" when absent)
    std::string message;  // what is wrong
    std::string fix;      // what to do

    /// "BATCH_SIZE=0: must be at least 1. Fix: ..." — one line, for terminals and logs.
    std::string toString() const;
};

bool hasErrors(const std::vector<Problem>& problems);
/// Multi-line report: errors first, then warnings, each prefixed with "error:" / "warning:".
std::string formatProblems(const std::vector<Problem>& problems);

}  // namespace studio
