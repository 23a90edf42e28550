#include "base/hf/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <memory>
#include <mutex>

#include "studio_version.h"

namespace studio::hf {

namespace {

constexpr std::size_t kMaxKeptBody = std::size_t(16) << 20;

struct CurlDeleter {
    void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
    void operator()(curl_slist* s) const { curl_slist_free_all(s); }
};
struct FileDeleter {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

void globalInit() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Exchange {
    const HttpRequest* request = nullptr;
    HttpResponse* response = nullptr;
    CURL* curl = nullptr;
    std::FILE* upload = nullptr;
    std::uint64_t uploadLeft = 0;
    std::uint64_t uploadSent = 0;
    std::size_t memOffset = 0;
    bool started = false;
};

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::size_t onHeader(char* data, std::size_t size, std::size_t n, void* user) {
    auto* ex = static_cast<Exchange*>(user);
    std::string line(data, size * n);
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
    if (line.rfind("HTTP/", 0) == 0) {
        ex->response->headers.clear();  // a new response (e.g. after 100 Continue)
        ex->started = false;
        return size * n;
    }
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
        std::string value = line.substr(colon + 1);
        const auto b = value.find_first_not_of(" \t");
        value = b == std::string::npos ? "" : value.substr(b);
        ex->response->headers.emplace_back(lower(line.substr(0, colon)), value);
    }
    return size * n;
}

std::size_t onWrite(char* data, std::size_t size, std::size_t n, void* user) {
    auto* ex = static_cast<Exchange*>(user);
    const std::size_t bytes = size * n;
    long status = 0;
    curl_easy_getinfo(ex->curl, CURLINFO_RESPONSE_CODE, &status);
    ex->response->bodyBytes += bytes;
    if (status >= 200 && status < 300 && !ex->started) {
        ex->started = true;
        if (ex->request->onStart && !ex->request->onStart(status, *ex->response)) {
            ex->response->aborted = true;
            return 0;
        }
    }
    if (status >= 200 && status < 300 && ex->request->onBody) {
        if (!ex->request->onBody(data, bytes)) {
            ex->response->aborted = true;
            return 0;  // makes curl stop with CURLE_WRITE_ERROR
        }
        return bytes;
    }
    if (ex->response->body.size() < kMaxKeptBody) ex->response->body.append(data, bytes);
    return bytes;
}

std::size_t onRead(char* buffer, std::size_t size, std::size_t n, void* user) {
    auto* ex = static_cast<Exchange*>(user);
    std::size_t want = size * n;
    std::size_t got = 0;
    if (ex->upload) {
        want = static_cast<std::size_t>(std::min<std::uint64_t>(want, ex->uploadLeft));
        got = std::fread(buffer, 1, want, ex->upload);
        if (got == 0 && want > 0) return CURL_READFUNC_ABORT;
        ex->uploadLeft -= got;
    } else {
        const std::string& body = ex->request->body;
        got = std::min(want, body.size() - ex->memOffset);
        std::copy_n(body.data() + ex->memOffset, got, buffer);
        ex->memOffset += got;
    }
    ex->uploadSent += got;
    if (ex->request->onSent) ex->request->onSent(ex->uploadSent);
    return got;
}

}  // namespace

std::optional<std::string> HttpResponse::header(const std::string& name) const {
    const std::string key = lower(name);
    for (auto it = headers.rbegin(); it != headers.rend(); ++it)
        if (it->first == key) return it->second;
    return std::nullopt;
}

std::string redactUrl(const std::string& url) {
    std::string out = url;
    if (const auto q = out.find_first_of("?#"); q != std::string::npos) out.resize(q);
    if (const auto at = out.find('@'), scheme = out.find("://"); at != std::string::npos && scheme != std::string::npos &&
                                                                  at < out.find('/', scheme + 3))
        out.erase(scheme + 3, at - scheme - 2);
    return out;
}

HttpResponse performHttp(const HttpRequest& request) {
    globalInit();
    HttpResponse response;
    std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
    if (!curl) {
        response.transportError = "libcurl could not start a transfer";
        return response;
    }
    Exchange ex;
    ex.request = &request;
    ex.response = &response;
    ex.curl = curl.get();
    std::unique_ptr<std::FILE, FileDeleter> upload;
    CURL* c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, request.connectTimeoutS);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, request.lowSpeedTimeS);
    if (request.totalTimeoutS > 0) curl_easy_setopt(c, CURLOPT_TIMEOUT, request.totalTimeoutS);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "rfdetr-studio/" STUDIO_VERSION " (libcurl)");
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, onHeader);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &ex);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, onWrite);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &ex);

    const bool hasBody = request.method == "POST" || request.method == "PUT";
    if (request.method == "HEAD") {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (hasBody) {
        std::uint64_t size = request.body.size();
        if (request.fileBody) {
            upload.reset(std::fopen(request.fileBody->path.c_str(), "rb"));
            if (!upload || std::fseek(upload.get(), static_cast<long>(request.fileBody->offset), SEEK_SET) != 0) {
                response.transportError = "cannot read " + request.fileBody->path;
                return response;
            }
            ex.upload = upload.get();
            ex.uploadLeft = request.fileBody->length;
            size = request.fileBody->length;
        }
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);  // PUT semantics + read callback
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
        curl_easy_setopt(c, CURLOPT_READFUNCTION, onRead);
        curl_easy_setopt(c, CURLOPT_READDATA, &ex);
        curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(size));
    } else if (request.method != "GET") {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }

    curl_slist* list = nullptr;
    for (const auto& h : request.headers) list = curl_slist_append(list, h.c_str());
    if (hasBody) list = curl_slist_append(list, "Expect:");  // no 100-continue round trip
    std::unique_ptr<curl_slist, SlistDeleter> headers(list);
    if (list) curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);

    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    const CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
    if (rc != CURLE_OK && !response.aborted) {
        response.transportError = errbuf[0] ? errbuf : curl_easy_strerror(rc);
        // Messages may quote the URL: keep only its origin and path.
        if (response.transportError.find(request.url) != std::string::npos)
            response.transportError.replace(response.transportError.find(request.url), request.url.size(),
                                            redactUrl(request.url));
    }
    return response;
}

}  // namespace studio::hf
