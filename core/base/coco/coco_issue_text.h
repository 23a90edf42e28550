#pragma once
// Turns the issues found while reading a COCO file into studio::Problem lines naming the file and
// the record (by id, or by position when it has none), with what is wrong and how to fix it.
#include <string>
#include <vector>

#include "base/coco/coco_file_parser.h"
#include "base/util/problem.h"

namespace studio::coco_detail {

/// The problems of one parsed file: syntax error (with line and column), then the listed issues,
/// then one "and N more" line per kind that had more than IssueLog::kMaxListed.
std::vector<Problem> describeParseIssues(const std::string& path, const ParseResult& parsed);

}  // namespace studio::coco_detail
