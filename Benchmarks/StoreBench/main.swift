// store-bench: times writing and reading N float32 values as one chunked, compressed dataset through
// the Store library, and prints one JSON line per repetition. Driven by scripts/bench/store, which runs
// h5py + hdf5plugin on the same data in the same run.
//
// usage: store-bench DIR [--count N] [--repeats R] [--compression zstd|gzip|none] [--chunk-bytes B] [--threads T]
import Foundation
import Store

struct Options {
    var directory = ""
    var count = 10_000_000
    var repeats = 5
    var compression = Compression.default
    var chunkBytes = 1 << 20
    var threads = DatasetOptions.defaultThreads
}

func parse(_ arguments: [String]) -> Options? {
    var options = Options()
    var rest = arguments[...]
    while let argument = rest.popFirst() {
        switch argument {
        case "--count": options.count = rest.popFirst().flatMap { Int($0) } ?? -1
        case "--repeats": options.repeats = rest.popFirst().flatMap { Int($0) } ?? -1
        case "--chunk-bytes": options.chunkBytes = rest.popFirst().flatMap { Int($0) } ?? -1
        case "--threads": options.threads = rest.popFirst().flatMap { Int($0) } ?? -1
        case "--compression":
            guard let value = rest.popFirst().flatMap(Compression.init(parsing:)) else { return nil }
            options.compression = value
        default:
            guard options.directory.isEmpty, !argument.hasPrefix("-") else { return nil }
            options.directory = argument
        }
    }
    let valid =
        !options.directory.isEmpty && options.count > 0 && options.repeats > 0 && options.chunkBytes > 0
        && options.threads > 0
    return valid ? options : nil
}

/// The benchmark data: quantised pseudo-random values in [0, 8), like interatomic distances stored to
/// 1/4096 Å; the same formula as scripts/bench/store_h5py.py (splitmix64 of the index).
func benchmarkValues(_ count: Int) -> [Float] {
    (0..<count).map { index in
        var z = UInt64(index) &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Float(z >> 49) / 4096
    }
}

guard let options = parse(Array(CommandLine.arguments.dropFirst())) else {
    FileHandle.standardError.write(
        Data(
            "usage: store-bench DIR [--count N] [--repeats R] [--compression C] [--chunk-bytes B] [--threads T]\n".utf8)
    )
    exit(64)
}
let values = benchmarkValues(options.count)
let path = (options.directory as NSString).appendingPathComponent("swift-bench.h5")
let datasetOptions = DatasetOptions(
    compression: options.compression, chunkBytes: options.chunkBytes, threads: options.threads)
do {
    for repeat_ in 0..<options.repeats {
        let writeStart = DispatchTime.now()
        let file = try StoreFile.create(path)
        try file.root.write("values", values, options: datasetOptions)
        try file.close()
        let writeSeconds = Double(DispatchTime.now().uptimeNanoseconds - writeStart.uptimeNanoseconds) / 1e9

        let readStart = DispatchTime.now()
        let back = try StoreFile.open(path).root.read("values", as: Float.self, threads: options.threads)
        let readSeconds = Double(DispatchTime.now().uptimeNanoseconds - readStart.uptimeNanoseconds) / 1e9
        guard back.values == values else {
            FileHandle.standardError.write(Data("store-bench: read-back differs from what was written\n".utf8))
            exit(1)
        }
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        print(
            #"{"impl": "swift", "repeat": \#(repeat_), "write_s": \#(writeSeconds), "read_s": \#(readSeconds), "bytes": \#(size)}"#
        )
    }
} catch {
    FileHandle.standardError.write(Data("store-bench: \(error)\n".utf8))
    exit(1)
}
