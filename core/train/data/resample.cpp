#include "train/data/resample.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

#include "train/data/resample_kernels.h"

namespace studio::train {

namespace {

double triangle(double x) {
    x = std::fabs(x);
    return x < 1.0 ? 1.0 - x : 0.0;
}

std::string sizeText(int w, int h) { return std::to_string(w) + "x" + std::to_string(h); }

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
    // A mirrored source resized is the mirror of the source resized (the filter is symmetric): take the
    // mirrored window of the plain resize and write its rows right to left.
    const int x0 = flip ? win.outWidth - win.x0 - outW : win.x0;
    const AxisWeights hw = bilinearAxisWeights(inW, win.outWidth, x0, x0 + outW);
    const AxisWeights vw = bilinearAxisWeights(inH, win.outHeight, win.y0, win.y0 + outH);
    const int xLo = hw.first.front();
    const int xHi = hw.first.back() + hw.count.back();
    const int nx = xHi - xLo;
    const std::size_t rowFloats = std::size_t(nx) * 3;

    // Ring of the converted source rows the current output row needs (sources only move forward).
    const int ringSize = vw.taps;
    std::vector<float> ring(rowFloats * ringSize);
    std::vector<std::uint8_t> decoded(std::size_t(inW) * 3);
    std::vector<float> column(rowFloats + 3 * std::size_t(hw.taps) + 1, 0.f);  // + the spare floats read
    std::vector<const float*> srcRows(std::size_t(vw.taps));
    std::vector<float> hw4(hw.weights.size() * 4);  // each horizontal weight in all four lanes
    for (std::size_t i = 0; i < hw4.size(); ++i) hw4[i] = hw.weights[i / 4];

    RgbImage out(outW, outH);
    int loaded = 0;  // source rows read so far
    for (int y = 0; y < outH; ++y) {
        const int first = vw.first[y], count = vw.count[y];
        while (loaded < first + count) {
            rows.readRow(decoded.data());
            if (loaded >= first)  // earlier rows are never needed (windows only move down)
                kernels::bytesToFloat(decoded.data() + std::size_t(xLo) * 3, int(rowFloats),
                             ring.data() + rowFloats * (loaded % ringSize));
            ++loaded;
        }
        for (int k = 0; k < count; ++k) srcRows[k] = ring.data() + rowFloats * ((first + k) % ringSize);
        kernels::weightedRowSum(srcRows.data(), vw.weights.data() + std::size_t(y) * vw.taps, count, int(rowFloats),
                       column.data());
        kernels::horizontalRow(column.data(), xLo, hw.first.data(), hw.count.data(), hw4.data(), hw.taps, outW, flip,
                               out.row(y));
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
