// Just enough PNG decoding to judge a browser screenshot: the size and the
// colour of every pixel. Supports what Chromium writes (8-bit RGB or RGBA,
// non-interlaced, zlib-compressed with fixed or dynamic Huffman blocks), with
// a small inflate of its own so the test needs no image library.
#ifndef CUTOVER_TESTS_CLI_PNG_PROBE_H_
#define CUTOVER_TESTS_CLI_PNG_PROBE_H_

#include <array>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace cutover::testing {

struct Image {
  int width = 0;
  int height = 0;
  std::vector<std::uint32_t> pixels;  // 0xRRGGBB, row by row

  std::uint32_t at(int x, int y) const {
    return pixels[static_cast<std::size_t>(y) * width + x];
  }
};

namespace png_internal {

// RFC 1951 inflate. Returns false on malformed input.
class Inflater {
 public:
  Inflater(const std::uint8_t* data, std::size_t size)
      : data_(data), size_(size) {}

  bool Run(std::vector<std::uint8_t>* out) {
    bool last = false;
    while (!last) {
      last = Bits(1) == 1;
      const int type = Bits(2);
      if (failed_) return false;
      if (type == 0) {
        bit_count_ = 0;  // to the byte boundary
        if (pos_ + 4 > size_) return false;
        const unsigned len = data_[pos_] | (data_[pos_ + 1] << 8);
        pos_ += 4;
        if (pos_ + len > size_) return false;
        out->insert(out->end(), data_ + pos_, data_ + pos_ + len);
        pos_ += len;
      } else if (type == 1) {
        std::array<int, 288> lit{};
        for (int i = 0; i < 288; ++i) {
          lit[i] = i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8;
        }
        std::array<int, 30> dist{};
        dist.fill(5);
        if (!Block(Huffman(lit.data(), 288), Huffman(dist.data(), 30), out)) {
          return false;
        }
      } else if (type == 2) {
        if (!Dynamic(out)) return false;
      } else {
        return false;
      }
    }
    return !failed_;
  }

 private:
  struct Huffman {
    Huffman(const int* lengths, int n) : symbols(n) {
      for (int i = 0; i < n; ++i) ++counts[lengths[i]];
      counts[0] = 0;
      std::array<int, 16> offs{};
      for (int i = 1; i < 16; ++i) offs[i] = offs[i - 1] + counts[i - 1];
      for (int i = 0; i < n; ++i) {
        if (lengths[i] != 0) symbols[offs[lengths[i]]++] = i;
      }
    }
    std::array<int, 16> counts{};
    std::vector<int> symbols;
  };

  int Bits(int n) {
    int v = 0;
    for (int i = 0; i < n; ++i) {
      if (bit_count_ == 0) {
        if (pos_ >= size_) {
          failed_ = true;
          return 0;
        }
        bit_buf_ = data_[pos_++];
        bit_count_ = 8;
      }
      v |= (bit_buf_ & 1) << i;
      bit_buf_ >>= 1;
      --bit_count_;
    }
    return v;
  }

  int Decode(const Huffman& h) {
    int code = 0, first = 0, index = 0;
    for (int len = 1; len < 16; ++len) {
      code |= Bits(1);
      const int count = h.counts[len];
      if (code - count < first) return h.symbols[index + (code - first)];
      index += count;
      first += count;
      first <<= 1;
      code <<= 1;
      if (failed_) return -1;
    }
    failed_ = true;
    return -1;
  }

  bool Block(const Huffman& lit, const Huffman& dist,
             std::vector<std::uint8_t>* out) {
    static constexpr int kLenBase[] = {
        3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
        31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
    static constexpr int kLenExtra[] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1,
                                        1, 1, 2, 2, 2, 2, 3, 3, 3, 3,
                                        4, 4, 4, 4, 5, 5, 5, 5, 0};
    static constexpr int kDistBase[] = {
        1,    2,    3,    4,    5,    7,    9,    13,    17,    25,
        33,   49,   65,   97,   129,  193,  257,  385,   513,   769,
        1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
    static constexpr int kDistExtra[] = {0, 0, 0,  0,  1,  1,  2,  2,  3,  3,
                                         4, 4, 5,  5,  6,  6,  7,  7,  8,  8,
                                         9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
    for (;;) {
      const int sym = Decode(lit);
      if (sym < 0) return false;
      if (sym < 256) {
        out->push_back(static_cast<std::uint8_t>(sym));
      } else if (sym == 256) {
        return true;
      } else {
        const int li = sym - 257;
        if (li >= 29) return false;
        const int len = kLenBase[li] + Bits(kLenExtra[li]);
        const int di = Decode(dist);
        if (di < 0 || di >= 30) return false;
        const std::size_t d =
            static_cast<std::size_t>(kDistBase[di] + Bits(kDistExtra[di]));
        if (failed_ || d > out->size()) return false;
        for (int i = 0; i < len; ++i) out->push_back((*out)[out->size() - d]);
      }
    }
  }

  bool Dynamic(std::vector<std::uint8_t>* out) {
    static constexpr int kOrder[19] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                       11, 4,  12, 3, 13, 2, 14, 1, 15};
    const int nlen = Bits(5) + 257;
    const int ndist = Bits(5) + 1;
    const int ncode = Bits(4) + 4;
    std::array<int, 19> code_lengths{};
    for (int i = 0; i < ncode; ++i) code_lengths[kOrder[i]] = Bits(3);
    const Huffman code(code_lengths.data(), 19);
    std::vector<int> lengths;
    while (static_cast<int>(lengths.size()) < nlen + ndist) {
      const int sym = Decode(code);
      if (sym < 0) return false;
      if (sym < 16) {
        lengths.push_back(sym);
      } else {
        int repeat = 0, value = 0;
        if (sym == 16) {
          if (lengths.empty()) return false;
          value = lengths.back();
          repeat = 3 + Bits(2);
        } else if (sym == 17) {
          repeat = 3 + Bits(3);
        } else {
          repeat = 11 + Bits(7);
        }
        lengths.insert(lengths.end(), repeat, value);
      }
    }
    if (static_cast<int>(lengths.size()) != nlen + ndist) return false;
    return Block(Huffman(lengths.data(), nlen),
                 Huffman(lengths.data() + nlen, ndist), out);
  }

  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
  int bit_buf_ = 0;
  int bit_count_ = 0;
  bool failed_ = false;
};

inline std::uint32_t Be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (p[1] << 16) | (p[2] << 8) | p[3];
}

inline int Paeth(int a, int b, int c) {
  const int p = a + b - c;
  const int pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

}  // namespace png_internal

// Decodes the PNG at `path`. Returns false (and says why in `error`) for
// anything it cannot read.
inline bool ReadPng(const std::string& path, Image* image, std::string* error) {
  using namespace png_internal;
  std::ifstream in(path, std::ios::binary);
  const std::vector<std::uint8_t> file((std::istreambuf_iterator<char>(in)),
                                       std::istreambuf_iterator<char>());
  static constexpr std::uint8_t kSignature[8] = {0x89, 'P',  'N',  'G',
                                                 '\r', '\n', 0x1a, '\n'};
  if (file.size() < 8 ||
      !std::equal(kSignature, kSignature + 8, file.begin())) {
    *error = "not a PNG file";
    return false;
  }
  int channels = 0;
  std::vector<std::uint8_t> idat;
  for (std::size_t pos = 8; pos + 12 <= file.size();) {
    const std::uint32_t len = Be32(&file[pos]);
    const std::string type(file.begin() + pos + 4, file.begin() + pos + 8);
    if (pos + 12 + len > file.size()) break;
    const std::uint8_t* body = &file[pos + 8];
    if (type == "IHDR") {
      image->width = static_cast<int>(Be32(body));
      image->height = static_cast<int>(Be32(body + 4));
      const int depth = body[8], color = body[9], interlace = body[12];
      if (depth != 8 || (color != 2 && color != 6) || interlace != 0) {
        *error = "unsupported PNG format (want 8-bit RGB/RGBA, no interlace)";
        return false;
      }
      channels = color == 2 ? 3 : 4;
    } else if (type == "IDAT") {
      idat.insert(idat.end(), body, body + len);
    }
    pos += 12 + len;
  }
  if (channels == 0 || idat.size() < 2) {
    *error = "missing IHDR or IDAT";
    return false;
  }
  std::vector<std::uint8_t> raw;
  Inflater inflater(idat.data() + 2, idat.size() - 2);  // skip zlib header
  if (!inflater.Run(&raw)) {
    *error = "corrupt deflate data";
    return false;
  }
  const std::size_t stride = static_cast<std::size_t>(image->width) * channels;
  if (raw.size() < (stride + 1) * image->height) {
    *error = "image data too short";
    return false;
  }
  std::vector<std::uint8_t> prev(stride, 0), row(stride);
  image->pixels.resize(static_cast<std::size_t>(image->width) * image->height);
  for (int y = 0; y < image->height; ++y) {
    const std::uint8_t* line = &raw[y * (stride + 1)];
    const int filter = line[0];
    for (std::size_t i = 0; i < stride; ++i) {
      const int a =
          i >= static_cast<std::size_t>(channels) ? row[i - channels] : 0;
      const int b = prev[i];
      const int c =
          i >= static_cast<std::size_t>(channels) ? prev[i - channels] : 0;
      int v = line[1 + i];
      switch (filter) {
        case 1:
          v += a;
          break;
        case 2:
          v += b;
          break;
        case 3:
          v += (a + b) / 2;
          break;
        case 4:
          v += Paeth(a, b, c);
          break;
        default:
          break;
      }
      row[i] = static_cast<std::uint8_t>(v);
    }
    for (int x = 0; x < image->width; ++x) {
      const std::uint8_t* p = &row[static_cast<std::size_t>(x) * channels];
      image->pixels[static_cast<std::size_t>(y) * image->width + x] =
          (std::uint32_t{p[0]} << 16) | (p[1] << 8) | p[2];
    }
    std::swap(prev, row);
  }
  return true;
}

}  // namespace cutover::testing

#endif  // CUTOVER_TESTS_CLI_PNG_PROBE_H_
