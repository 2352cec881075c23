import NN
import Tensor

/// Part results as the bytes the ranks of a data-parallel run exchange.
///
/// One part's layout, in this machine's byte order (every rank runs on the same kind of machine):
/// ```
/// for each parameter name, sorted: UInt8 1 and its gradient's float32 values, or UInt8 0 (no gradient)
/// for each buffer name, sorted:    its float32 values
/// Int64 scalar count, then for each scalar, by sorted name: Int64 UTF-8 length, the name, Float64 value
/// ```
/// Shapes are not sent: the receiver reads them from its own parameters and buffers, which every rank holds.
extension PartResult {
    /// Appends this part's bytes to `bytes`, with the names (and shapes) of `parameters` and `buffers`.
    ///
    /// - Precondition: every gradient names a parameter of `parameters` and has its size.
    func write(to bytes: inout [UInt8], parameters: Parameters<Float>, buffers: Parameters<Float>) {
        precondition(
            gradients.keys.allSatisfy(parameters.contains), "PartResult.write: a gradient of no known parameter")
        for name in parameters.names.sorted() {
            guard let gradient = gradients[name] else {
                bytes.append(0)
                continue
            }
            precondition(
                gradient.count == parameters[name].count,
                "PartResult.write: gradient \(gradient.shape) for \(name) \(parameters[name].shape)")
            bytes.append(1)
            gradient.values.withUnsafeBytes { bytes.append(contentsOf: $0) }
        }
        for name in buffers.names.sorted() {
            self.buffers[name].values.withUnsafeBytes { bytes.append(contentsOf: $0) }
        }
        Self.append(Int64(scalars.count), to: &bytes)
        for name in scalars.keys.sorted() {
            let utf8 = Array(name.utf8)
            Self.append(Int64(utf8.count), to: &bytes)
            bytes.append(contentsOf: utf8)
            Self.append(scalars[name] ?? .nan, to: &bytes)
        }
    }

    /// Reads the part written at `offset` of `bytes` by `write(to:parameters:buffers:)` with the same names and
    /// shapes, and moves `offset` past it.
    ///
    /// - Precondition: the bytes hold such a part (they come from another rank of the same run).
    init(reading bytes: [UInt8], at offset: inout Int, parameters: Parameters<Float>, buffers: Parameters<Float>) {
        var gradients: [String: Tensor<Float>] = [:]
        for name in parameters.names.sorted() {
            let present = Self.read(UInt8.self, from: bytes, at: &offset)
            precondition(present <= 1, "PartResult(reading:): bad presence flag \(present) for \(name)")
            guard present == 1 else { continue }
            let values = Self.floats(parameters[name].count, from: bytes, at: &offset)
            gradients[name] = Tensor(shape: parameters[name].shape, values: values)
        }
        var readBuffers = buffers
        for name in buffers.names.sorted() {
            readBuffers[name] = Tensor(
                shape: buffers[name].shape, values: Self.floats(buffers[name].count, from: bytes, at: &offset))
        }
        var scalars: [String: Double] = [:]
        for _ in 0..<Self.read(Int64.self, from: bytes, at: &offset) {
            let length = Int(Self.read(Int64.self, from: bytes, at: &offset))
            precondition(length >= 0 && offset + length <= bytes.count, "PartResult(reading:): bad scalar name")
            let name = String(decoding: bytes[offset..<(offset + length)], as: UTF8.self)
            offset += length
            scalars[name] = Self.read(Double.self, from: bytes, at: &offset)
        }
        self.init(gradients: gradients, buffers: readBuffers, scalars: scalars)
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) }
    }

    private static func append(_ value: Double, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) }
    }

    /// The `T` stored at `offset` (unaligned), moving `offset` past it.
    private static func read<T: BitwiseCopyable>(_ type: T.Type, from bytes: [UInt8], at offset: inout Int) -> T {
        let size = MemoryLayout<T>.size
        precondition(offset + size <= bytes.count, "PartResult(reading:): \(bytes.count) bytes end at \(offset)")
        let value = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
        offset += size
        return value
    }

    /// `count` float32 values stored at `offset`, moving `offset` past them.
    private static func floats(_ count: Int, from bytes: [UInt8], at offset: inout Int) -> [Float] {
        let size = count * MemoryLayout<Float>.size
        precondition(offset + size <= bytes.count, "PartResult(reading:): \(bytes.count) bytes end at \(offset)")
        let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(
                    from: UnsafeRawBufferPointer(rebasing: source[offset..<(offset + size)]))
            }
            initialized = count
        }
        offset += size
        return values
    }
}
