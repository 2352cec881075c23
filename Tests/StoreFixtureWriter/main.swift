// A child process for StoreTests' kill test: starts an atomic store file at the path given as the first
// argument and appends float rows to it forever, flushing and printing "progress N" after each chunk,
// until it is killed. It never commits.
import Foundation
import Store

guard CommandLine.arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: StoreFixtureWriter OUTPUT.h5\n".utf8))
    exit(64)
}
do {
    let output = try AtomicStoreFile(creating: CommandLine.arguments[1])
    let group = try output.file.root.createGroup("crystals")
    try group.setEncoding("crystals", version: "1")
    let appender = DatasetAppender<Float>(
        group, "node_frac_coords", rowShape: [3], options: DatasetOptions(chunkBytes: 1 << 16))
    var step = 0
    while true {
        try appender.append(contentsOf: (0..<(3 << 14)).map { Float(step * 7 + $0 % 11) })
        try output.file.flush()
        step += 1
        FileHandle.standardOutput.write(Data("progress \(step)\n".utf8))
        usleep(2000)
    }
} catch {
    FileHandle.standardError.write(Data("StoreFixtureWriter: \(error)\n".utf8))
    exit(1)
}
