"""Probabilities of birth counts: the Poisson and negative binomial distributions, vectorised.

A year's births in a village are a count. With a known expectation μ they are Poisson (variance
μ); when μ itself is uncertain — estimated rates, fertility drifting from year to year — and
that uncertainty is a gamma distribution with relative variance φ, the count is negative
binomial with variance μ + φμ². φ = 0 is the Poisson case. Both are written with one recursion:

    P(0) = exp(−μ)  (Poisson)   or   (1 + φμ)^(−1/φ)  (negative binomial)
    P(j) = P(j − 1) × μ (1 + φ(j − 1)) / (j (1 + φμ))

summed term by term, in logs so nothing underflows, for every element at once; elements drop
out of the loop as soon as their answer is known, so the work is the sum of the counts reached.
Above :data:`EXACT_MAX_MEAN` expected births (a whole township or more) the normal
approximation with a continuity correction and the Cornish–Fisher skewness term is used
instead; it is within about 0.002 of the exact probability there.

Pure NumPy and the standard library (no SciPy).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

#: Means up to this are summed exactly; larger ones use the normal approximation.
EXACT_MAX_MEAN = 400.0
# Beyond μ + this many standard deviations (+ a margin) a count's tail is below 1e-12 even for
# the most dispersed case the forecast produces: stop there.
_TAIL_SDS = 40.0
_TAIL_MARGIN = 50.0

_erfc = np.frompyfunc(math.erfc, 1, 1)


def normal_cdf(z: FloatArray) -> FloatArray:
    """Φ(z), the standard normal distribution function, element by element."""
    complement = np.asarray(_erfc(-np.asarray(z, dtype=np.float64) / math.sqrt(2.0)))
    result: FloatArray = 0.5 * complement.astype(np.float64)
    return result


def _check(mean: FloatArray, dispersion: FloatArray) -> None:
    if bool(np.any(mean < 0)) or bool(np.any(dispersion < 0)):
        raise ValueError("期望值和离散度不能为负 / Expectations and dispersions cannot be negative")


def _moments(mean: FloatArray, phi: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Standard deviation and skewness of the count."""
    variance = mean * (1.0 + phi * mean)
    sd = np.sqrt(variance)
    with np.errstate(divide="ignore", invalid="ignore"):
        skew = np.where(sd > 0, (1.0 + 2.0 * phi * mean) / sd, 0.0)
    return sd, skew


def _log_p0(mean: FloatArray, phi: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        negative_binomial = -np.log1p(phi * mean) / phi
    result: FloatArray = np.where(phi > 0, negative_binomial, -mean)
    return result


def _log_step_constant(mean: FloatArray, phi: FloatArray) -> FloatArray:
    """log(μ / (1 + φμ)): the part of log(P(j) / P(j − 1)) that does not depend on j."""
    with np.errstate(divide="ignore"):
        result: FloatArray = np.log(mean) - np.log1p(phi * mean)
    return result


def _tail_cap(mean: FloatArray, phi: FloatArray) -> FloatArray:
    sd, _ = _moments(mean, phi)
    result: FloatArray = np.floor(mean + _TAIL_SDS * sd + _TAIL_MARGIN)
    return result


def _exact_quantiles(mean: FloatArray, phi: FloatArray, probs: Sequence[float]) -> list[FloatArray]:
    n = mean.size
    results = [np.full(n, np.nan) for _ in probs]
    top = max(probs)
    idx = np.arange(n)
    m, f = mean, phi
    constant = _log_step_constant(m, f)
    cap = _tail_cap(m, f)
    log_p = _log_p0(m, f)
    cdf = np.exp(log_p)
    previous = np.zeros(n)
    j = 0
    while idx.size:
        for result, p in zip(results, probs, strict=True):
            crossed = (cdf >= p) & (previous < p)
            result[idx[crossed]] = j
        # Past the tail cap the remaining probability is rounding: answer with the cap.
        stuck = cap <= j
        if bool(stuck.any()):
            for result in results:
                chosen = idx[stuck]
                result[chosen] = np.where(np.isnan(result[chosen]), j, result[chosen])
        keep = (cdf < top) & ~stuck
        if not bool(keep.all()):
            idx = idx[keep]
            constant, cap, log_p, cdf, f = (a[keep] for a in (constant, cap, log_p, cdf, f))
        j += 1
        previous = cdf
        log_p = log_p + constant + np.log1p(f * (j - 1)) - math.log(j)
        cdf = cdf + np.exp(log_p)
    return results


def _exact_cdf(counts: FloatArray, mean: FloatArray, phi: FloatArray) -> FloatArray:
    """P(X ≤ k) for whole k ≥ 0 below the tail cap."""
    n = mean.size
    result = np.full(n, np.nan)
    idx = np.arange(n)
    k, f = counts, phi
    constant = _log_step_constant(mean, phi)
    log_p = _log_p0(mean, phi)
    cdf = np.exp(log_p)
    j = 0
    while idx.size:
        done = k <= j
        if bool(done.any()):
            result[idx[done]] = cdf[done]
            keep = ~done
            idx = idx[keep]
            k, f, constant, log_p, cdf = (a[keep] for a in (k, f, constant, log_p, cdf))
        j += 1
        log_p = log_p + constant + np.log1p(f * (j - 1)) - math.log(j)
        cdf = cdf + np.exp(log_p)
    clipped: FloatArray = np.minimum(result, 1.0)
    return clipped


def count_quantiles(
    mean: FloatArray, dispersion: FloatArray, probs: Sequence[float]
) -> list[FloatArray]:
    """For each p in ``probs`` (0 < p < 1) the smallest whole count k with P(X ≤ k) ≥ p.

    ``mean`` and ``dispersion`` broadcast together; NaN in either gives NaN.
    """
    m, f = np.broadcast_arrays(
        np.asarray(mean, dtype=np.float64), np.asarray(dispersion, dtype=np.float64)
    )
    shape = m.shape
    m, f = m.ravel(), f.ravel()
    valid = np.isfinite(m) & np.isfinite(f)
    _check(m[valid], f[valid])
    results = [np.full(m.size, np.nan) for _ in probs]
    exact = valid & (m <= EXACT_MAX_MEAN)
    if bool(exact.any()):
        for result, found in zip(results, _exact_quantiles(m[exact], f[exact], probs), strict=True):
            result[exact] = found
    large = valid & ~exact
    if bool(large.any()):
        sd, skew = _moments(m[large], f[large])
        for result, p in zip(results, probs, strict=True):
            z = NormalDist().inv_cdf(p)
            q = m[large] + sd * (z + (z * z - 1.0) * skew / 6.0)
            result[large] = np.maximum(np.ceil(q - 0.5), 0.0)
    return [result.reshape(shape) for result in results]


def count_cdf(counts: FloatArray, mean: FloatArray, dispersion: FloatArray) -> FloatArray:
    """P(X ≤ k) for the counts ``k`` (rounded down to whole births; below 0 gives 0)."""
    k, m, f = np.broadcast_arrays(
        np.floor(np.asarray(counts, dtype=np.float64)),
        np.asarray(mean, dtype=np.float64),
        np.asarray(dispersion, dtype=np.float64),
    )
    shape = k.shape
    k, m, f = k.ravel(), m.ravel(), f.ravel()
    valid = np.isfinite(k) & np.isfinite(m) & np.isfinite(f)
    _check(m[valid], f[valid])
    result = np.full(k.size, np.nan)
    result[valid & (k < 0)] = 0.0
    exact = valid & (k >= 0) & (m <= EXACT_MAX_MEAN)
    beyond = exact & (k > _tail_cap(m, f))
    result[beyond] = 1.0
    exact &= ~beyond
    if bool(exact.any()):
        result[exact] = _exact_cdf(k[exact], m[exact], f[exact])
    large = valid & (k >= 0) & (m > EXACT_MAX_MEAN)
    if bool(large.any()):
        sd, skew = _moments(m[large], f[large])
        w = (k[large] + 0.5 - m[large]) / sd
        result[large] = normal_cdf(w - (w * w - 1.0) * skew / 6.0)
    return result.reshape(shape)


def exceed_probability(
    expected: FloatArray, quota: FloatArray, dispersion: FloatArray | None = None
) -> FloatArray:
    """P(births > quota) for births with mean ``expected``: Poisson, or negative binomial with
    variance μ + φμ² when ``dispersion`` φ is given (e.g. ``Forecast.dispersion[:, 0]`` for
    next year, which carries the uncertainty of the estimated rates). A fractional quota is
    rounded down (exceeding 12.5 means 13 or more); a negative quota is always exceeded. NaN
    where the quota or the expectation is missing. Arguments broadcast together.
    """
    phi = np.zeros(1) if dispersion is None else np.asarray(dispersion, dtype=np.float64)
    below_or_at = count_cdf(np.asarray(quota, dtype=np.float64), expected, phi)
    result: FloatArray = np.clip(1.0 - below_or_at, 0.0, 1.0)
    return result
