#include "strega/preprocess/TissueSegmentation.h"

#include "TissueInternal.h"

#include "strega/core/Error.h"
#include "strega/itkbridge/ItkParallel.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <numeric>

namespace strega::preprocess {

const char* toString(Contrast contrast) {
  switch (contrast) {
  case Contrast::Auto: return "auto";
  case Contrast::T1: return "T1";
  case Contrast::T2: return "T2";
  }
  return "auto";
}

Contrast parseContrast(const std::string& text) {
  if (text == "auto") return Contrast::Auto;
  if (text == "t1" || text == "T1") return Contrast::T1;
  if (text == "t2" || text == "T2") return Contrast::T2;
  throw Error(ErrorKind::InvalidArgument, "contrast must be auto, t1 or t2 (got '" + text + "')");
}

namespace {

constexpr double kPi = 3.14159265358979323846;

/// One Gaussian per pure class, in ascending intensity order.
struct Mixture {
  std::array<double, 3> mean{}, sd{}, weight{};
};

double percentileOf(std::vector<float> values, double p) {
  if (values.empty()) return 0.0;
  const auto k = static_cast<std::size_t>(std::clamp(p / 100.0, 0.0, 1.0) * double(values.size() - 1));
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(k), values.end());
  return values[k];
}

/// 1D k-means with 3 centres on a histogram, then a 3-Gaussian EM on the same histogram.
Mixture fitHistogramMixture(const std::vector<double>& counts, double lo, double binWidth) {
  const std::size_t bins = counts.size();
  auto centre = [&](std::size_t b) { return lo + (double(b) + 0.5) * binWidth; };
  const double total = std::accumulate(counts.begin(), counts.end(), 0.0);
  // k-means initialised at 1/6, 1/2 and 5/6 of the robust range (quantiles would collapse two centres onto a
  // class that holds most of the voxels).
  std::array<double, 3> c{};
  for (int k = 0; k < 3; ++k)
    c[k] = lo + binWidth * double(bins) * (2.0 * k + 1.0) / 6.0;
  (void)total;
  for (int it = 0; it < 100; ++it) {
    std::array<double, 3> sum{}, n{};
    for (std::size_t b = 0; b < bins; ++b) {
      const double x = centre(b);
      int best = 0;
      for (int k = 1; k < 3; ++k)
        if (std::abs(x - c[k]) < std::abs(x - c[best])) best = k;
      sum[best] += counts[b] * x;
      n[best] += counts[b];
    }
    bool moved = false;
    for (int k = 0; k < 3; ++k)
      if (n[k] > 0) {
        const double nc = sum[k] / n[k];
        moved = moved || std::abs(nc - c[k]) > 1e-6 * binWidth;
        c[k] = nc;
      }
    if (!moved) break;
  }
  std::sort(c.begin(), c.end());
  Mixture m;
  const double range = binWidth * double(bins);
  for (int k = 0; k < 3; ++k) {
    m.mean[k] = c[k];
    m.sd[k] = std::max(range / 12.0, binWidth);
    m.weight[k] = 1.0 / 3.0;
  }
  // EM on the histogram.
  std::vector<std::array<double, 3>> resp(bins);
  for (int it = 0; it < 60; ++it) {
    for (std::size_t b = 0; b < bins; ++b) {
      const double x = centre(b);
      double s = 0.0;
      for (int k = 0; k < 3; ++k) {
        const double z = (x - m.mean[k]) / m.sd[k];
        resp[b][k] = m.weight[k] / m.sd[k] * std::exp(-0.5 * z * z);
        s += resp[b][k];
      }
      for (int k = 0; k < 3; ++k)
        resp[b][k] = s > 0 ? resp[b][k] / s : 1.0 / 3.0;
    }
    for (int k = 0; k < 3; ++k) {
      double n = 0.0, sx = 0.0, sxx = 0.0;
      for (std::size_t b = 0; b < bins; ++b) {
        const double w = counts[b] * resp[b][k], x = centre(b);
        n += w;
        sx += w * x;
        sxx += w * x * x;
      }
      if (n <= 0) continue;
      m.mean[k] = sx / n;
      m.sd[k] = std::max(std::sqrt(std::max(sxx / n - m.mean[k] * m.mean[k], 0.0)), binWidth);
      m.weight[k] = n / total;
    }
  }
  // Keep ascending order.
  std::array<int, 3> order{0, 1, 2};
  std::sort(order.begin(), order.end(), [&](int a, int b) { return m.mean[a] < m.mean[b]; });
  Mixture sorted;
  for (int k = 0; k < 3; ++k) {
    sorted.mean[k] = m.mean[order[k]];
    sorted.sd[k] = m.sd[order[k]];
    sorted.weight[k] = m.weight[order[k]];
  }
  return sorted;
}

/// Classes of the hidden MRF in ascending intensity order: pure 0, mix 0/1, pure 1, mix 1/2, pure 2 (with partial
/// volume), or pure 0, 1, 2.
struct ClassModel {
  int count = 3;
  // For each class: the pure classes it is made of (a == b for a pure class).
  std::array<int, 5> a{}, b{};
  explicit ClassModel(bool partialVolume) {
    if (partialVolume) {
      count = 5;
      a = {0, 0, 1, 1, 2};
      b = {0, 1, 1, 2, 2};
    } else {
      count = 3;
      a = {0, 1, 2, 0, 0};
      b = {0, 1, 2, 0, 0};
    }
  }
  bool pure(int k) const { return a[k] == b[k]; }
};

double normalCdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

/// log p(x | class k).
double logLikelihood(const ClassModel& cm, const Mixture& m, int k, double x) {
  if (cm.pure(k)) {
    const int c = cm.a[k];
    const double z = (x - m.mean[c]) / m.sd[c];
    return -0.5 * z * z - std::log(m.sd[c]) - 0.5 * std::log(2.0 * kPi);
  }
  const int lo = cm.a[k], hi = cm.b[k];
  const double span = std::max(m.mean[hi] - m.mean[lo], 1e-9);
  const double s = 0.5 * (m.sd[lo] + m.sd[hi]);
  const double p = (normalCdf((x - m.mean[lo]) / s) - normalCdf((x - m.mean[hi]) / s)) / span;
  return std::log(std::max(p, 1e-300));
}

/// Fraction of the lower pure class in a mix voxel of intensity x.
double lowerFraction(const Mixture& m, int lo, int hi, double x) {
  const double span = m.mean[hi] - m.mean[lo];
  if (span <= 0) return 0.5;
  return std::clamp((m.mean[hi] - x) / span, 0.0, 1.0);
}

struct Neighbour {
  int di, dj, dk;
  float weight;
};

std::vector<Neighbour> neighbourhood(int connectivity) {
  std::vector<Neighbour> out;
  for (int dk = -1; dk <= 1; ++dk)
    for (int dj = -1; dj <= 1; ++dj)
      for (int di = -1; di <= 1; ++di) {
        const int order = std::abs(di) + std::abs(dj) + std::abs(dk);
        if (order == 0) continue;
        if (connectivity == 6 && order != 1) continue;
        out.push_back({di, dj, dk, static_cast<float>(1.0 / std::sqrt(double(order)))});
      }
  double total = 0.0;
  for (const auto& n : out)
    total += n.weight;
  for (auto& n : out)
    n.weight = static_cast<float>(n.weight * 6.0 / total); // same total weight as 6 faces
  return out;
}

} // namespace

TissueResult segmentTissues(const ImageF& image, const Mask& brainMask, const TissueOptions& options,
                            ProgressScope* progress) {
  if (image.size() != brainMask.size())
    throw Error(ErrorKind::InvalidArgument, "the brain mask does not match the image size");
  if (options.neighbourhood != 6 && options.neighbourhood != 26)
    throw Error(ErrorKind::InvalidArgument, "the MRF neighbourhood must be 6 or 26");
  const auto& size = image.size();

  // Voxels inside the mask, in a compact list; a dense map gives each grid voxel its compact index (or -1).
  std::vector<std::uint32_t> where;
  where.reserve(image.voxelCount() / 4);
  for (std::size_t n = 0; n < image.voxelCount(); ++n)
    if (brainMask[n] && std::isfinite(image[n])) where.push_back(static_cast<std::uint32_t>(n));
  const std::size_t count = where.size();
  if (count < 1000)
    throw Error(ErrorKind::InvalidInput, "the brain mask is empty or too small to segment tissues",
                std::to_string(count) + " voxels inside the mask");
  std::vector<float> x(count);
  for (std::size_t i = 0; i < count; ++i)
    x[i] = image[where[i]];
  const double lo = percentileOf(x, 0.1), hi = percentileOf(x, 99.9);
  if (!(hi - lo > 1e-6 * std::max(1.0, std::abs(hi))))
    throw Error(ErrorKind::InvalidInput, "the image is constant inside the brain mask: no tissue contrast");
  if (progress) progress->update(0.05, "mixture model");

  // Histogram mixture (k-means initialisation, EM) on intensities clipped to the robust range.
  const std::size_t bins = 256;
  const double binWidth = (hi - lo) / double(bins);
  std::vector<double> counts(bins, 0.0);
  for (float v : x) {
    const auto b = static_cast<long long>((double(v) - lo) / binWidth);
    counts[static_cast<std::size_t>(std::clamp<long long>(b, 0, bins - 1))] += 1.0;
  }
  Mixture mix = fitHistogramMixture(counts, lo, binWidth);
  const double minSd = 0.25 * binWidth;

  const ClassModel cm(options.partialVolume);
  const int K = cm.count;
  std::array<double, 5> prior{};
  for (int k = 0; k < K; ++k)
    prior[k] = cm.pure(k) ? mix.weight[cm.a[k]] * (options.partialVolume ? 0.8 : 1.0) : 0.1;

  std::vector<std::int32_t> compact(image.voxelCount(), -1);
  for (std::size_t i = 0; i < count; ++i)
    compact[where[i]] = static_cast<std::int32_t>(i);
  const auto neigh = neighbourhood(options.neighbourhood);
  const std::size_t N = neigh.size();
  // Compact indices of each voxel's neighbours inside the mask (-1: none), computed once.
  std::vector<std::int32_t> neighbours(count * N, -1);
  itkbridge::parallelFor(0, count, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) {
      const std::size_t lin = where[i];
      const long long ii = static_cast<long long>(lin % size[0]);
      const long long jj = static_cast<long long>((lin / size[0]) % size[1]);
      const long long kk = static_cast<long long>(lin / (size[0] * size[1]));
      for (std::size_t t = 0; t < N; ++t) {
        const long long a = ii + neigh[t].di, bb = jj + neigh[t].dj, c = kk + neigh[t].dk;
        if (a < 0 || bb < 0 || c < 0 || a >= (long long)size[0] || bb >= (long long)size[1] || c >= (long long)size[2])
          continue;
        neighbours[i * N + t] =
          compact[static_cast<std::size_t>(a + (long long)size[0] * (bb + (long long)size[1] * c))];
      }
    }
  });
  compact = {};

  // Intensities quantised finely (4096 levels over the robust range widened by a quarter on each side); the
  // log-likelihoods are tabulated per level once per EM iteration instead of per voxel.
  const std::size_t levels = 4096;
  const double qLo = lo - 0.25 * (hi - lo), qHi = hi + 0.25 * (hi - lo);
  const double qStep = (qHi - qLo) / double(levels - 1);
  std::vector<std::uint16_t> level(count);
  for (std::size_t i = 0; i < count; ++i)
    level[i] =
      static_cast<std::uint16_t>(std::clamp<long long>(std::llround((double(x[i]) - qLo) / qStep), 0, levels - 1));
  std::vector<float> table(levels * K);

  std::vector<float> q(count * K), member(count * 3);
  auto computeLikelihood = [&] {
    std::array<double, 5> logPrior{};
    for (int k = 0; k < K; ++k)
      logPrior[k] = std::log(std::max(prior[k], 1e-6));
    for (std::size_t l = 0; l < levels; ++l)
      for (int k = 0; k < K; ++k)
        table[l * K + k] = static_cast<float>(logPrior[k] + logLikelihood(cm, mix, k, qLo + double(l) * qStep));
  };
  auto normaliseInto = [&](const float* energy, float* out) {
    float best = energy[0];
    for (int k = 1; k < K; ++k)
      best = std::max(best, energy[k]);
    float s = 0.0f;
    float p[5];
    for (int k = 0; k < K; ++k)
      s += (p[k] = std::exp(energy[k] - best));
    const float inv = 1.0f / s;
    for (int k = 0; k < K; ++k)
      out[k] = p[k] * inv;
  };
  // Pure-class membership of each voxel: its pure posterior plus half of each mix it takes part in.
  auto updateMembership = [&] {
    itkbridge::parallelFor(0, count, [&](std::size_t b, std::size_t e) {
      for (std::size_t i = b; i < e; ++i) {
        float m3[3] = {0, 0, 0};
        for (int k = 0; k < K; ++k) {
          const float v = q[i * K + k];
          if (cm.pure(k))
            m3[cm.a[k]] += v;
          else {
            m3[cm.a[k]] += 0.5f * v;
            m3[cm.b[k]] += 0.5f * v;
          }
        }
        for (int c = 0; c < 3; ++c)
          member[i * 3 + c] = m3[c];
      }
    });
  };
  auto meanFieldSweep = [&](std::vector<float>& next) {
    const float beta = static_cast<float>(options.mrfBeta);
    itkbridge::parallelFor(0, count, [&](std::size_t b, std::size_t e) {
      for (std::size_t i = b; i < e; ++i) {
        float support[3] = {0, 0, 0};
        const std::int32_t* nb = &neighbours[i * N];
        for (std::size_t t = 0; t < N; ++t) {
          if (nb[t] < 0) continue;
          const float* m = &member[std::size_t(nb[t]) * 3];
          const float w = neigh[t].weight;
          support[0] += w * m[0];
          support[1] += w * m[1];
          support[2] += w * m[2];
        }
        const float* ll = &table[std::size_t(level[i]) * K];
        float energy[5];
        for (int k = 0; k < K; ++k) {
          const float sp = cm.pure(k) ? support[cm.a[k]] : 0.5f * (support[cm.a[k]] + support[cm.b[k]]);
          energy[k] = ll[k] + beta * sp;
        }
        normaliseInto(energy, &next[i * K]);
      }
    });
  };
  auto noContextPosteriors = [&] {
    itkbridge::parallelFor(0, count, [&](std::size_t b, std::size_t e) {
      for (std::size_t i = b; i < e; ++i)
        normaliseInto(&table[std::size_t(level[i]) * K], &q[i * K]);
    });
  };

  // Initial posteriors without spatial context.
  computeLikelihood();
  noContextPosteriors();
  updateMembership();

  std::vector<float> next(count * K);
  const int iterations = std::max(1, options.emIterations);
  for (int it = 0; it < iterations; ++it) {
    // E-step: mean-field sweeps with the current parameters.
    for (int s = 0; s < std::max(1, options.mrfSweeps); ++s) {
      if (options.mrfBeta > 0.0) {
        meanFieldSweep(next);
        q.swap(next);
      }
      updateMembership();
    }
    // M-step: pure-class means and deviations from pure posteriors; class priors from all posteriors.
    std::array<double, 5> n{};
    std::array<double, 3> sx{}, sxx{}, np{};
    for (std::size_t i = 0; i < count; ++i)
      for (int k = 0; k < K; ++k) {
        const double w = q[i * K + k];
        n[k] += w;
        if (cm.pure(k)) {
          np[cm.a[k]] += w;
          sx[cm.a[k]] += w * x[i];
          sxx[cm.a[k]] += w * double(x[i]) * x[i];
        }
      }
    for (int c = 0; c < 3; ++c)
      if (np[c] > 10.0) {
        mix.mean[c] = sx[c] / np[c];
        mix.sd[c] = std::max(std::sqrt(std::max(sxx[c] / np[c] - mix.mean[c] * mix.mean[c], 0.0)), minSd);
      }
    // Pure-class priors follow the data; partial-volume priors stay fixed (re-estimating them lets the MRF, which
    // favours pure labels, drive them to zero within a few iterations).
    double pureMass = 0.0, pureShare = 0.0;
    for (int k = 0; k < K; ++k)
      if (cm.pure(k))
        pureMass += n[k];
      else
        pureShare += prior[k];
    for (int k = 0; k < K; ++k)
      if (cm.pure(k)) prior[k] = std::max((1.0 - pureShare) * n[k] / std::max(pureMass, 1.0), 1e-4);
    // Keep the classes in ascending order (a class overtaking its neighbour would swap meanings).
    for (int c = 0; c + 1 < 3; ++c)
      if (mix.mean[c + 1] <= mix.mean[c]) mix.mean[c + 1] = mix.mean[c] + binWidth;
    computeLikelihood();
    if (progress) progress->update(0.1 + 0.85 * double(it + 1) / iterations, "hidden MRF EM");
  }
  // A last E-step with the final parameters.
  if (options.mrfBeta > 0.0) {
    meanFieldSweep(next);
    q.swap(next);
  } else {
    noContextPosteriors();
  }

  // Pure-class probabilities (mixes split by their mixing fraction), hard labels by the largest probability.
  std::array<double, 3> volume{};
  std::vector<float> pure(count * 3, 0.0f);
  for (std::size_t i = 0; i < count; ++i) {
    for (int k = 0; k < K; ++k) {
      const float v = q[i * K + k];
      if (cm.pure(k))
        pure[i * 3 + cm.a[k]] += v;
      else {
        const double f = lowerFraction(mix, cm.a[k], cm.b[k], x[i]);
        pure[i * 3 + cm.a[k]] += static_cast<float>(v * f);
        pure[i * 3 + cm.b[k]] += static_cast<float>(v * (1.0 - f));
      }
    }
  }

  TissueResult result;
  // Decide which intensity class is which tissue.
  std::array<std::size_t, 3> hard{};
  for (std::size_t i = 0; i < count; ++i) {
    const float* p = &pure[i * 3];
    hard[static_cast<std::size_t>(std::max_element(p, p + 3) - p)]++;
  }
  Contrast contrast = options.contrast;
  if (contrast == Contrast::Auto) {
    const auto smallest = static_cast<int>(std::min_element(hard.begin(), hard.end()) - hard.begin());
    if (smallest == 2)
      contrast = Contrast::T2;
    else {
      contrast = Contrast::T1;
      if (smallest == 1)
        result.warnings.push_back("tissue contrast unclear (the middle intensity class is the smallest); assumed T1");
    }
  }
  result.contrast = contrast;
  // tissueOf[c]: tissue index (0 CSF, 1 GM, 2 WM) of intensity class c.
  const std::array<int, 3> tissueOf =
    contrast == Contrast::T2 ? std::array<int, 3>{2, 1, 0} : std::array<int, 3>{0, 1, 2};

  result.labels = LabelMap::tissueLabels(image.geometry());
  for (auto& p : result.probabilities)
    p = ImageF(image.geometry(), 0.0f);
  for (std::size_t i = 0; i < count; ++i) {
    const float* p = &pure[i * 3];
    const int c = static_cast<int>(std::max_element(p, p + 3) - p);
    result.labels[where[i]] = static_cast<std::uint8_t>(tissueOf[c] + 1);
    volume[tissueOf[c]] += 1.0;
    for (int t = 0; t < 3; ++t)
      result.probabilities[tissueOf[t]][where[i]] = p[t];
  }
  for (int c = 0; c < 3; ++c) {
    result.meanIntensity[tissueOf[c]] = mix.mean[c];
    result.stdIntensity[tissueOf[c]] = mix.sd[c];
    result.volumeFraction[c] = volume[c] / double(count);
  }
  if (progress) progress->update(1.0);
  return result;
}

namespace detail {
IntensityClasses fitIntensityClasses(const ImageF& image, const Mask& mask) {
  std::vector<float> x;
  for (std::size_t n = 0; n < image.voxelCount(); ++n)
    if (mask[n] && std::isfinite(image[n])) x.push_back(image[n]);
  if (x.size() < 1000) throw Error(ErrorKind::InvalidInput, "too few voxels inside the mask to fit tissue classes");
  const double lo = percentileOf(x, 0.1), hi = percentileOf(x, 99.9);
  if (!(hi - lo > 1e-6 * std::max(1.0, std::abs(hi))))
    throw Error(ErrorKind::InvalidInput, "the image is constant inside the brain mask: no tissue contrast");
  const std::size_t bins = 256;
  const double binWidth = (hi - lo) / double(bins);
  std::vector<double> counts(bins, 0.0);
  for (float v : x)
    counts[static_cast<std::size_t>(
      std::clamp<long long>(static_cast<long long>((double(v) - lo) / binWidth), 0, bins - 1))] += 1.0;
  const Mixture m = fitHistogramMixture(counts, lo, binWidth);
  return {m.mean, m.sd, m.weight};
}
} // namespace detail

ImageF tissueToModelInput(const LabelMap& labels) {
  ImageF out(labels.geometry(), 0.0f);
  for (std::size_t n = 0; n < labels.voxelCount(); ++n)
    out[n] = std::min<float>(labels[n], 3) / 3.0f;
  return out;
}

} // namespace strega::preprocess
