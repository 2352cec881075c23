import Crystal

/// One libFuzzer input: bytes as a CIF file, cut into blocks, each parsed and validated.
///
/// Errors are fine; a crash, a hang or a runaway allocation is what the fuzzer looks for.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCIF(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: count), as: UTF8.self)
    var splitter = CIFBlockSplitter()
    var blocks: [String] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        if let block = splitter.append(line) { blocks.append(block) }
    }
    if let block = splitter.finish() { blocks.append(block) }
    for block in blocks {
        guard let crystal = try? CIFParser.parseBlock(block) else { continue }
        try? crystal.validate()
    }
    return 0
}
