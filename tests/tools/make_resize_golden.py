#!/usr/bin/python3
"""Writes tests/data/resize/pil_bilinear.json: Pillow's bilinear (antialiased) resizes of a synthetic
picture, the reference for tst_resample. Run with Debian's python3-pil:
    /usr/bin/python3 tests/tools/make_resize_golden.py tests/data/resize/pil_bilinear.json
The picture is computed by formula (the test computes the same one), so only the outputs are stored."""
import base64
import json
import sys

import PIL
from PIL import Image


def picture(w, h):
    img = Image.new("RGB", (w, h))
    px = img.load()
    for y in range(h):
        for x in range(w):
            r = (x * 255) // (w - 1)
            g = (y * y + x * 5) & 255
            b = 255 if (x // 4 + y // 3) % 2 else 0
            px[x, y] = (r, g, b)
    return img


def main(out_path):
    src_w, src_h = 61, 47
    src = picture(src_w, src_h)
    cases = []
    # (resize to w x h, optional crop window of the resized image, flip first)
    specs = [
        ((23, 17), None, False),     # downscale both axes (antialiasing)
        ((97, 71), None, False),     # upscale both axes
        ((61, 20), None, False),     # vertical only
        ((30, 47), None, False),     # horizontal only
        ((40, 80), None, False),     # down in x, up in y
        ((17, 9), None, True),       # flipped, then resized
        ((53, 41), (7, 5, 30, 20), False),   # rfdetr's resize -> crop
        ((53, 41), (11, 13, 29, 25), True),  # flip -> resize -> crop
    ]
    for (w, h), crop, flip in specs:
        img = src.transpose(Image.FLIP_LEFT_RIGHT) if flip else src
        out = img.resize((w, h), Image.BILINEAR)
        if crop:
            x, y, cw, ch = crop
            out = out.crop((x, y, x + cw, y + ch))
        cases.append({
            "resize": [w, h],
            "crop": list(crop) if crop else None,
            "flip": flip,
            "size": list(out.size),
            "rgb_base64": base64.b64encode(out.tobytes()).decode("ascii"),
        })
    doc = {"generator": "tests/tools/make_resize_golden.py", "pillow": PIL.__version__,
           "source": [src_w, src_h], "cases": cases}
    with open(out_path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
