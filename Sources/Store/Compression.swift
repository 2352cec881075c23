import CHDF5
import Foundation

/// How dataset chunks are compressed on disk.
///
/// `zstd` uses HDF5 filter 32015 (h5py reads it with `hdf5plugin`); `gzip` is HDF5's built-in deflate,
/// readable everywhere; `none` stores chunks raw.
public enum Compression: Sendable, Hashable, CustomStringConvertible {
    case zstd(level: Int32)
    case gzip(level: Int32)
    case none

    /// The store's default: zstd at level 1.
    ///
    /// On the store's float64 coordinates it is twice as fast as level 3 (hdf5plugin's default) for files about 2 % larger; pass `zstd:3` or higher for smaller files.
    public static let `default` = Compression.zstd(level: 1)

    /// Parses `zstd`, `zstd:LEVEL`, `gzip`, `gzip:LEVEL` or `none`.
    ///
    /// - Returns: `nil` for anything else (a usage error for the caller to report).
    public init?(parsing text: String) {
        let parts = text.lowercased().split(separator: ":", maxSplits: 1).map(String.init)
        let level = parts.count == 2 ? Int32(parts[1]) : nil
        if parts.count == 2 && level == nil { return nil }
        switch parts.first {
        case "zstd":
            guard (1...22).contains(level ?? 1) else { return nil }
            self = .zstd(level: level ?? 1)
        case "gzip":
            guard (0...9).contains(level ?? 4) else { return nil }
            self = .gzip(level: level ?? 4)
        case "none" where parts.count == 1:
            self = .none
        default:
            return nil
        }
    }

    public var description: String {
        switch self {
        case .zstd(let level): return "zstd:\(level)"
        case .gzip(let level): return "gzip:\(level)"
        case .none: return "none"
        }
    }

    /// Adds this compression to a dataset-creation property list.
    func apply(to plist: hid_t) -> herr_t {
        switch self {
        case .zstd(let level):
            var values: [UInt32] = [UInt32(bitPattern: level)]
            return H5Pset_filter(plist, ZstdFilter.id, xs_H5Z_FLAG_MANDATORY(), 1, &values)
        case .gzip(let level):
            return H5Pset_deflate(plist, UInt32(level))
        case .none:
            return 0
        }
    }
}

/// How a dataset is laid out: compression and the target chunk size.
public struct DatasetOptions: Sendable, Hashable {
    /// Chunk compression.
    public var compression: Compression
    /// Target bytes per chunk; a chunk holds whole rows (first-axis entries), at least one.
    public var chunkBytes: Int
    /// Threads that compress zstd chunks of a whole-dataset write; the bytes written do not depend on it.
    public var threads: Int

    public init(compression: Compression = .default, chunkBytes: Int = 1 << 20, threads: Int = defaultThreads) {
        precondition(chunkBytes > 0, "DatasetOptions: chunkBytes \(chunkBytes) must be positive")
        precondition(threads > 0, "DatasetOptions: threads \(threads) must be positive")
        self.compression = compression
        self.chunkBytes = chunkBytes
        self.threads = threads
    }

    /// All active cores, the default of every `--jobs`.
    public static var defaultThreads: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// Rows per chunk for rows of `rowBytes` bytes.
    func chunkRows(rowBytes: Int) -> Int {
        max(1, chunkBytes / max(rowBytes, 1))
    }

    /// Rows per chunk of a dataset created with `rows` rows of `rowBytes` bytes: no more than the dataset
    /// holds, so a small dataset is one chunk of its own size rather than a full-size chunk of padding
    /// (a dataset created empty, to be appended to, gets full-size chunks).
    func chunkRows(rowBytes: Int, rows: Int) -> Int {
        rows > 0 ? min(chunkRows(rowBytes: rowBytes), rows) : chunkRows(rowBytes: rowBytes)
    }
}
