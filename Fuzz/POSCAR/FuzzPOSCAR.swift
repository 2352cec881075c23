import Crystal

/// One libFuzzer input: bytes as a POSCAR file, parsed and validated.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPOSCAR(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: count), as: UTF8.self)
    if let crystal = try? POSCARParser.parse(text, id: "fuzz") { try? crystal.validate() }
    return 0
}
