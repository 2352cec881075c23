import Foundation
import Parallel
import Tensor

/// CGCNN's Gaussian distance features, exp(−(d − μ_k)² / σ²).
///
/// Centres μ_k = dmin, dmin + step, …, dmax (41 centres from 0 to 8 Å by 0.2 Å, σ = 0.2 Å by default).
/// Values below the smallest normal float are
/// flushed to zero (about 4 % of them are subnormal otherwise; DESIGN.md §8).
public struct GaussianBasis: Sendable, Hashable, Codable {
    public var minimum = 0.0
    public var maximum = 8.0
    public var step = 0.2
    public var width = 0.2

    public init(minimum: Double = 0, maximum: Double = 8, step: Double = 0.2, width: Double = 0.2) {
        self.minimum = minimum
        self.maximum = maximum
        self.step = step
        self.width = width
    }

    /// The centres, as NumPy's `arange(dmin, dmax + step, step)` makes them.
    public var centres: [Double] {
        var centres: [Double] = []
        var k = 0
        while minimum + Double(k) * step < maximum + step - 1e-9 {
            centres.append(minimum + Double(k) * step)
            k += 1
        }
        return centres
    }

    /// Number of centres.
    public var count: Int { centres.count }

    /// Distances [edges], Å → features [edges, count], computed in Double (as NumPy does) and rounded to Float.
    ///
    /// e^−x rounds below Float's smallest normal (and is flushed to 0) once x > 87.34, so only the centres
    /// within width·√87.5 of each distance are computed — about 19 of 41 — and the rest are the zeros they
    /// would round to. Along the centres the terms follow a recurrence: with x_k = d − μ_k and μ_{k+1} = μ_k + s,
    /// term_{k+1} = term_k · r_k, r_k = e^((2s·x_k − s²)/w²), r_{k+1} = r_k · e^(−2s²/w²) — two exponentials per
    /// edge instead of one per centre; in Double the products drift by about 1e-15, far below Float's rounding.
    /// Edges are split over `Parallelism.threads`.
    public func expand(_ distances: [Double]) -> Tensor<Float> {
        let centres = self.centres
        let count = centres.count
        let reach = width * (87.5).squareRoot()
        let (minimum, step, widthSquared) = (self.minimum, self.step, width * width)
        let decay = Foundation.exp(-2 * step * step / widthSquared)
        // Each row is zeroed as it is filled (in cache), not the whole array first in a pass of its own.
        let values = [Float](unsafeUninitializedCapacity: distances.count * count) { buffer, initialized in
            initialized = buffer.count
            guard let base = buffer.baseAddress else { return }
            nonisolated(unsafe) let out = base
            forEachChunk(distances.count, grain: 4096, threads: Parallelism.threads) { range in
                for e in range {
                    (out + e * count).initialize(repeating: 0, count: count)
                    let d = distances[e]
                    guard d.isFinite else { continue }
                    let first = Swift.max(0, Int(((d - reach - minimum) / step).rounded(.down)))
                    let last = Swift.min(count - 1, Int(((d + reach - minimum) / step).rounded(.up)))
                    guard first <= last else { continue }
                    let x = d - centres[first]
                    var (term, ratio) = (
                        Foundation.exp(-x * x / widthSquared),
                        Foundation.exp((2 * step * x - step * step) / widthSquared)
                    )
                    for k in first...last {
                        let v = Float(term)
                        out[e * count + k] = v.isNormal ? v : 0
                        term *= ratio
                        ratio *= decay
                    }
                }
            }
        }
        return Tensor(shape: [distances.count, count], values: values)
    }
}
