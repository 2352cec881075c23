import Foundation
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
    public func expand(_ distances: [Double]) -> Tensor<Float> {
        let centres = self.centres
        var values = [Float](repeating: 0, count: distances.count * centres.count)
        for (e, d) in distances.enumerated() {
            for (k, mu) in centres.enumerated() {
                let v = Float(Foundation.exp(-(d - mu) * (d - mu) / (width * width)))
                values[e * centres.count + k] = v.isNormal ? v : 0
            }
        }
        return Tensor(shape: [distances.count, centres.count], values: values)
    }
}
