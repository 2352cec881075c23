import Foundation

/// One axis of a plot: a data range mapped onto a pixel range, linear or base-10 logarithmic, with "nice"
/// tick values (1, 2 or 5 × 10ᵏ steps; powers of ten on a log axis).
struct AxisScale {
    /// The data range shown, after widening to whole ticks.
    private(set) var lower: Double
    private(set) var upper: Double
    /// Base-10 logarithmic (all data positive).
    let logarithmic: Bool

    /// A scale covering `values` (non-finite ones ignored; non-positive ones too on a log axis).
    ///
    /// An empty or single-valued range is widened so that the axis still has a span.
    init(covering values: [Double], logarithmic: Bool = false, includeZero: Bool = false) {
        self.logarithmic = logarithmic
        let usable = values.filter { $0.isFinite && (!logarithmic || $0 > 0) }
        var low = usable.min() ?? (logarithmic ? 1 : 0)
        var high = usable.max() ?? (logarithmic ? 10 : 1)
        if includeZero && !logarithmic {
            low = min(low, 0)
            high = max(high, 0)
        }
        if logarithmic {
            lower = pow(10, floor(log10(low)))
            upper = pow(10, ceil(log10(high)))
            if upper <= lower { upper = lower * 10 }
            return
        }
        if high <= low {
            let pad = low == 0 ? 1 : abs(low) * 0.1
            low -= pad
            high += pad
        }
        let step = Self.niceStep((high - low) / 5)
        lower = floor(low / step) * step
        upper = ceil(high / step) * step
    }

    /// Whether `values` (positive, finite) span more than one decade, so a log axis reads better.
    static func spansDecades(_ values: [Double]) -> Bool {
        let usable = values.filter { $0.isFinite }
        guard let low = usable.min(), let high = usable.max(), low > 0 else { return false }
        return high / low > 10
    }

    /// The tick step: 1, 2 or 5 × 10ᵏ, the nice number nearest above `rough`.
    static func niceStep(_ rough: Double) -> Double {
        guard rough > 0, rough.isFinite else { return 1 }
        let power = pow(10, floor(log10(rough)))
        let fraction = rough / power
        let nice: Double = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        return nice * power
    }

    /// The position of `value` in 0…1 along the axis (outside for values off the range; NaN for a value a
    /// log axis cannot show).
    func fraction(_ value: Double) -> Double {
        if logarithmic {
            guard value > 0 else { return .nan }
            return (log10(value) - log10(lower)) / (log10(upper) - log10(lower))
        }
        return (value - lower) / (upper - lower)
    }

    /// Tick values with their labels, inside the range.
    var ticks: [(value: Double, label: String)] {
        if logarithmic {
            let first = Int(log10(lower).rounded())
            let last = Int(log10(upper).rounded())
            let stride = max(1, (last - first + 5) / 6)
            return Swift.stride(from: first, through: last, by: stride).map {
                (pow(10, Double($0)), Markup.number(pow(10, Double($0)), digits: 1))
            }
        }
        let step = Self.niceStep((upper - lower) / 5)
        let decimals = max(0, -Int(floor(log10(step))))
        var out: [(Double, String)] = []
        var k = (lower / step).rounded()
        while k * step <= upper + step * 1e-9 {
            let value = k * step
            let magnitude = max(abs(lower), abs(upper))
            let label =
                magnitude >= 1e5 || (magnitude < 1e-3 && value != 0)
                ? String(format: "%.1e", value) : String(format: "%.\(decimals)f", value == 0 ? 0 : value)
            out.append((value, label))
            k += 1
        }
        return out
    }
}
