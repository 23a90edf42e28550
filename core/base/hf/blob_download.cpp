#include "base/hf/blob_download.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

#include "base/hf/file_lock.h"
#include "base/hf/hashing.h"
#include "base/log/log.h"

namespace studio::hf {

namespace fs = std::filesystem;

namespace {

struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

HubError diskError(const std::string& path, int err, const std::string& cacheRoot) {
    const bool full = err == ENOSPC || err == EDQUOT || err == EFBIG;
    return HubError(HubErrorKind::Disk,
                    "cannot write " + path + ": " + std::strerror(err) +
                        (full ? " (the disk is full or a size quota was reached)" : ""),
                    full ? "free space under " + cacheRoot +
                               " or choose a cache on a bigger disk (--cache-dir / CACHE_DIR); the partial file is "
                               "kept and the download resumes from it"
                         : "check the permissions of " + cacheRoot + " or choose another --cache-dir");
}

// Starts a hasher for the file's etag kind: SHA-256 of the content, or the git blob SHA-1.
Hasher startHasher(const RepoFile& file) {
    if (isSha256Hex(file.etag)) return Hasher(HashKind::Sha256);
    Hasher h(HashKind::Sha1);
    const std::string header = "blob " + std::to_string(file.size) + std::string(1, '\0');
    h.update(header);
    return h;
}

// Re-hashes the bytes already in the partial file.
void hashPrefix(int fd, std::uint64_t bytes, Hasher& h, const std::string& path) {
    std::vector<char> buf(std::size_t(4) << 20);
    std::uint64_t off = 0;
    while (off < bytes) {
        const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), bytes - off));
        const ssize_t n = ::pread(fd, buf.data(), want, static_cast<off_t>(off));
        if (n <= 0) throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
        h.update(buf.data(), static_cast<std::size_t>(n));
        off += static_cast<std::uint64_t>(n);
    }
}

// "bytes 100-199/200" -> 100
long long contentRangeStart(const std::string& v) {
    const auto sp = v.find(' ');
    if (sp == std::string::npos) return -1;
    return std::atoll(v.c_str() + sp + 1);
}

}  // namespace

bool isSafeRepoPath(const std::string& path) {
    if (path.empty() || path[0] == '/' || path.find('\\') != std::string::npos) return false;
    std::size_t start = 0;
    while (start <= path.size()) {
        const auto end = path.find('/', start);
        const std::string part = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (part.empty() || part == "." || part == "..") return false;
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return true;
}

BlobDownloader::BlobDownloader(const HubClient& client, const HubCache& cache, ProgressMeter* meter,
                               BlobDownloadOptions options)
    : m_client(client), m_cache(cache), m_meter(meter), m_options(options) {}

bool BlobDownloader::isCached(const RepoFile& file) const {
    struct stat st {};
    return ::stat(m_cache.blobPath(file.etag).c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
           static_cast<std::uint64_t>(st.st_size) == file.size;
}

std::string BlobDownloader::ensure(const RepoFile& file, const std::string& commit) const {
    if (!isSafeRepoPath(file.path) || (!isSha256Hex(file.etag) && !isSha1Hex(file.etag)))
        throw HubError(HubErrorKind::Protocol, "refusing the repository file '" + file.path + "': unsafe path or etag",
                       "check HF_ENDPOINT points at a trusted Hugging Face Hub");
    if (!isCached(file)) {
        std::error_code ec;
        fs::create_directories(fs::path(m_cache.blobPath(file.etag)).parent_path(), ec);
        if (ec) throw diskError(m_cache.repoDir() + "/blobs", ec.value(), m_cache.root());
        FileLock lock(m_cache.lockPath(file.etag), m_options.lockTimeoutS, [&] {
            logger().info("waiting for another process that is downloading {} ({})", file.path,
                          m_cache.lockPath(file.etag));
        });
        if (!isCached(file)) download(file, commit);  // the other process may have finished it
    }
    try {
        m_cache.linkSnapshot(commit, file.path, file.etag);
    } catch (const std::exception& e) {
        throw HubError(HubErrorKind::Disk, e.what(), "check the permissions and free space of " + m_cache.root());
    }
    return m_cache.snapshotPath(commit, file.path);
}

void BlobDownloader::download(const RepoFile& file, const std::string& commit) const {
    const std::string partPath = m_cache.incompletePath(file.etag);
    const std::string what = "downloading " + file.path;
    Fd out;
    out.fd = ::open(partPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (out.fd < 0) throw diskError(partPath, errno, m_cache.root());
    struct stat st {};
    ::fstat(out.fd, &st);
    std::uint64_t have = static_cast<std::uint64_t>(st.st_size);
    if (have > file.size) {
        if (::ftruncate(out.fd, 0) != 0) throw diskError(partPath, errno, m_cache.root());
        have = 0;
    }
    Hasher hasher = startHasher(file);
    hashPrefix(out.fd, have, hasher, partPath);
    if (have > 0) logger().info("resuming {} at {} of {} bytes", file.path, have, file.size);
    if (m_meter) m_meter->skip(static_cast<double>(have));

    RepoRef at = m_cache.repo();
    at.revision = commit;
    const std::string resolve = resolveUrl(m_client.endpoint(), at, file.path);
    const std::string hubOrigin = urlOrigin(m_client.endpoint());
    std::string storageUrl;  // the signed URL the Hub redirected to, reused until it expires
    int refreshes = 0, failures = 0, attempts = 0, checksumRetries = 0;

    for (;;) {
        if (have == file.size) {
            if (::fsync(out.fd) != 0) throw diskError(partPath, errno, m_cache.root());
            const std::string got = hasher.hexDigest();
            if (got == file.etag) break;
            // Corrupt bytes: never keep them. One fresh attempt, then give up.
            if (::ftruncate(out.fd, 0) != 0) throw diskError(partPath, errno, m_cache.root());
            if (m_meter) m_meter->add(-static_cast<double>(have));
            have = 0;
            hasher = startHasher(file);
            if (++checksumRetries > 1) {
                ::unlink(partPath.c_str());
                throw HubError(HubErrorKind::Integrity,
                               what + ": checksum mismatch (expected " + file.etag + ", got " + got +
                                   "); the damaged download was deleted",
                               "run the command again; if it keeps failing, the mirror or proxy in between corrupts "
                               "data (check HF_ENDPOINT and https_proxy)");
            }
            logger().warn("{}: checksum mismatch (expected {}, got {}); downloading again", what, file.etag, got);
            storageUrl.clear();
            continue;
        }
        if (++attempts > m_options.maxTotalAttempts)
            throw HubError(HubErrorKind::Network, what + ": gave up after " + std::to_string(attempts - 1) + " attempts",
                           "run the command again later; the download resumes from " + partPath);

        HttpRequest req;
        req.url = storageUrl.empty() ? resolve : storageUrl;
        req.headers.push_back("Accept-Encoding: identity");
        if (have > 0) req.headers.push_back("Range: bytes=" + std::to_string(have) + "-");
        int writeErrno = 0;
        bool rangeMismatch = false;
        const std::uint64_t startHave = have;
        req.onStart = [&](long status, const HttpResponse& r) {
            if (status == 200 && have > 0) {  // the server ignored Range: start over
                if (::ftruncate(out.fd, 0) != 0) {
                    writeErrno = errno;
                    return false;
                }
                if (m_meter) m_meter->add(-static_cast<double>(have));
                have = 0;
                hasher = startHasher(file);
            } else if (status == 206) {
                if (contentRangeStart(r.header("content-range").value_or("")) != static_cast<long long>(have)) {
                    rangeMismatch = true;
                    return false;
                }
            }
            return true;
        };
        req.onBody = [&](const char* data, std::size_t n) {
            if (have + n > file.size) {  // more bytes than the listing said: not the file we expect
                rangeMismatch = true;
                return false;
            }
            std::size_t done = 0;
            while (done < n) {
                const ssize_t w = ::pwrite(out.fd, data + done, n - done, static_cast<off_t>(have + done));
                if (w < 0) {
                    if (errno == EINTR) continue;
                    writeErrno = errno;
                    return false;
                }
                done += static_cast<std::size_t>(w);
            }
            hasher.update(data, n);
            have += n;
            if (m_meter) m_meter->add(static_cast<double>(n));
            return true;
        };
        std::string finalUrl;
        const HttpResponse r = m_client.send(req, true, &finalUrl);
        if (writeErrno != 0) throw diskError(partPath, writeErrno, m_cache.root());
        const bool fromStorage = urlOrigin(finalUrl) != hubOrigin;
        if (fromStorage) storageUrl = finalUrl;
        if (r.ok() || (r.status >= 200 && r.status < 300 && have == file.size)) {
            if (have < file.size && r.transportError.empty() && !r.aborted) {
                // A complete answer that is shorter than the file: treat as an interrupted transfer.
                logger().warn("{}: the server sent only {} of {} bytes; resuming", what, have, file.size);
            }
            if (have > startHave) {
                failures = 0;
            } else if (++failures >= m_client.retry().maxAttempts) {
                throw HubError(HubErrorKind::Network, what + ": the server keeps ending the transfer early",
                               "run the command again later; the download resumes from " + partPath);
            }
            continue;
        }
        if (rangeMismatch) {
            logger().warn("{}: the server answered a different byte range; restarting the file", what);
            if (::ftruncate(out.fd, 0) != 0) throw diskError(partPath, errno, m_cache.root());
            if (m_meter) m_meter->add(-static_cast<double>(have));
            have = 0;
            hasher = startHasher(file);
            storageUrl.clear();
            continue;
        }
        if (r.status == 416) {  // range not satisfiable: our partial file does not fit; start over
            if (::ftruncate(out.fd, 0) != 0) throw diskError(partPath, errno, m_cache.root());
            if (m_meter) m_meter->add(-static_cast<double>(have));
            have = 0;
            hasher = startHasher(file);
            continue;
        }
        if (fromStorage && (r.status == 403 || r.status == 410 || r.status == 400 || r.status == 404)) {
            // Signed storage URLs expire (1 h on the Hub): ask the Hub for a fresh one.
            storageUrl.clear();
            if (++refreshes > m_options.maxUrlRefreshes)
                throw HubError(HubErrorKind::Forbidden,
                               what + ": the storage server keeps refusing fresh download links (" +
                                   std::to_string(r.status) + ")",
                               "check the system clock (signed links depend on it) and run the command again");
            logger().info("{}: the download link expired ({}); asking the Hub for a new one", what, r.status);
            continue;
        }
        if (r.status >= 200 && r.status < 300) {
            // Transfer broke mid-way (connection reset, stall): resume where it stopped.
            if (have > startHave) failures = 0;
            if (++failures >= m_client.retry().maxAttempts)
                throw HubError(HubErrorKind::Network, what + " failed: " + r.transportError,
                               "check the network and run the command again; it resumes from " + partPath);
            const double d = m_client.retry().delayS(failures);
            logger().warn("{}: transfer interrupted at {} of {} bytes ({}); resuming in {:.1f} s", what, have,
                          file.size, r.transportError, d);
            std::this_thread::sleep_for(std::chrono::duration<double>(d));
            continue;
        }
        HubError e = hubErrorFrom(r, what, m_client.hasToken());
        if (!e.transient()) throw e;
        if (have > startHave) failures = 0;
        if (++failures >= m_client.retry().maxAttempts)
            throw HubError(e.kind(), std::string(e.what()) + " (after " + std::to_string(failures) + " attempts)",
                           e.fix() + "; the download resumes from " + partPath, e.httpStatus());
        const double d = m_client.retry().delayS(failures, &r);
        logger().warn("{} (attempt {}); retrying in {:.1f} s", e.what(), failures, d);
        std::this_thread::sleep_for(std::chrono::duration<double>(d));
    }

    const std::string blob = m_cache.blobPath(file.etag);
    if (::rename(partPath.c_str(), blob.c_str()) != 0) throw diskError(blob, errno, m_cache.root());
    const int dfd = ::open(fs::path(blob).parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

}  // namespace studio::hf
