#include "base/config/model_sizes.h"

#include <algorithm>
#include <cctype>

namespace studio {

const std::vector<ModelSizeSpec>& modelSizeSpecs() {
    static const std::vector<ModelSizeSpec> specs = {
        {ModelSize::Nano, "nano", 384, 24, 2, 544, 30467298LL, 300},
        {ModelSize::Small, "small", 512, 32, 3, 672, 32111170LL, 300},
        {ModelSize::Medium, "medium", 576, 36, 4, 736, 33687458LL, 300},
        {ModelSize::Large, "large", 704, 44, 4, 864, 33933218LL, 100},
    };
    return specs;
}

const ModelSizeSpec& modelSizeSpec(ModelSize size) {
    for (const auto& s : modelSizeSpecs()) {
        if (s.size == size) return s;
    }
    return modelSizeSpecs().front();
}

std::optional<ModelSize> parseModelSize(std::string_view text) {
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const auto& s : modelSizeSpecs()) {
        if (lower == s.name) return s.size;
    }
    return std::nullopt;
}

const char* nameOf(ModelSize size) { return modelSizeSpec(size).name; }

std::string modelSizeChoices() {
    std::string out;
    for (const auto& s : modelSizeSpecs()) {
        if (!out.empty()) out += ", ";
        out += s.name;
    }
    return out;
}

long long trainableParameters(ModelSize size, int numClassLogits, int numQueries, int groupDetr) {
    // What depends on the logits, queries and groups (state_dict_shapes.json): every class row costs
    // 257 parameters (256 weights + bias) in class_embed and in each group's two-stage head
    // enc_out_class_embed.{g}; each group also has enc_output, enc_output_norm and enc_out_bbox_embed
    // (198,916); each query of each group a refpoint_embed row (4) and a query_feat row (256).
    constexpr long long kPerLogit = 257, kPerGroup = 198916, kPerQuery = 4 + 256;
    constexpr long long kCocoLogits = 91, kCocoQueries = 300, kCocoGroups = 13;
    auto varying = [&](long long logits, long long queries, long long groups) {
        return (groups + 1) * logits * kPerLogit + groups * kPerGroup + groups * queries * kPerQuery;
    };
    return modelSizeSpec(size).parametersCoco - varying(kCocoLogits, kCocoQueries, kCocoGroups) +
           varying(numClassLogits, numQueries, groupDetr);
}

std::vector<int> multiScaleResolutions(int resolution, bool expanded) {
    constexpr int kStep = 32;  // patch 16 x 2 windows
    const int base = resolution / kStep;
    const int lo = expanded ? -5 : -3;
    const int hi = expanded ? 5 : 4;
    std::vector<int> out;
    for (int o = lo; o <= hi; ++o) {
        const int s = (base + o) * kStep;
        if (s >= 2 * kStep) out.push_back(s);
    }
    return out;
}

}  // namespace studio
