#pragma once
// Test helper: tests/data/rfdetr/tiny_io.pth and the other flat-dict fixtures there (tensors,
// numbers and strings written by the Python reference; see the README), read with LibTorch's pickle
// loader.
#include <ATen/ATen.h>
#include <torch/csrc/jit/serialization/pickle.h>

#include <fstream>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "train/model/outputs.h"

namespace studio::test {

class TinyIo {
  public:
    explicit TinyIo(const std::string& file = "tiny_io.pth") : m_dict(load(file)) {}
    bool has(const std::string& key) const { return m_dict.contains(key); }
    at::Tensor tensor(const std::string& key) const { return get(key).toTensor(); }
    double number(const std::string& key) const {
        const auto v = get(key);
        return v.isDouble() ? v.toDouble() : static_cast<double>(v.toInt());
    }
    std::string text(const std::string& key) const { return get(key).toStringRef(); }
    std::vector<std::string> lines(const std::string& key) const {
        std::vector<std::string> out;
        std::string s = text(key), line;
        for (char c : s + "\n") {
            if (c == '\n') {
                if (!line.empty())
                    out.push_back(line);
                line.clear();
            } else {
                line += c;
            }
        }
        return out;
    }

    /// The recorded train-mode outputs (3 groups, 2 aux layers, encoder) as the model contract.
    train::ModelOutput trainOutput() const {
        train::ModelOutput out;
        out.final = set("train/");
        out.aux = {set("train/aux_outputs/0/"), set("train/aux_outputs/1/")};
        out.enc = set("train/enc_outputs/");
        out.groups = static_cast<int>(number("meta/group_detr"));
        return out;
    }
    /// The recorded targets, split per image.
    std::vector<train::ImageTargets> targets() const {
        std::vector<train::ImageTargets> t;
        const auto counts = tensor("targets/counts");
        const auto labels = tensor("targets/labels"), boxes = tensor("targets/boxes_cxcywh");
        std::int64_t at = 0;
        for (std::int64_t b = 0; b < counts.size(0); ++b) {
            const auto n = counts[b].item<std::int64_t>();
            t.push_back({boxes.narrow(0, at, n), labels.narrow(0, at, n)});
            at += n;
        }
        return t;
    }

  private:
    static c10::impl::GenericDict load(const std::string& file) {
        const std::string path = std::string(STUDIO_TEST_DATA_DIR) + "/rfdetr/" + file;
        std::ifstream in(path, std::ios::binary);
        if (!in)
            throw std::runtime_error("cannot open " + path);
        std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
        return torch::jit::pickle_load(bytes).toGenericDict();
    }
    c10::IValue get(const std::string& key) const {
        if (!m_dict.contains(key))
            throw std::runtime_error("fixture has no key " + key);
        return m_dict.at(key);
    }
    train::DetectionOutput set(const std::string& prefix) const {
        return {tensor(prefix + "pred_logits"), tensor(prefix + "pred_boxes")};
    }
    c10::impl::GenericDict m_dict;
};

/// One output gradient against the fixture's: max |grad - want| and max |want| (the scale of a tolerance).
struct GradError {
    std::string name;  // "train/aux_outputs/0/pred_boxes"
    bool defined = false;  // the output got a gradient (else maxError is infinite)
    double maxError = 0, scale = 0;
};

/// The gradients of `out`'s logits and boxes (final, the two aux layers, encoder: trainOutput()'s layout,
/// after backward) against `ref`'s "grad/<set><name>" (criterion_grads.pth), compared on the host.
/// Caller's thread.
inline std::vector<GradError> outputGradErrors(const train::ModelOutput& out, const TinyIo& ref) {
    const std::vector<std::pair<std::string, const train::DetectionOutput*>> sets = {
        {"train/", &out.final},
        {"train/aux_outputs/0/", &out.aux.at(0)},
        {"train/aux_outputs/1/", &out.aux.at(1)},
        {"train/enc_outputs/", &out.enc.value()}};
    std::vector<GradError> errors;
    for (const auto& [prefix, d] : sets) {
        for (const auto& [name, t] : {std::pair{"pred_logits", d->logits}, std::pair{"pred_boxes", d->boxes}}) {
            GradError e;
            e.name = prefix + name;
            const at::Tensor want = ref.tensor("grad/" + e.name);
            e.scale = want.abs().max().item<double>();
            e.defined = t.grad().defined();
            e.maxError = e.defined ? (t.grad().cpu() - want).abs().max().item<double>()
                                   : std::numeric_limits<double>::infinity();
            errors.push_back(e);
        }
    }
    return errors;
}

}  // namespace studio::test
