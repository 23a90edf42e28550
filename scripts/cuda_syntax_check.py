#!/usr/bin/env python3
"""Syntax-checks the code a CPU build never compiles: the sources (and the project headers they include) that
test STUDIO_TORCH_CUDA, USE_C10D_NCCL, STUDIO_HAVE_NCCL or STUDIO_CUDA_KERNELS, compiled with those defined,
-fsyntax-only, with their own compile command from a CPU build's compile_commands.json plus a CUDA toolkit's
headers. Run by scripts/libtorch2-check.sh against a newer LibTorch's headers (they ship ATen/cuda, c10/cuda and
c10d's ProcessGroupNCCL.hpp even in CPU builds).

    cuda_syntax_check.py COMPILE_COMMANDS SOURCE_ROOT CUDA_ROOT

Prints one line per file and the first errors of each failure; exits 1 if any file fails, 2 on bad arguments.
"""
import concurrent.futures
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

MACROS = re.compile(r"\b(STUDIO_TORCH_CUDA|USE_C10D_NCCL|STUDIO_HAVE_NCCL|STUDIO_CUDA_KERNELS)\b")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
DEFINES = ["-DSTUDIO_TORCH_CUDA=1", "-DUSE_C10D_NCCL=1", "-DSTUDIO_HAVE_NCCL=1", "-DSTUDIO_CUDA_KERNELS=1"]
# Headers a CUDA build of LibTorch generates and a CPU build does not install: stand-ins with a CUDA build's
# content, searched after every real include folder.
GENERATED = {"c10/cuda/impl/cuda_cmake_macros.h": "#pragma once\n#define C10_CUDA_BUILD_SHARED_LIBS\n"}


def project_header(name, source, root):
    for base in (os.path.dirname(source), os.path.join(root, "core"), os.path.join(root, "bench"),
                 os.path.join(root, "tests")):
        path = os.path.join(base, name)
        if os.path.isfile(path):
            return path
    return None


def uses_cuda_paths(source, root, seen=None):
    """The source or a project header it includes (recursively) tests one of the CUDA macros."""
    seen = set() if seen is None else seen
    if source in seen:
        return False
    seen.add(source)
    try:
        text = open(source, encoding="utf-8", errors="replace").read()
    except OSError:
        return False
    if MACROS.search(text):
        return True
    for name in INCLUDE.findall(text):
        header = project_header(name, source, root)
        if header and uses_cuda_paths(header, root, seen):
            return True
    return False


def syntax_command(entry, cuda, standins):
    args = entry.get("arguments") or shlex.split(entry["command"])
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
            continue
        if a in ("-o", "-MF", "-MT", "-MQ"):
            skip = True
            continue
        if a in ("-c", "-MD", "-MMD"):
            continue
        out.append(a)
    # The defines go before the source (the last argument); the toolkit's headers after the project's.
    return out[:-1] + DEFINES + ["-isystem", os.path.join(cuda, "include"), "-idirafter", standins,
                                 "-fsyntax-only", out[-1]]


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    commands, root, cuda = sys.argv[1:]
    if not os.path.isfile(os.path.join(cuda, "include", "cuda_runtime.h")):
        print(f"cuda_syntax_check: no cuda_runtime.h under {cuda}/include", file=sys.stderr)
        return 2
    entries = json.load(open(commands))
    picked = {}
    for e in entries:
        src = os.path.normpath(os.path.join(e["directory"], e["file"]))
        if src.startswith(root) and src.endswith(".cpp") and src not in picked and uses_cuda_paths(src, root):
            picked[src] = e
    if not picked:
        print("cuda_syntax_check: no source uses the CUDA paths (wrong compile_commands.json?)", file=sys.stderr)
        return 2

    standins = tempfile.mkdtemp(prefix="cuda-standins-")
    for name, text in GENERATED.items():
        os.makedirs(os.path.dirname(os.path.join(standins, name)), exist_ok=True)
        with open(os.path.join(standins, name), "w") as f:
            f.write(text)

    def check(item):
        src, e = item
        r = subprocess.run(syntax_command(e, cuda, standins), cwd=e["directory"], capture_output=True, text=True)
        return src, r.returncode, r.stderr

    failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for src, rc, err in pool.map(check, sorted(picked.items())):
            rel = os.path.relpath(src, root)
            if rc == 0:
                print(f"ok      {rel}")
                continue
            failed += 1
            print(f"FAILED  {rel}")
            errors = [l for l in err.splitlines() if "error" in l][:8]
            for line in errors or err.splitlines()[:8]:
                print("        " + line)
    print(f"cuda_syntax_check: {len(picked) - failed} of {len(picked)} files compile with the CUDA paths on")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
