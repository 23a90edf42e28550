#!/usr/bin/env python3
"""A fake Hugging Face Hub on 127.0.0.1 for the Hub client tests (standard library only).

The Hub API answers on http://127.0.0.1:PORT; file contents are served by a "storage" host on
http://localhost:PORT (another origin, like the Hub's CDN / signed URLs), so a test can check that the
token never travels to it. Prints "PORT <n>" on stdout once listening. State and faults are set by the
test with POST /_control (JSON merged into the state); GET /_control/log returns every request seen.

State keys:
  repos: {"datasets/owner/name" | "models/owner/name": {"commit": sha, "private": bool,
          "files": {path: {"file": local path, "lfs": bool}}}}
  tokens: {token: "read" | "write"}
  page_size: tree entries per page (Link: rel="next" pagination)
  url_ttl: seconds a signed storage URL stays valid
  faults: {"expire": n            first n storage requests answer 403 (expired signature),
           "cut": {path: bytes}   next download of path stops after `bytes` bytes (connection closed),
           "corrupt": {path: n}   next n downloads of path have one byte flipped,
           "ignore_range": n      next n ranged requests get 200 with the whole file,
           "fail": {prefix: [codes]}  next requests whose path starts with prefix get these statuses}
  multipart_chunk: bytes per part for LFS uploads (0 = basic single PUT)
  static: {path: {"file": local path} | {"content": base64}}  plain files at /static/<path> (Range and the
          cut / corrupt / ignore_range faults apply, keyed by <path>)
"""
import base64
import hashlib
import json
import os
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {"repos": {}, "tokens": {}, "page_size": 1000, "url_ttl": 3600, "faults": {}, "multipart_chunk": 0,
         "static": {}}
LOG = []
LFS = {}      # oid -> bytes (uploaded objects)
PARTS = {}    # oid -> {part number: bytes}
COMMITS = []  # every commit received: {"repo", "lines"}


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def git_sha1(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def file_bytes(spec):
    if "content" in spec:
        return base64.b64decode(spec["content"])
    with open(spec["file"], "rb") as f:
        return f.read()


def etag_of(spec, data):
    return sha256(data) if spec.get("lfs", True) else git_sha1(data)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    # ---- helpers -------------------------------------------------------------------------------
    def host(self):
        return self.headers.get("Host", "").split(":")[0]

    def token(self):
        auth = self.headers.get("Authorization", "")
        return auth[7:] if auth.startswith("Bearer ") else None

    def body(self):
        n = int(self.headers.get("Content-Length", "0") or 0)
        return self.rfile.read(n) if n else b""

    def send(self, status, payload=b"", headers=None, content_type="application/json"):
        if isinstance(payload, (dict, list)):
            payload = json.dumps(payload).encode()
        elif isinstance(payload, str):
            payload = payload.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def error(self, status, code, message):
        self.send(status, {"error": message}, {"X-Error-Code": code, "X-Error-Message": message})

    def record(self):
        with LOCK:
            LOG.append({"method": self.command, "host": self.host(), "path": self.path,
                        "auth": self.headers.get("Authorization") is not None,
                        "token": self.token() or "", "range": self.headers.get("Range", "")})

    def injected_failure(self):
        path = urllib.parse.urlparse(self.path).path
        with LOCK:
            for prefix, codes in STATE["faults"].get("fail", {}).items():
                if path.startswith(prefix) and codes:
                    return codes.pop(0)
        return None

    def repo_access(self, key, write=False):
        """Returns the repo or sends the error the real Hub sends (401 hides private repos)."""
        repo = STATE["repos"].get(key)
        tok = self.token()
        role = STATE["tokens"].get(tok) if tok else None
        if tok and role is None:
            self.error(401, "", "Invalid credentials in Authorization header")
            return None
        if repo is None or (repo.get("private") and role is None):
            if role is None:
                self.error(401, "RepoNotFound", "Repository not found")
            else:
                self.error(404, "RepoNotFound", "Repository not found")
            return None
        if write and role != "write":
            self.error(403, "", "You don't have the rights to write to this repository")
            return None
        return repo

    # ---- dispatch ------------------------------------------------------------------------------
    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        self.record()
        url = urllib.parse.urlparse(self.path)
        parts = [urllib.parse.unquote(p) for p in url.path.split("/")[1:]]
        if url.path == "/_control/log":
            with LOCK:
                return self.send(200, {"log": LOG, "lfs": {k: len(v) for k, v in LFS.items()}, "commits": COMMITS})
        code = self.injected_failure()
        if code:
            return self.error(code, "", "injected failure")
        if parts[0] == "storage":
            return self.storage(parts[1], urllib.parse.parse_qs(url.query))
        if parts[0] == "static":
            return self.static("/".join(parts[1:]))
        if parts[:1] == ["api"] and len(parts) >= 6 and parts[4] in ("revision", "tree"):
            key = parts[1] + "/" + parts[2] + "/" + parts[3]
            repo = self.repo_access(key)
            if repo is None:
                return
            rev = parts[5]
            if rev not in ("main", repo["commit"]):
                return self.error(404, "RevisionNotFound", "Invalid rev id: " + rev)
            if parts[4] == "revision":
                return self.send(200, {"id": key.split("/", 1)[1], "sha": repo["commit"],
                                       "siblings": [{"rfilename": p} for p in repo["files"]]})
            return self.tree(key, repo, urllib.parse.parse_qs(url.query))
        if "resolve" in parts:
            i = parts.index("resolve")
            key = ("datasets/" if parts[0] == "datasets" else "models/") + "/".join(
                parts[1:i] if parts[0] == "datasets" else parts[:i])
            repo = self.repo_access(key)
            if repo is None:
                return
            path = "/".join(parts[i + 2:])
            spec = repo["files"].get(path)
            if spec is None:
                return self.error(404, "EntryNotFound", path + " does not exist on " + parts[i + 1])
            data = file_bytes(spec)
            etag = etag_of(spec, data)
            exp = int(time.time()) + STATE["url_ttl"]
            port = self.server.server_address[1]
            loc = "http://localhost:%d/storage/%s?path=%s&exp=%d&X-Amz-Signature=secret" % (
                port, etag, urllib.parse.quote(key + "/" + path, safe=""), exp)
            return self.send(302, b"", {"Location": loc, "X-Repo-Commit": repo["commit"],
                                        "X-Linked-Etag": '"%s"' % etag, "X-Linked-Size": str(len(data)),
                                        "ETag": '"%s"' % git_sha1(data)})
        self.error(404, "", "no such endpoint " + url.path)

    def tree(self, key, repo, query):
        entries = []
        for path in sorted(repo["files"]):
            spec = repo["files"][path]
            data = file_bytes(spec)
            e = {"type": "file", "path": path, "size": len(data), "oid": git_sha1(data)}
            if spec.get("lfs", True):
                e["lfs"] = {"oid": sha256(data), "size": len(data), "pointerSize": 134}
            entries.append(e)
        start = int(query.get("cursor", ["0"])[0])
        size = STATE["page_size"]
        page = entries[start:start + size]
        headers = {}
        if start + size < len(entries):
            nxt = self.path.split("?")[0] + "?recursive=true&expand=false&cursor=%d" % (start + size)
            headers["Link"] = '<http://127.0.0.1:%d%s>; rel="next"' % (self.server.server_address[1], nxt)
        self.send(200, page, headers)

    def storage(self, etag, query):
        if self.token() is not None:
            return self.error(400, "", "storage must never receive the Hub token")
        with LOCK:
            faults = STATE["faults"]
            if faults.get("expire", 0) > 0:
                faults["expire"] -= 1
                return self.send(403, "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
                                 content_type="application/xml")
        if int(query.get("exp", ["0"])[0]) < time.time():
            return self.send(403, "<Error><Message>Request has expired</Message></Error>", content_type="application/xml")
        full = query.get("path", [""])[0]
        key, path = None, None
        for k, repo in STATE["repos"].items():
            if full.startswith(k + "/") and full[len(k) + 1:] in repo["files"]:
                key, path = k, full[len(k) + 1:]
        if key is None:
            return self.error(404, "", "no such object")
        return self.serve_bytes(file_bytes(STATE["repos"][key]["files"][path]), path)

    def static(self, path):
        """A plain file server (no Hub semantics), e.g. for published model weights."""
        spec = STATE["static"].get(path)
        if spec is None:
            return self.error(404, "", "no such file")
        return self.serve_bytes(file_bytes(spec), path)

    def serve_bytes(self, data, path):
        """Sends `data` honouring Range requests and the cut / corrupt / ignore_range faults for `path`."""
        with LOCK:
            corrupt = STATE["faults"].get("corrupt", {})
            if corrupt.get(path, 0) > 0:
                corrupt[path] -= 1
                data = bytes([data[0] ^ 0xFF]) + data[1:]
            cut = STATE["faults"].get("cut", {}).pop(path, None)
            ignore = STATE["faults"].get("ignore_range", 0) > 0
        start = 0
        rng = self.headers.get("Range", "")
        if rng.startswith("bytes=") and not ignore:
            start = int(rng[6:].split("-")[0])
            if start >= len(data):
                return self.send(416, b"", {"Content-Range": "bytes */%d" % len(data)})
        elif rng and ignore:
            with LOCK:
                STATE["faults"]["ignore_range"] -= 1
        body = data[start:]
        self.send_response(206 if start else 200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        if start:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
        self.end_headers()
        if self.command == "HEAD":
            return
        if cut is not None:
            self.wfile.write(body[:cut])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)

    def do_PUT(self):
        self.record()
        url = urllib.parse.urlparse(self.path)
        parts = url.path.split("/")[1:]
        data = self.body()
        if self.token() is not None:
            return self.error(400, "", "storage must never receive the Hub token")
        code = self.injected_failure()
        if code:
            return self.error(code, "", "injected failure")
        if parts[0] == "lfs-upload":
            if sha256(data) != parts[1]:
                return self.error(400, "", "content does not match oid")
            with LOCK:
                LFS[parts[1]] = data
            return self.send(200, b"")
        if parts[0] == "lfs-part":
            with LOCK:
                PARTS.setdefault(parts[1], {})[int(parts[2])] = data
            return self.send(200, b"", {"ETag": '"%s"' % hashlib.md5(data).hexdigest()})
        self.error(404, "", "no such endpoint")

    def do_POST(self):
        self.record()
        url = urllib.parse.urlparse(self.path)
        parts = [urllib.parse.unquote(p) for p in url.path.split("/")[1:]]
        raw = self.body()
        if url.path == "/_control":
            update = json.loads(raw)
            with LOCK:
                for k, v in update.items():
                    STATE[k] = v
            return self.send(200, {"ok": True})
        code = self.injected_failure()
        if code:
            return self.error(code, "", "injected failure")
        if parts[0] == "lfs-complete":
            oid = parts[1]
            req = json.loads(raw)
            with LOCK:
                stored = PARTS.get(oid, {})
                for p in req["parts"]:
                    if p["etag"].strip('"') != hashlib.md5(stored.get(p["partNumber"], b"")).hexdigest():
                        return self.error(400, "", "bad part etag")
                data = b"".join(stored[p["partNumber"]] for p in req["parts"])
                if sha256(data) != oid:
                    return self.error(400, "", "assembled content does not match oid")
                LFS[oid] = data
            return self.send(200, {})
        if url.path == "/api/repos/create":
            req = json.loads(raw)
            tok = self.token()
            role = STATE["tokens"].get(tok) if tok else None
            if role is None:
                return self.error(401, "", "Invalid credentials in Authorization header")
            if role != "write":
                return self.error(403, "", "You don't have the rights to create a model under this namespace")
            key = "models/" + (req.get("organization") or "user") + "/" + req["name"]
            with LOCK:
                if key in STATE["repos"]:
                    return self.error(409, "", "You already created this model repo")
                STATE["repos"][key] = {"commit": "0" * 40, "private": req.get("private", False), "files": {}}
            return self.send(200, {"url": "http://127.0.0.1/" + key})
        if parts[0] == "api" and len(parts) >= 6 and parts[4] in ("preupload", "commit"):
            key = parts[1] + "/" + parts[2] + "/" + parts[3]
            repo = self.repo_access(key, write=True)
            if repo is None:
                return
            if parts[4] == "preupload":
                files = json.loads(raw)["files"]
                modes = [{"path": f["path"], "uploadMode": "lfs" if f["path"].endswith(".pth") or f["size"] > 100000
                          else "regular", "shouldIgnore": False} for f in files]
                return self.send(200, {"files": modes})
            return self.commit(key, repo, raw)
        if len(parts) >= 5 and parts[-4:-1] == ["info", "lfs", "objects"]:
            key = "models/" + "/".join(parts[:-4])[:-len(".git")]
            repo = self.repo_access(key, write=True)
            if repo is None:
                return
            if parts[-1] == "verify":
                req = json.loads(raw)
                ok = req["oid"] in LFS and len(LFS[req["oid"]]) == req["size"]
                return self.send(200 if ok else 404, {} if ok else {"error": "object not found"})
            return self.batch(json.loads(raw), key)
        self.error(404, "", "no such endpoint " + url.path)

    def batch(self, req, key):
        port = self.server.server_address[1]
        out = []
        for obj in req["objects"]:
            oid, size = obj["oid"], obj["size"]
            entry = {"oid": oid, "size": size, "authenticated": True}
            if oid not in LFS:
                chunk = STATE.get("multipart_chunk", 0)
                verify = {"href": "http://127.0.0.1:%d/%s.git/info/lfs/objects/verify" % (port, key[len("models/"):])}
                if chunk and size > chunk:
                    header = {"chunk_size": str(chunk)}
                    for i in range((size + chunk - 1) // chunk):
                        header[str(i + 1)] = "http://localhost:%d/lfs-part/%s/%d" % (port, oid, i + 1)
                    entry["actions"] = {"upload": {"href": "http://localhost:%d/lfs-complete/%s" % (port, oid),
                                                   "header": header}, "verify": verify}
                else:
                    entry["actions"] = {"upload": {"href": "http://localhost:%d/lfs-upload/%s" % (port, oid)},
                                        "verify": verify}
            out.append(entry)
        self.send(200, {"transfer": "basic", "objects": out}, content_type="application/vnd.git-lfs+json")

    def commit(self, key, repo, raw):
        lines = [json.loads(l) for l in raw.decode().splitlines() if l.strip()]
        if not lines or lines[0].get("key") != "header":
            return self.error(400, "", "the first line must be the header")
        for l in lines[1:]:
            v = l["value"]
            if l["key"] == "lfsFile":
                if v["oid"] not in LFS or len(LFS[v["oid"]]) != v["size"]:
                    return self.error(422, "", "LFS object %s was not uploaded" % v["oid"])
                repo["files"][v["path"]] = {"content": base64.b64encode(LFS[v["oid"]]).decode(), "lfs": True}
            elif l["key"] == "file":
                repo["files"][v["path"]] = {"content": v["content"], "lfs": False}
            else:
                return self.error(400, "", "unknown line " + l["key"])
        sha = hashlib.sha1(raw).hexdigest()
        repo["commit"] = sha
        with LOCK:
            COMMITS.append({"repo": key, "lines": lines})
        self.send(200, {"commitUrl": "http://127.0.0.1/%s/commit/%s" % (key, sha), "commitOid": sha})


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print("PORT %d" % server.server_address[1], flush=True)
    # Stop by itself: when the test's pipe closes (parent gone) or after a generous time limit.
    threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    threading.Timer(float(os.environ.get("FAKE_HUB_MAX_S", "300")), lambda: os._exit(0)).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
