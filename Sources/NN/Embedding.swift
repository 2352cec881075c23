import Tensor

/// A lookup table of learned vectors: row i of `<name>.weight` [count, width] for index i.
public struct Embedding: Sendable {
    public let name: String
    public let count: Int
    public let width: Int

    public init(_ name: String, count: Int, width: Int) {
        self.name = name
        self.count = count
        self.width = width
    }

    /// Adds the table, initialised standard normal as PyTorch does (Box–Muller on the seeded generator).
    public func initialize<S>(_ parameters: inout Parameters<S>, using generator: inout SeededGenerator) {
        let values = (0..<(count * width)).map { _ in S(generator.nextStandardNormal()) }
        parameters["\(name).weight"] = Tensor(shape: [count, width], values: values)
    }

    /// indices [n] → [n, width].
    public func callAsFunction<S>(_ indices: [Int32], _ parameters: Parameters<S>) -> Tensor<S> {
        parameters["\(name).weight"].gather(rows: indices)
    }
}
