#pragma once
// Internal to pipeline/model (and its tests): the pieces of a training step, on torch tensors.

#include "strega/model/Training.h"

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace strega::model::detail {

/// \brief A small, portable, seedable generator (splitmix64-seeded xoshiro256**): the same numbers on every
/// platform and standard library, unlike std:: distributions.
class Random {
public:
  explicit Random(std::uint64_t seed);
  std::uint64_t next();
  /// Uniform in [0, 1).
  double uniform();
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  /// Uniform integer in [lo, hi] (inclusive).
  std::int64_t uniformInt(std::int64_t lo, std::int64_t hi);
  /// Standard normal (Box-Muller).
  double normal();
  bool chance(double p) { return uniform() < p; }

private:
  std::uint64_t m_s[4];
};

/// Mix two numbers into a seed (for per-step and per-epoch generators).
std::uint64_t mixSeed(std::uint64_t a, std::uint64_t b);

/// \brief The ceVAE loss terms (scalars).
struct LossTerms {
  torch::Tensor total, kl, l1, l1Context;
};
/// (1 − ce)(β·KL + θ·L1(x̂, x)) + ce·L1(x̂_ce, x); KL = mean over latent dims and batch of
/// ½(σ² + μ² − 1) − log σ; L1 = mean absolute difference over pixels and batch. Computed in float32.
LossTerms ceVaeLoss(const torch::Tensor& mu, const torch::Tensor& logSigma, const torch::Tensor& reconstruction,
                    const torch::Tensor& contextReconstruction, const torch::Tensor& x, double contextWeight,
                    double klWeight, double reconstructionWeight);

/// \brief One context-encoding box: rows [top, top + height), columns [left, left + width) of one sample.
struct Box {
  std::int64_t sample, top, left, height, width;
  float value;
};
/// x̃: a copy of x [B,1,H,W] where each sample gets uniformInt(0, maxBoxes) boxes with sides uniform in
/// [1, side/2], placed inside the image, filled with one constant uniform in [min(x), max(x)] of the batch.
/// With lastBoxOnly only the last box drawn for a sample is applied (the authors' behaviour). Applied boxes
/// are appended to `applied` when given.
torch::Tensor applyContextBoxes(const torch::Tensor& x, Random& rng, int maxBoxes, bool lastBoxOnly,
                                std::vector<Box>* applied = nullptr);

/// Random affine + elastic deformation (bilinear grid_sample, zero outside) and label-map intensity changes of
/// a batch [B,1,H,W] in [0,1]; the result is clamped to [0, 1]. All random numbers come from `rng`.
torch::Tensor augmentBatch(const torch::Tensor& x, Random& rng, const AugmentationOptions& options);

} // namespace strega::model::detail
