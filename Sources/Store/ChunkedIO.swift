import CHDF5
import Parallel

/// Whole-chunk I/O for zstd datasets whose chunks span whole rows: chunks are compressed or decompressed
/// on several threads while one thread does the HDF5 calls (`H5Dwrite_chunk` / `H5Dread_chunk`).
///
/// The bytes on disk are exactly those the registered filter writes (`ZstdCodec`), so files stay readable
/// by HDF5's filter pipeline and by h5py + hdf5plugin, and they do not depend on the thread count. Work goes
/// in batches of a few chunks per thread, so memory stays at a few chunks, not the dataset.
struct ChunkedIO {
    /// The dataset; its chunk shape is `[chunkRows] + shape[1...]`.
    let dataset: StoreDataset
    /// The dataset's full shape.
    let shape: [Int]
    /// Rows per chunk.
    let chunkRows: Int
    /// Bytes of one row.
    let rowBytes: Int
    /// Worker threads for compression.
    let threads: Int

    private var chunkBytes: Int { chunkRows * rowBytes }
    private var batchSize: Int { max(threads, 1) * 4 }

    /// The layout of `dataset` if it can be read chunk by chunk: chunked along the first axis only, with
    /// zstd as its one filter; otherwise `nil` (callers fall back to `H5Dread`).
    static func zstdLayout(of dataset: StoreDataset, shape: [Int], elementBytes: Int, threads: Int) throws -> ChunkedIO?
    {
        guard !shape.isEmpty else { return nil }
        let dcpl = try dataset.call("H5Dget_create_plist") { H5Dget_create_plist(dataset.objectID) }
        defer { H5Pclose(dcpl) }
        guard H5Pget_layout(dcpl) == H5D_CHUNKED, H5Pget_nfilters(dcpl) == 1 else { return nil }
        var flags: UInt32 = 0
        var valueCount = 0
        var config: UInt32 = 0
        let filter = H5Pget_filter2(dcpl, 0, &flags, &valueCount, nil, 0, nil, &config)
        guard filter == ZstdFilter.id else { return nil }
        var chunk = [hsize_t](repeating: 0, count: shape.count)
        guard H5Pget_chunk(dcpl, Int32(shape.count), &chunk) == Int32(shape.count),
            chunk.dropFirst().map({ Int($0) }) == Array(shape.dropFirst())
        else { return nil }
        let rowBytes = shape.dropFirst().reduce(elementBytes, *)
        return ChunkedIO(dataset: dataset, shape: shape, chunkRows: Int(chunk[0]), rowBytes: rowBytes, threads: threads)
    }

    /// Writes all rows of `source` (the whole dataset, `shape[0] * rowBytes` bytes) as zstd chunks.
    func write(_ source: UnsafeRawBufferPointer, level: Int32) throws {
        let rows = shape[0]
        let chunkCount = (rows + chunkRows - 1) / chunkRows
        let slot = ZstdCodec.bound(chunkBytes)
        var output = [UInt8](repeating: 0, count: slot * min(batchSize, chunkCount))
        var sizes = [Int](repeating: 0, count: min(batchSize, chunkCount))
        for batchStart in stride(from: 0, to: chunkCount, by: batchSize) {
            let batch = min(batchSize, chunkCount - batchStart)
            output.withUnsafeMutableBytes { out in
                sizes.withUnsafeMutableBufferPointer { sizes in
                    parallelFor(batch, threads: threads) { k in
                        let chunk = batchStart + k
                        let destination = UnsafeMutableRawBufferPointer(rebasing: out[(k * slot)..<((k + 1) * slot)])
                        sizes[k] = compressChunk(chunk, of: source, level: level, into: destination) ?? -1
                    }
                }
            }
            for k in 0..<batch {
                let chunk = batchStart + k
                guard sizes[k] >= 0 else {
                    throw StoreError.hdf5(
                        file: dataset.file.path, object: dataset.path, operation: "compressing chunk \(chunk)",
                        message: "zstd failed")
                }
                var offset = [hsize_t](repeating: 0, count: shape.count)
                offset[0] = hsize_t(chunk * chunkRows)
                try output.withUnsafeBytes { out in
                    let frame = UnsafeRawBufferPointer(rebasing: out[(k * slot)..<(k * slot + sizes[k])])
                    _ = try dataset.call("H5Dwrite_chunk \(chunk)") {
                        H5Dwrite_chunk(dataset.objectID, xs_H5P_DEFAULT(), 0, offset, frame.count, frame.baseAddress)
                    }
                }
            }
        }
    }

    /// Compresses chunk `chunk` of `source`, zero-padding a last partial chunk to full size as HDF5 stores it.
    private func compressChunk(
        _ chunk: Int, of source: UnsafeRawBufferPointer, level: Int32, into destination: UnsafeMutableRawBufferPointer
    ) -> Int? {
        let start = chunk * chunkBytes
        let end = min(start + chunkBytes, source.count)
        if end - start == chunkBytes {
            return ZstdCodec.compress(
                UnsafeRawBufferPointer(rebasing: source[start..<end]), level: level, into: destination)
        }
        var padded = [UInt8](repeating: 0, count: chunkBytes)
        padded.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[start..<end])) }
        return padded.withUnsafeBytes { ZstdCodec.compress($0, level: level, into: destination) }
    }

    /// Reads rows `rows` into `destination` (`rows.count * rowBytes` bytes).
    func read(rows: Range<Int>, into destination: UnsafeMutableRawBufferPointer) throws {
        guard !rows.isEmpty else { return }
        let firstChunk = rows.lowerBound / chunkRows
        let lastChunk = (rows.upperBound - 1) / chunkRows
        for batchStart in stride(from: firstChunk, through: lastChunk, by: batchSize) {
            let chunks = Array(batchStart...min(batchStart + batchSize - 1, lastChunk))
            let stored = try chunks.map(readStoredChunk)
            var failures = [Bool](repeating: false, count: chunks.count)
            failures.withUnsafeMutableBufferPointer { failures in
                parallelFor(chunks.count, threads: threads) { k in
                    failures[k] = !decodeChunk(chunks[k], stored: stored[k], rows: rows, into: destination)
                }
            }
            if let bad = failures.firstIndex(of: true) {
                throw StoreError.corrupt(
                    file: dataset.file.path, object: dataset.path,
                    reason:
                        "chunk \(chunks[bad]) (rows from \(chunks[bad] * chunkRows)) does not decompress to \(chunkBytes) bytes"
                )
            }
        }
    }

    /// One chunk as stored: its bytes and HDF5's filter mask (bit 0 set: zstd was skipped, bytes are raw).
    private func readStoredChunk(_ chunk: Int) throws -> (bytes: [UInt8], mask: UInt32) {
        var offset = [hsize_t](repeating: 0, count: shape.count)
        offset[0] = hsize_t(chunk * chunkRows)
        var size: hsize_t = 0
        try dataset.call("H5Dget_chunk_storage_size \(chunk)") {
            H5Dget_chunk_storage_size(dataset.objectID, offset, &size)
        }
        guard size > 0 else { return ([], 0) }  // never written: reads as zeros (the fill value)
        var mask: UInt32 = 0
        var bytes = [UInt8](repeating: 0, count: Int(size))
        try bytes.withUnsafeMutableBytes { buffer in
            _ = try dataset.call("H5Dread_chunk \(chunk)") {
                H5Dread_chunk(dataset.objectID, xs_H5P_DEFAULT(), offset, &mask, buffer.baseAddress)
            }
        }
        return (bytes, mask)
    }

    /// Decodes one stored chunk and copies the part of it inside `rows` to its place in `destination`.
    private func decodeChunk(
        _ chunk: Int, stored: (bytes: [UInt8], mask: UInt32), rows: Range<Int>,
        into destination: UnsafeMutableRawBufferPointer
    ) -> Bool {
        let chunkStart = chunk * chunkRows
        let wanted = max(chunkStart, rows.lowerBound)..<min(chunkStart + chunkRows, rows.upperBound)
        let target = UnsafeMutableRawBufferPointer(
            rebasing: destination[
                ((wanted.lowerBound - rows.lowerBound) * rowBytes)..<((wanted.upperBound - rows.lowerBound) * rowBytes)]
        )
        if stored.bytes.isEmpty {
            target.initializeMemory(as: UInt8.self, repeating: 0)
            return true
        }
        return stored.bytes.withUnsafeBytes { source in
            let skip = (wanted.lowerBound - chunkStart) * rowBytes
            if stored.mask & 1 != 0 {
                guard source.count == chunkBytes else { return false }
                target.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[skip..<(skip + target.count)]))
                return true
            }
            if skip == 0 && target.count == chunkBytes {
                return ZstdCodec.decompress(source, into: target) == chunkBytes
            }
            var full = [UInt8](repeating: 0, count: chunkBytes)
            let produced = full.withUnsafeMutableBytes { ZstdCodec.decompress(source, into: $0) }
            guard produced == chunkBytes else { return false }
            full.withUnsafeBytes {
                target.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[skip..<(skip + target.count)]))
            }
            return true
        }
    }
}
