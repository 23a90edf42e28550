#include "base/hub_dataset/image_index.h"

#include <cstring>
#include <stdexcept>

#include "base/util/atomic_file.h"

namespace studio::hubdata {

namespace {
constexpr char kMagic[] = "RFDSIDX1";
constexpr char kEnd[] = "RFDSEND1";
constexpr std::uint32_t kVersion = 1;

struct Out {
    std::string buf;
    template <typename T>
    void put(T v) {
        buf.append(reinterpret_cast<const char*>(&v), sizeof v);
    }
    void str(const std::string& s) {
        put(static_cast<std::uint32_t>(s.size()));
        buf += s;
    }
};

struct In {
    const std::string& buf;
    std::size_t pos = 0;
    const std::string& path;
    template <typename T>
    T get() {
        if (pos + sizeof(T) > buf.size()) throw std::runtime_error(path + " is truncated; delete the prepared dataset folder to rebuild it");
        T v;
        std::memcpy(&v, buf.data() + pos, sizeof v);
        pos += sizeof v;
        return v;
    }
    std::string str() {
        const auto n = get<std::uint32_t>();
        if (pos + n > buf.size()) throw std::runtime_error(path + " is truncated; delete the prepared dataset folder to rebuild it");
        std::string s = buf.substr(pos, n);
        pos += n;
        return s;
    }
};
}  // namespace

void writeImageIndex(const std::string& path, const ImageIndex& index) {
    Out o;
    o.buf.append(kMagic, 8);
    o.put(kVersion);
    o.put(static_cast<std::uint32_t>(index.shards.size()));
    for (std::size_t i = 0; i < index.shards.size(); ++i) {
        o.str(index.shards[i]);
        o.put(index.shardSizes[i]);
    }
    o.put(static_cast<std::uint64_t>(index.images.size()));
    for (const auto& im : index.images) {
        o.str(im.fileName);
        o.put(im.imageId);
        o.put(im.shard);
        const auto& l = im.location;
        o.put(l.bodyOffset);
        o.put(l.compressedBytes);
        o.put(l.uncompressedBytes);
        o.put(l.levelBytes);
        o.put(l.offset);
        o.put(l.length);
        o.put(static_cast<std::int32_t>(l.codec));
        o.put(l.seekCompressed);
        o.put(l.seekUncompressed);
    }
    o.buf.append(kEnd, 8);
    writeFileAtomic(path, o.buf);
}

ImageIndex readImageIndex(const std::string& path) {
    const std::string buf = readFile(path);
    if (buf.size() < 16 || buf.compare(0, 8, kMagic) != 0 || buf.compare(buf.size() - 8, 8, kEnd) != 0)
        throw std::runtime_error(path + " is not a complete image index; delete the prepared dataset folder to rebuild it");
    In in{buf, 8, path};
    if (in.get<std::uint32_t>() != kVersion)
        throw std::runtime_error(path + " was written by another version; delete the prepared dataset folder to rebuild it");
    ImageIndex index;
    const auto shards = in.get<std::uint32_t>();
    for (std::uint32_t i = 0; i < shards; ++i) {
        index.shards.push_back(in.str());
        index.shardSizes.push_back(in.get<std::uint64_t>());
    }
    const auto n = in.get<std::uint64_t>();
    if (n > buf.size()) throw std::runtime_error(path + " is corrupt; delete the prepared dataset folder to rebuild it");
    index.images.resize(static_cast<std::size_t>(n));
    for (auto& im : index.images) {
        im.fileName = in.str();
        im.imageId = in.get<std::int64_t>();
        im.shard = in.get<std::uint32_t>();
        if (im.shard >= shards) throw std::runtime_error(path + " is corrupt (shard number out of range)");
        auto& l = im.location;
        l.bodyOffset = in.get<std::uint64_t>();
        l.compressedBytes = in.get<std::uint32_t>();
        l.uncompressedBytes = in.get<std::uint32_t>();
        l.levelBytes = in.get<std::uint32_t>();
        l.offset = in.get<std::uint32_t>();
        l.length = in.get<std::uint32_t>();
        l.codec = static_cast<parquet::Codec>(in.get<std::int32_t>());
        l.seekCompressed = in.get<std::uint32_t>();
        l.seekUncompressed = in.get<std::uint32_t>();
    }
    return index;
}

}  // namespace studio::hubdata
