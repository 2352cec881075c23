import Tensor

/// DSSL's element masking (Fu and others, 2024).
///
/// In every crystal, k = ⌊0.15·n⌋ + 1 distinct atoms (at most n) lose their element features, and the network
/// must name their elements.
///
/// Masked atoms' feature rows are zeroed and an extra last column, the mask flag, is 1 (0 elsewhere), as the
/// DSSL reference zeroes the element one-hot and sets its last feature. The encoder of a masking model therefore
/// reads `atomFeatures + 1` columns.
public struct ElementMasking: Sendable, Equatable {
    /// The fraction of each crystal's atoms masked (before the +1).
    public var fraction: Double

    public init(fraction: Double = 0.15) {
        precondition(fraction >= 0 && fraction < 1, "ElementMasking: fraction \(fraction) outside [0, 1)")
        self.fraction = fraction
    }

    /// How many of `atoms` atoms are masked: ⌊fraction·atoms⌋ + 1, at most `atoms`.
    public func count(of atoms: Int) -> Int { min(atoms, Int(fraction * Double(atoms)) + 1) }

    /// The atoms to mask in a batch whose crystal `k` holds atoms `crystalOffsets[k]..<crystalOffsets[k + 1]`:
    /// batch-global atom indices, ascending within each crystal, crystals in order.
    public func choose<G: RandomNumberGenerator>(crystalOffsets: [Int], using generator: inout G) -> [Int32] {
        var chosen: [Int32] = []
        for k in 0..<(crystalOffsets.count - 1) {
            let atoms = crystalOffsets[k]..<crystalOffsets[k + 1]
            // A partial Fisher–Yates shuffle draws `count` distinct atoms.
            var pool = Array(atoms)
            let count = count(of: atoms.count)
            for i in 0..<count {
                let j = Int.random(in: i..<pool.count, using: &generator)
                pool.swapAt(i, j)
            }
            chosen += pool.prefix(count).sorted().map(Int32.init)
        }
        return chosen
    }

    /// `features` [atoms, F] with the mask flag column appended [atoms, F + 1]: rows `masked` zeroed with flag 1.
    public static func apply(_ features: Tensor<Float>, masked: [Int32]) -> Tensor<Float> {
        precondition(features.rank == 2, "ElementMasking.apply: features \(features.shape) must be [atoms, F]")
        let atoms = features.shape[0]
        let width = features.shape[1]
        var values = [Float](repeating: 0, count: atoms * (width + 1))
        let source = features.values
        for a in 0..<atoms {
            for f in 0..<width { values[a * (width + 1) + f] = source[a * width + f] }
        }
        for a in masked {
            let row = Int(a) * (width + 1)
            for f in 0..<width { values[row + f] = 0 }
            values[row + width] = 1
        }
        return Tensor(shape: [atoms, width + 1], values: values)
    }
}
