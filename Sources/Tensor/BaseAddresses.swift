/// Runs `body` with the base address of each array, in order (nil for an array without storage): the arrays'
/// `withUnsafeBufferPointer` scopes nested, for an op that reads several tensors at once.
func withBaseAddresses<S, R>(_ arrays: [[S]], _ body: ([UnsafePointer<S>?]) -> R) -> R {
    var addresses: [UnsafePointer<S>?] = []
    addresses.reserveCapacity(arrays.count)
    return nestBaseAddresses(arrays[...], &addresses, body)
}

private func nestBaseAddresses<S, R>(
    _ arrays: ArraySlice<[S]>, _ addresses: inout [UnsafePointer<S>?], _ body: ([UnsafePointer<S>?]) -> R
) -> R {
    guard let first = arrays.first else { return body(addresses) }
    return first.withUnsafeBufferPointer { buffer in
        addresses.append(buffer.baseAddress)
        return nestBaseAddresses(arrays.dropFirst(), &addresses, body)
    }
}
