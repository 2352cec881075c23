import Foundation

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

    /// A standard normal value by Box–Muller (two uniform draws, the cosine branch).
    public mutating func nextStandardNormal() -> Double {
        let u = Double.random(in: Double.leastNonzeroMagnitude..<1, using: &self)
        let v = Double.random(in: 0..<1, using: &self)
        return (-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * Double.pi * v)
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

extension Tensor {
    /// A [rows, columns] matrix with orthonormal columns (rows ≥ columns) or orthonormal rows.
    ///
    /// As Keras's `Orthogonal` initialiser draws it (Saxe and others, 2014): the Q of a standard normal matrix's QR
    /// decomposition with R's diagonal positive, here by modified Gram–Schmidt in Double.
    public static func orthogonal(rows: Int, columns: Int, using generator: inout SeededGenerator) -> Tensor {
        precondition(rows > 0 && columns > 0, "Tensor.orthogonal: \(rows) × \(columns)")
        let (long, short) = (Swift.max(rows, columns), Swift.min(rows, columns))
        // `short` vectors of length `long`, made orthonormal in turn.
        var vectors = (0..<short).map { _ in (0..<long).map { _ in generator.nextStandardNormal() } }
        for j in 0..<short {
            for i in 0..<j {
                let projection = zip(vectors[i], vectors[j]).reduce(0.0) { $0 + $1.0 * $1.1 }
                for t in 0..<long { vectors[j][t] -= projection * vectors[i][t] }
            }
            let norm = vectors[j].reduce(0.0) { $0 + $1 * $1 }.squareRoot()
            vectors[j] = vectors[j].map { $0 / norm }
        }
        // Columns when the matrix is tall, rows when it is wide.
        let values =
            rows >= columns
            ? (0..<rows).flatMap { r in (0..<columns).map { c in S(vectors[c][r]) } }
            : vectors.flatMap { $0.map { S($0) } }
        return Tensor(shape: [rows, columns], values: values)
    }
}
