// Reshaping, transposing, slicing and joining; gradients route values back to where they came from.
extension Tensor {
    /// The same values with another shape of equal element count.
    @_specialize(where S == Float)
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(newShape.reduce(1, *) == count, "reshape: \(shape) → \(newShape)")
        let shape = self.shape
        return Self.result(shape: newShape, values: values, inputs: [self]) { g in
            [Tensor(shape: shape, values: g.values)]
        }
    }

    /// The matrix transpose: [r, c] → [c, r] (materialised; `matmul` takes transposes without copying).
    @_specialize(where S == Float)
    public func transposed() -> Tensor {
        precondition(rank == 2, "transposed: shape \(shape) is not a matrix")
        let (r, c) = (shape[0], shape[1])
        let out = Self.transpose(values, rows: r, columns: c)
        return Self.result(shape: [c, r], values: out, inputs: [self]) { g in
            [Tensor(shape: [r, c], values: Self.transpose(g.values, rows: c, columns: r))]
        }
    }

    static func transpose(_ values: [S], rows: Int, columns: Int) -> [S] {
        var out = [S](repeating: 0, count: values.count)
        for i in 0..<rows {
            for j in 0..<columns { out[j * rows + i] = values[i * columns + j] }
        }
        return out
    }

    /// Rows `range` along the first axis.
    @_specialize(where S == Float)
    public func slice(rows range: Range<Int>) -> Tensor {
        precondition(rank >= 1 && range.lowerBound >= 0 && range.upperBound <= shape[0], "slice: \(range) of \(shape)")
        let width = shape.dropFirst().reduce(1, *)
        let out = Array(values[(range.lowerBound * width)..<(range.upperBound * width)])
        let shape = self.shape
        return Self.result(shape: [range.count] + shape.dropFirst(), values: out, inputs: [self]) { g in
            var grad = [S](repeating: 0, count: shape.reduce(1, *))
            grad.replaceSubrange((range.lowerBound * width)..<(range.upperBound * width), with: g.values)
            return [Tensor(shape: shape, values: grad)]
        }
    }

    /// Joins `parts` along `axis`; all other extents must agree.
    @_specialize(where S == Float)
    public static func concat(_ parts: [Tensor], axis: Int) -> Tensor {
        guard let first = parts.first else { preconditionFailure("concat: no tensors") }
        precondition(axis >= 0 && axis < first.rank, "concat: axis \(axis) of shape \(first.shape)")
        for part in parts {
            var a = part.shape
            var b = first.shape
            a[axis] = 0
            b[axis] = 0
            precondition(a == b, "concat: shapes \(parts.map(\.shape)) differ off axis \(axis)")
        }
        let outer = first.shape[..<axis].reduce(1, *)
        let inner = first.shape[(axis + 1)...].reduce(1, *)
        let widths = parts.map { $0.shape[axis] * inner }
        let total = widths.reduce(0, +)
        var out = [S]()
        out.reserveCapacity(outer * total)
        for o in 0..<outer {
            for (part, width) in zip(parts, widths) { out += part.values[(o * width)..<((o + 1) * width)] }
        }
        var shape = first.shape
        shape[axis] = parts.map { $0.shape[axis] }.reduce(0, +)
        let shapes = parts.map(\.shape)
        return result(shape: shape, values: out, inputs: parts) { g in
            var grads = widths.map { [S](repeating: 0, count: outer * $0) }
            for o in 0..<outer {
                var offset = o * total
                for (p, width) in widths.enumerated() {
                    grads[p].replaceSubrange((o * width)..<((o + 1) * width), with: g.values[offset..<(offset + width)])
                    offset += width
                }
            }
            return zip(shapes, grads).map { Tensor(shape: $0, values: $1) }
        }
    }

    /// Cuts along `axis` into pieces of the given extents (which must add up to the axis).
    @_specialize(where S == Float)
    public func split(_ extents: [Int], axis: Int) -> [Tensor] {
        precondition(extents.reduce(0, +) == shape[axis], "split: \(extents) of axis \(axis) of \(shape)")
        var start = 0
        return extents.map { extent in
            defer { start += extent }
            return self.narrow(axis: axis, range: start..<(start + extent))
        }
    }

    /// Indices `range` along `axis`.
    @_specialize(where S == Float)
    public func narrow(axis: Int, range: Range<Int>) -> Tensor {
        let (outer, extent, inner) = split(around: axis, op: "narrow")
        precondition(
            range.lowerBound >= 0 && range.upperBound <= extent, "narrow: \(range) of axis \(axis) of \(shape)")
        var out = [S]()
        out.reserveCapacity(outer * range.count * inner)
        for o in 0..<outer {
            out += values[((o * extent + range.lowerBound) * inner)..<((o * extent + range.upperBound) * inner)]
        }
        var newShape = shape
        newShape[axis] = range.count
        let shape = self.shape
        return Self.result(shape: newShape, values: out, inputs: [self]) { g in
            var grad = [S](repeating: 0, count: shape.reduce(1, *))
            let width = range.count * inner
            for o in 0..<outer {
                let start = (o * extent + range.lowerBound) * inner
                grad.replaceSubrange(start..<(start + width), with: g.values[(o * width)..<((o + 1) * width)])
            }
            return [Tensor(shape: shape, values: grad)]
        }
    }
}
