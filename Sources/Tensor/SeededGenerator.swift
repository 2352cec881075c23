/// A seeded random number generator (SplitMix64): the same seed gives the same parameters on every machine.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Tensor {
    /// A tensor of `shape` with values uniform in [−bound, bound].
    @_specialize(where S == Float)
    public static func uniform(_ shape: [Int], bound: S, using generator: inout SeededGenerator) -> Tensor {
        let count = shape.reduce(1, *)
        return Tensor(shape: shape, values: (0..<count).map { _ in S.random(in: -bound...bound, using: &generator) })
    }
}
