#include "base/coco/coco_issue_text.h"

#include <string>

namespace studio::coco_detail {

namespace {

constexpr std::uint64_t kNoElement = ~std::uint64_t(0);

const char* singular(Section s) {
    switch (s) {
        case Section::Images:
            return "image";
        case Section::Annotations:
            return "annotation";
        case Section::Categories:
            return "category";
        default:
            return "element";
    }
}

std::string where(const std::string& path, const ParseIssue& is) {
    std::string w = path + ": ";
    if (is.id)
        return w + singular(is.section) + " id " + std::to_string(*is.id);
    if (is.element != kNoElement)
        return w + sectionKey(is.section) + "[" + std::to_string(is.element) + "]";
    return w + singular(is.section) + " without an id";
}

std::string expected(const std::string& field) {
    if (field == "id" || field == "image_id" || field == "category_id")
        return "an integer";
    if (field == "width" || field == "height")
        return "a whole number of pixels (0 or more)";
    if (field == "area")
        return "a number";
    if (field == "iscrowd")
        return "0 or 1";
    if (field == "bbox")
        return "[x, y, width, height]: 4 numbers";
    return "a string";
}

Problem render(const std::string& path, const ParseIssue& is) {
    Problem p;
    p.field = where(path, is);
    p.value = is.value;
    const std::string quoted = "\"" + is.field + "\"";
    switch (is.kind) {
        case IssueKind::TopLevelNotObject:
            p.field = path;
            p.message = "the file holds " + is.value + ", not a JSON object";
            p.fix =
                "a COCO annotation file is one object with \"images\", \"annotations\" and "
                "\"categories\" arrays";
            break;
        case IssueKind::SectionNotArray:
            p.field = path + ": " + quoted;
            p.message = "must be an array, found " + is.value;
            p.value.clear();
            p.fix = "write " + quoted + ": [ {...}, {...} ]";
            break;
        case IssueKind::SectionRepeated:
            p.field = path + ": " + quoted;
            p.message = "appears twice at the top level; Python's json keeps only the last one";
            p.fix = "merge the two arrays into one";
            break;
        case IssueKind::ElementNotObject:
            p.message = std::string("is ") + is.value + ", not an object";
            p.value.clear();
            p.fix = std::string("every element of \"") + sectionKey(is.section) +
                    "\" must be a JSON object";
            break;
        case IssueKind::MissingField:
            p.message = "has no " + quoted +
                        (is.section == Section::Annotations && is.field != "id"
                             ? "; the annotation is skipped"
                             : "");
            if (is.section == Section::Images && is.field != "width")
                p.message += "; the image is skipped";
            p.fix = "add " + quoted + " (" + expected(is.field) + ")";
            break;
        case IssueKind::WrongType:
        case IssueKind::BadBbox:
            p.message = quoted + " must be " + expected(is.field);
            if (is.section == Section::Annotations && is.field != "id" && is.field != "area" &&
                is.field != "iscrowd")
                p.message += "; the annotation is skipped";
            p.fix = "correct the value in the file";
            break;
        case IssueKind::MissingArea:
            p.severity = Severity::Warning;
            p.message =
                "has no \"area\"; width*height is used (pycocotools' area ranges and rfdetr's "
                "loader read it)";
            p.fix = "add \"area\" (for boxes: width*height) so other COCO tools accept the file";
            break;
        case IssueKind::MissingSupercategory:
            p.severity = Severity::Warning;
            p.message =
                "has no \"supercategory\"; it is taken as a class (rfdetr's loader fails without "
                "it)";
            p.fix =
                "add \"supercategory\": \"none\" only for a dataset-level category, another name "
                "for classes";
            break;
        case IssueKind::MissingSize:
            p.severity = Severity::Warning;
            p.message = "has no \"" + is.field + "\"; the size is read from the image file";
            p.fix = "add \"width\" and \"height\" in pixels";
            break;
        case IssueKind::DuplicateImageId:
            p.message = "repeats the id of " + is.value + "; only the first is used";
            p.value.clear();
            p.fix = "give every image a unique id (and point the annotations at the right one)";
            break;
        case IssueKind::DuplicateCategoryId:
            p.message = "repeats the id of " + is.value + "; only the first is used";
            p.value.clear();
            p.fix = "give every category a unique id";
            break;
        case IssueKind::UnknownImageId:
            p.message = "points at image_id " + is.value +
                        ", which is not in \"images\"; the annotation is skipped";
            p.value.clear();
            p.fix = "add the image to \"images\" or remove the annotation";
            break;
        case IssueKind::UnknownCategoryId:
            p.message = "has category_id " + is.value + ", which is not in \"categories\"";
            p.value.clear();
            p.fix = "add the category to \"categories\" or correct category_id";
            break;
        case IssueKind::MissingSection:
            p.field = path;
            p.message = "has no " + quoted + " array";
            p.severity = is.field == "annotations" ? Severity::Warning : Severity::Error;
            p.fix = is.field == "annotations"
                        ? "add \"annotations\": [] if the split really has no objects"
                        : "add the " + quoted + " array (see the COCO format)";
            break;
        default:
            break;
    }
    return p;
}

}  // namespace

std::vector<Problem> describeParseIssues(const std::string& path, const ParseResult& parsed) {
    std::vector<Problem> out;
    const ParseEnd& end = parsed.end;
    if (end.kind == ParseEnd::Kind::SyntaxError || end.kind == ParseEnd::Kind::ReadError) {
        Problem p;
        p.field = path + ":" + std::to_string(parsed.line) + ":" + std::to_string(parsed.column);
        p.message = (end.kind == ParseEnd::Kind::ReadError
                         ? "cannot be read: "
                         : "malformed JSON at line " + std::to_string(parsed.line) + ", column " +
                               std::to_string(parsed.column) + ": ") +
                    end.message;
        p.fix =
            end.kind == ParseEnd::Kind::ReadError
                ? "check the disk and the file's permissions"
                : "repair or re-export the file (an interrupted download or copy cuts it short)";
        out.push_back(std::move(p));
    }
    IssueLog log = parsed.output.issues;
    if (end.kind == ParseEnd::Kind::Complete) {
        for (Section s : {Section::Images, Section::Annotations, Section::Categories}) {
            if (!parsed.sawSection[static_cast<int>(s)])
                log.add({IssueKind::MissingSection, Section::None, kNoElement, std::nullopt,
                         sectionKey(s), ""});
        }
    }
    for (const ParseIssue& is : log.listed())
        out.push_back(render(path, is));
    for (int k = 0; k < kIssueKindCount; ++k) {
        const auto kind = static_cast<IssueKind>(k);
        const std::uint64_t more = log.count(kind) - log.listedCount(kind);
        if (more == 0)
            continue;
        ParseIssue sample;
        for (const auto& is : log.listed())
            if (is.kind == kind)
                sample = is;
        Problem p = render(path, sample);
        p.field = path;
        p.value.clear();
        p.message = "and " + std::to_string(more) + " more like the above (" +
                    std::to_string(log.count(kind)) + " in all): " + p.message;
        out.push_back(std::move(p));
    }
    return out;
}

}  // namespace studio::coco_detail
