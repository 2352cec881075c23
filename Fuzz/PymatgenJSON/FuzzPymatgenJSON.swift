import Crystal

/// One libFuzzer input: bytes as one pymatgen Structure dict or Materials Project document.
///
/// Differential: the fast decoder (straight from the bytes) and the reference path (a `JSONValue` tree, then
/// `PymatgenStructureDecoder`) must give the same crystal, or the same failure; a difference is a bug, reported by
/// trapping so that libFuzzer keeps the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPymatgenJSON(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: count))
    let fast = PymatgenStructureDecoder.record(from: bytes, index: 0, name: nil, fields: [:], idField: nil)
    let tree: InputRecord
    do {
        let value = try JSONParser.parse(bytes)
        tree = PymatgenStructureDecoder.record(from: value, index: 0, name: nil, fields: [:], idField: nil)
    } catch {
        guard case .failure = fast.crystal else {
            fatalError("fuzz-pymatgen-json: the fast path decoded JSON the parser refuses: \(error)")
        }
        return 0
    }
    switch (fast.crystal, tree.crystal) {
    case (.success(let a), .success(let b)):
        precondition(a == b, "fuzz-pymatgen-json: the two paths decoded different crystals")
        precondition(fast.fields == tree.fields, "fuzz-pymatgen-json: the two paths read different fields")
        try? a.validate()
    case (.failure, .failure): break
    default: fatalError("fuzz-pymatgen-json: one path decoded the record and the other did not")
    }
    return 0
}
