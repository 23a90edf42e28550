#pragma once
// Image bytes of one split folder, for the data loader: a Hugging Face split prepared as an index into
// the parquet shards (see prepare_hub_dataset.h) is read from the shards; any other COCO folder from its
// image files. Either way: read(fileName) with the COCO "file_name". Thread-safe.
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/hub_dataset/image_index.h"
#include "base/parquet/parquet_file.h"

namespace studio::hubdata {

class ImageStore {
public:
    /// Opens `splitDir` (".../train"). Throws std::runtime_error naming the file when an index exists but
    /// cannot be used (truncated, or a shard is missing or changed size).
    static std::unique_ptr<ImageStore> open(const std::string& splitDir, std::size_t pageCacheBytes = 256u << 20);

    /// Encoded image bytes (PNG/JPEG) of a COCO file_name. Throws std::runtime_error naming the split
    /// and file when unknown or unreadable. Any thread.
    std::string read(std::string_view fileName) const;
    /// True when the images come from parquet shards (an index), false for plain files.
    bool parquetBacked() const { return m_indexed; }
    /// Images in the index (0 for plain folders).
    std::size_t size() const { return m_index.images.size(); }

private:
    ImageStore() = default;
    const parquet::ParquetFile& shard(std::uint32_t i) const;
    std::string fromPage(std::uint32_t shard, const parquet::ValueLocation& loc) const;

    std::string m_dir;
    bool m_indexed = false;
    ImageIndex m_index;
    std::unordered_map<std::string, std::uint32_t> m_byName;
    mutable std::mutex m_mutex;
    mutable std::vector<std::unique_ptr<parquet::ParquetFile>> m_shards;
    // Decoded compressed pages, most recent first (neighbouring images share pages).
    struct CachedPage {
        std::uint32_t shard;
        std::uint64_t bodyOffset;
        std::shared_ptr<const std::vector<std::uint8_t>> body;
    };
    mutable std::list<CachedPage> m_pages;
    mutable std::size_t m_pageBytes = 0;
    std::size_t m_pageCacheBytes = 0;
};

}  // namespace studio::hubdata
