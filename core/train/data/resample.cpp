#include "train/data/resample.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

namespace studio::train {

namespace {

// Four floats in one SSE register (GCC/Clang vector extension): R, G, B and a padding lane.
using Float4 = float __attribute__((vector_size(16)));

double triangle(double x) {
    x = std::fabs(x);
    return x < 1.0 ? 1.0 - x : 0.0;
}

std::string sizeText(int w, int h) { return std::to_string(w) + "x" + std::to_string(h); }

// Converts source columns [x0, x1) of one RGB8 row (mirrored when flip) to floats, RGB interleaved.
void rowToFloat(const std::uint8_t* row, int width, int x0, int x1, bool flip, float* out) {
    if (!flip) {
        const std::uint8_t* p = row + std::size_t(x0) * 3;
        const int n = (x1 - x0) * 3;
        for (int i = 0; i < n; ++i) out[i] = float(p[i]);
        return;
    }
    for (int x = x0; x < x1; ++x, out += 3) {
        const std::uint8_t* p = row + std::size_t(width - 1 - x) * 3;
        out[0] = float(p[0]);
        out[1] = float(p[1]);
        out[2] = float(p[2]);
    }
}

// out = sum_k w[k] * rows[k], over n floats (vectorised by the compiler: plain contiguous loops).
void weightedRowSum(const float* const* rows, const float* w, int count, int n, float* out) {
    {
        const float* r = rows[0];
        const float wk = w[0];
        for (int i = 0; i < n; ++i) out[i] = wk * r[i];
    }
    for (int k = 1; k < count; ++k) {
        const float* r = rows[k];
        const float wk = w[k];
        for (int i = 0; i < n; ++i) out[i] += wk * r[i];
    }
}

inline std::uint8_t toByte(float v) {
    const float r = v + 0.5f;
    return r <= 0.f ? 0 : r >= 255.f ? 255 : static_cast<std::uint8_t>(r);
}

// Horizontal pass of one row: `in` holds pixels as Float4 starting at source column `inFirst`.
void horizontalPass(const Float4* in, int inFirst, const AxisWeights& hw, std::uint8_t* out) {
    const int n = int(hw.first.size());
    for (int x = 0; x < n; ++x, out += 3) {
        const Float4* p = in + (hw.first[x] - inFirst);
        const float* w = hw.weights.data() + std::size_t(x) * hw.taps;
        const int count = hw.count[x];
        Float4 s = p[0] * w[0];
        for (int k = 1; k < count; ++k) s += p[k] * w[k];
        out[0] = toByte(s[0]);
        out[1] = toByte(s[1]);
        out[2] = toByte(s[2]);
    }
}

// Rows of an image owned by the caller.
class ImageRows final : public RowSource {
public:
    explicit ImageRows(const RgbImage& image) : m_image(image) {
        setSize(image.width, image.height, image.width, image.height);
    }

protected:
    void decodeRow(std::uint8_t* rgb) override { std::memcpy(rgb, m_image.row(nextRow()), m_image.rowBytes()); }

private:
    const RgbImage& m_image;
};

}  // namespace

AxisWeights bilinearAxisWeights(int inSize, int outSize, int outBegin, int outEnd) {
    if (inSize <= 0 || outSize <= 0 || outBegin < 0 || outEnd > outSize || outBegin >= outEnd)
        throw std::invalid_argument("bilinearAxisWeights: bad sizes");
    // Pillow's precompute_coeffs, bilinear filter (support 1), box = the whole input.
    const double scale = double(inSize) / outSize;
    const double filterScale = std::max(scale, 1.0);
    const double support = 1.0 * filterScale;
    AxisWeights aw;
    aw.taps = int(std::ceil(support)) * 2 + 1;
    const int n = outEnd - outBegin;
    aw.first.resize(n);
    aw.count.resize(n);
    aw.weights.assign(std::size_t(n) * aw.taps, 0.f);
    std::vector<double> k(aw.taps);
    for (int i = 0; i < n; ++i) {
        const double center = (outBegin + i + 0.5) * scale;
        int xmin = int(center - support + 0.5);
        if (xmin < 0) xmin = 0;
        int xmax = int(center + support + 0.5);
        if (xmax > inSize) xmax = inSize;
        xmax -= xmin;
        double sum = 0;
        for (int x = 0; x < xmax; ++x) {
            k[x] = triangle((x + xmin - center + 0.5) / filterScale);
            sum += k[x];
        }
        for (int x = 0; x < xmax; ++x) aw.weights[std::size_t(i) * aw.taps + x] = float(sum != 0 ? k[x] / sum : k[x]);
        aw.first[i] = xmin;
        aw.count[i] = xmax;
    }
    return aw;
}

RgbImage resizeRows(RowSource& rows, const ResizeWindow& win, bool flip) {
    const int inW = rows.width(), inH = rows.height();
    const int outW = win.width > 0 ? win.width : win.outWidth;
    const int outH = win.height > 0 ? win.height : win.outHeight;
    if (inW <= 0 || inH <= 0 || win.outWidth <= 0 || win.outHeight <= 0 || win.x0 < 0 || win.y0 < 0 ||
        win.x0 + outW > win.outWidth || win.y0 + outH > win.outHeight)
        throw std::invalid_argument("resizeRows: window " + sizeText(outW, outH) + " at " + std::to_string(win.x0) +
                                    "," + std::to_string(win.y0) + " is outside the " +
                                    sizeText(win.outWidth, win.outHeight) + " resize of a " + sizeText(inW, inH) +
                                    " image");
    const AxisWeights hw = bilinearAxisWeights(inW, win.outWidth, win.x0, win.x0 + outW);
    const AxisWeights vw = bilinearAxisWeights(inH, win.outHeight, win.y0, win.y0 + outH);
    const int xLo = hw.first.front();
    const int xHi = hw.first.back() + hw.count.back();
    const int nx = xHi - xLo;
    const std::size_t rowFloats = std::size_t(nx) * 3;

    // Ring of the converted source rows the current output row needs (sources only move forward).
    const int ringSize = vw.taps;
    std::vector<float> ring(rowFloats * ringSize);
    std::vector<std::uint8_t> decoded(std::size_t(inW) * 3);
    std::vector<float> column(rowFloats);
    std::vector<Float4> padded(static_cast<std::size_t>(nx));
    std::vector<const float*> srcRows(std::size_t(vw.taps));

    RgbImage out(outW, outH);
    int loaded = 0;  // source rows read so far
    for (int y = 0; y < outH; ++y) {
        const int first = vw.first[y], count = vw.count[y];
        while (loaded < first + count) {
            rows.readRow(decoded.data());
            if (loaded >= first)  // earlier rows are never needed (windows only move down)
                rowToFloat(decoded.data(), inW, xLo, xHi, flip, ring.data() + rowFloats * (loaded % ringSize));
            ++loaded;
        }
        for (int k = 0; k < count; ++k) srcRows[k] = ring.data() + rowFloats * ((first + k) % ringSize);
        weightedRowSum(srcRows.data(), vw.weights.data() + std::size_t(y) * vw.taps, count, int(rowFloats),
                       column.data());
        for (int x = 0; x < nx; ++x) padded[x] = Float4{column[3 * x], column[3 * x + 1], column[3 * x + 2], 0.f};
        horizontalPass(padded.data(), xLo, hw, out.row(y));
    }
    rows.finish();
    return out;
}

RgbImage resizeImage(const RgbImage& image, int width, int height) {
    if (image.width == width && image.height == height) return image;
    ImageRows rows(image);
    return resizeRows(rows, ResizeWindow{width, height});
}

RgbImage cropImage(const RgbImage& image, int x0, int y0, int width, int height) {
    if (x0 < 0 || y0 < 0 || width <= 0 || height <= 0 || x0 + width > image.width || y0 + height > image.height)
        throw std::invalid_argument("cropImage: window outside the image");
    RgbImage out(width, height);
    for (int y = 0; y < height; ++y)
        std::memcpy(out.row(y), image.at(x0, y0 + y), std::size_t(width) * 3);
    return out;
}

}  // namespace studio::train
