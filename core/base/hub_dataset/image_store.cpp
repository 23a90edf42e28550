#include "base/hub_dataset/image_store.h"

#include <sys/stat.h>

#include <filesystem>
#include <stdexcept>

#include "base/parquet/parquet_error.h"
#include "base/util/atomic_file.h"

namespace studio::hubdata {

std::unique_ptr<ImageStore> ImageStore::open(const std::string& splitDir, std::size_t pageCacheBytes) {
    std::unique_ptr<ImageStore> s(new ImageStore());
    s->m_dir = splitDir;
    s->m_pageCacheBytes = pageCacheBytes;
    const std::string idx = splitDir + "/" + kImageIndexFile;
    std::error_code ec;
    if (!std::filesystem::exists(idx, ec)) return s;
    s->m_indexed = true;
    s->m_index = readImageIndex(idx);
    for (std::size_t i = 0; i < s->m_index.shards.size(); ++i) {
        struct stat st {};
        const std::string& p = s->m_index.shards[i];
        if (::stat(p.c_str(), &st) != 0)
            throw std::runtime_error(splitDir + ": the parquet shard " + p +
                                     " is gone from the Hugging Face cache; run rfdetr-train fetch-dataset again (it "
                                     "downloads only what is missing)");
        if (static_cast<std::uint64_t>(st.st_size) != s->m_index.shardSizes[i])
            throw std::runtime_error(splitDir + ": the parquet shard " + p +
                                     " changed size since the index was built; delete " + splitDir +
                                     "/.. to rebuild the prepared dataset");
    }
    s->m_shards.resize(s->m_index.shards.size());
    s->m_byName.reserve(s->m_index.images.size());
    for (std::uint32_t i = 0; i < s->m_index.images.size(); ++i) s->m_byName.emplace(s->m_index.images[i].fileName, i);
    return s;
}

const parquet::ParquetFile& ImageStore::shard(std::uint32_t i) const {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (!m_shards[i]) m_shards[i] = parquet::ParquetFile::open(m_index.shards[i]);
    return *m_shards[i];
}

std::string ImageStore::fromPage(std::uint32_t shardNo, const parquet::ValueLocation& loc) const {
    std::shared_ptr<const std::vector<std::uint8_t>> body;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        for (auto it = m_pages.begin(); it != m_pages.end(); ++it) {
            if (it->shard == shardNo && it->bodyOffset == loc.bodyOffset) {
                body = it->body;
                m_pages.splice(m_pages.begin(), m_pages, it);
                break;
            }
        }
    }
    if (!body) {
        const parquet::ParquetFile& f = shard(shardNo);
        std::vector<std::uint8_t> raw(loc.compressedBytes);
        f.readAt(loc.bodyOffset, raw.data(), raw.size());
        auto decoded = std::make_shared<std::vector<std::uint8_t>>();
        parquet::decodePageBody(raw.data(), loc, *decoded);
        body = decoded;
        std::lock_guard<std::mutex> lock(m_mutex);
        m_pages.push_front({shardNo, loc.bodyOffset, body});
        m_pageBytes += body->size();
        while (m_pageBytes > m_pageCacheBytes && m_pages.size() > 1) {
            m_pageBytes -= m_pages.back().body->size();
            m_pages.pop_back();
        }
    }
    if (static_cast<std::uint64_t>(loc.offset) + loc.length > body->size())
        throw parquet::ParquetError("an indexed image lies outside its page");
    return std::string(reinterpret_cast<const char*>(body->data()) + loc.offset, loc.length);
}

std::string ImageStore::read(std::string_view fileName) const {
    if (!m_indexed) return readFile(m_dir + "/" + std::string(fileName));
    const auto it = m_byName.find(std::string(fileName));
    if (it == m_byName.end())
        throw std::runtime_error(m_dir + ": no image named " + std::string(fileName) + " in the parquet index");
    const IndexedImage& im = m_index.images[it->second];
    try {
        const parquet::ParquetFile& f = shard(im.shard);
        std::string out;
        if (parquet::readValueFast(im.location, [&f](std::uint64_t off, void* buf, std::size_t n) { f.readAt(off, buf, n); }, out))
            return out;
        return fromPage(im.shard, im.location);
    } catch (const std::exception& e) {
        throw std::runtime_error(m_dir + "/" + std::string(fileName) + ": " + e.what());
    }
}

}  // namespace studio::hubdata
