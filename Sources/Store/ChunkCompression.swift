import Dispatch

/// One full chunk of an appended zstd dataset being compressed on another thread.
///
/// The frame is exactly what the HDF5 filter would write (`ZstdCodec`). Only the thread that owns the file
/// makes HDF5 calls: it starts these, goes on appending, and writes each frame with `H5Dwrite_chunk`, in chunk
/// order, at points that do not depend on timing or threads (`GrowingDataset.writeLag`), so the file's bytes
/// do not either.
final class ChunkCompression: @unchecked Sendable {
    /// Index of the chunk along the first axis.
    let chunk: Int
    private let finished = DispatchSemaphore(value: 0)
    private var frame: [UInt8]?
    private var isDone = false

    /// Compresses `source` (one whole chunk) at `level`: on another thread (copying it first) when
    /// `background`, else at once.
    init(chunk: Int, source: UnsafeRawBufferPointer, level: Int32, background: Bool) {
        self.chunk = chunk
        guard background else {
            frame = Self.compress(source, level: level)
            isDone = true
            return
        }
        let bytes = [UInt8](source)
        DispatchQueue.global().async { [self] in
            frame = bytes.withUnsafeBytes { Self.compress($0, level: level) }
            finished.signal()
        }
    }

    private static func compress(_ source: UnsafeRawBufferPointer, level: Int32) -> [UInt8]? {
        let frame = [UInt8](unsafeUninitializedCapacity: ZstdCodec.bound(source.count)) { buffer, count in
            count = ZstdCodec.compress(source, level: level, into: UnsafeMutableRawBufferPointer(buffer)) ?? 0
        }
        return frame.isEmpty ? nil : frame
    }

    /// The compressed frame, waiting for it; `nil` if zstd failed.
    func wait() -> [UInt8]? {
        if !isDone {
            finished.wait()
            isDone = true
        }
        return frame
    }
}
