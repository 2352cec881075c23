import Crystal

/// One libFuzzer input: bytes as pymatgen's text rendering of a Structure, parsed and validated.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPymatgenText(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: count), as: UTF8.self)
    if let crystal = try? PymatgenTextParser.parse(text, id: "fuzz") { try? crystal.validate() }
    return 0
}
