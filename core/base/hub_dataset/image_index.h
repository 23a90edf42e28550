#pragma once
// "_parquet_images.idx": where each image of a split lives inside the Hub cache's parquet shards, so the
// loader reads PNG bytes straight from the shards (no second copy of the dataset, no re-encoding).
// Binary, little-endian: "RFDSIDX1", version, shards (path, size), images (file name, image id, shard,
// page location), "RFDSEND1". Written atomically.
#include <cstdint>
#include <string>
#include <vector>

#include "base/parquet/column_reader.h"

namespace studio::hubdata {

constexpr const char* kImageIndexFile = "_parquet_images.idx";

struct IndexedImage {
    std::string fileName;
    std::int64_t imageId = 0;
    std::uint32_t shard = 0;
    parquet::ValueLocation location;
};

struct ImageIndex {
    std::vector<std::string> shards;           // absolute paths (snapshot links into the Hub cache)
    std::vector<std::uint64_t> shardSizes;     // to notice a shard that changed
    std::vector<IndexedImage> images;
};

/// Writes `index` to `path` atomically; throws std::runtime_error naming the file.
void writeImageIndex(const std::string& path, const ImageIndex& index);
/// Reads an index; throws std::runtime_error naming the file when it is missing, truncated or of
/// another version (then: delete the prepared folder to rebuild it).
ImageIndex readImageIndex(const std::string& path);

}  // namespace studio::hubdata
