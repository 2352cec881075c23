/// The fast path of `PymatgenStructureDecoder`: decodes a record straight from its bytes, without a `JSONValue`.
///
/// It walks `lattice.matrix`, `sites[].species[].element`/`occu` and `sites[].abc` (else `xyz`) with a
/// `JSONScanner`, and validates everything else it skips (`properties`, `label`, `@module`, …). It only ever
/// returns a record that decodes: anything unusual or wrong — lattice parameters without a matrix, several
/// species or a partial occupancy on a site, an unknown element, a non-finite number, an escaped key, invalid
/// JSON — returns `nil`, and the caller takes the `JSONParser` tree path, which gives the record or the error.
/// Where both succeed, the two give identical crystals, ids and fields.
extension PymatgenStructureDecoder {
    /// The record for one structure dict or document, or `nil` when the tree path must decide.
    static func directRecord(
        _ bytes: UnsafeRawBufferPointer, name: String?, fields: [String: FieldValue], idField: String?
    ) -> InputRecord? {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        var scanner = JSONScanner(base: base, count: bytes.count)
        do {
            var parts = StructureParts()
            // A document: the offset of its `structure` member's value and the parts decoded from it.
            var nested: (start: Int, end: Int, parts: StructureParts)?
            guard try scanner.beginObject() else { return nil }
            repeat {
                let key = try scanner.key()
                if key.matches("structure") {
                    guard nested == nil else { return nil }
                    scanner.skipSpace()
                    let start = scanner.position
                    var inner = StructureParts()
                    try inner.read(&scanner)
                    nested = (start, scanner.position, inner)
                } else {
                    try parts.readMember(key, &scanner)
                }
            } while try scanner.more(close: closeBrace)
            guard scanner.atEnd else { return nil }

            var fields = fields
            if let nested {
                // As the tree path: every top-level scalar, in order, where `fields` has no entry yet.
                parts = nested.parts
                scanner.position = 0
                _ = try scanner.beginObject()
                repeat {
                    let key = try scanner.key()
                    scanner.skipSpace()
                    if scanner.position == nested.start {
                        scanner.position = nested.end
                    } else if let value = try scanner.field() {
                        let name = key.string
                        if fields[name] == nil { fields[name] = value }
                    }
                } while try scanner.more(close: closeBrace)
            }
            guard let crystal = parts.crystal(id: recordID(fields: fields, name: name, idField: idField)) else {
                return nil
            }
            return InputRecord(name: name, crystal: .success(crystal), fields: fields)
        } catch {
            return nil
        }
    }
}

/// What has been read of one structure dict: its last `lattice` and last `sites`, as the tree path takes them.
private struct StructureParts {
    var lattice: Lattice?
    var sites: [Site]?
    /// Indices of `sites` given by Cartesian `xyz` (held in `fracCoords` until the lattice is known).
    var cartesian: [Int] = []

    /// Reads a whole structure object.
    mutating func read(_ scanner: inout JSONScanner) throws(JSONBail) {
        guard try scanner.beginObject() else { throw JSONBail() }
        repeat {
            try readMember(try scanner.key(), &scanner)
        } while try scanner.more(close: closeBrace)
    }

    /// Reads the value of member `key`: `lattice` and `sites` are decoded, others skipped.
    @inline(__always)
    mutating func readMember(_ key: JSONKey, _ scanner: inout JSONScanner) throws(JSONBail) {
        if key.matches("lattice") {
            lattice = try readLattice(&scanner)
        } else if key.matches("sites") {
            try readSites(&scanner)
        } else {
            try scanner.skipValue()
        }
    }

    /// The crystal, or `nil` if a part is missing or a Cartesian site has no finite fractional coordinates.
    func crystal(id: String) -> Crystal? {
        guard let lattice, var sites else { return nil }
        for index in cartesian {
            let fracCoords = lattice.fractional(sites[index].fracCoords)
            guard fracCoords.x.isFinite && fracCoords.y.isFinite && fracCoords.z.isFinite else { return nil }
            sites[index].fracCoords = fracCoords
        }
        return Crystal(id: id, lattice: lattice, sites: sites)
    }

    /// A lattice object with a 3×3 `matrix` of finite numbers (other members skipped).
    private func readLattice(_ scanner: inout JSONScanner) throws(JSONBail) -> Lattice {
        guard try scanner.beginObject() else { throw JSONBail() }
        var rows: (SIMD3<Double>, SIMD3<Double>, SIMD3<Double>)?
        repeat {
            let key = try scanner.key()
            if key.matches("matrix") {
                try scanner.expect(openBracket)
                let a = try scanner.vector()
                try scanner.expect(comma)
                let b = try scanner.vector()
                try scanner.expect(comma)
                let c = try scanner.vector()
                try scanner.expect(closeBracket)
                rows = (a, b, c)
            } else {
                try scanner.skipValue()
            }
        } while try scanner.more(close: closeBrace)
        guard let (a, b, c) = rows, isFinite(a), isFinite(b), isFinite(c) else { throw JSONBail() }
        return Lattice(a: a, b: b, c: c)
    }

    /// A non-empty array of sites, each with one fully occupied species of a known element.
    private mutating func readSites(_ scanner: inout JSONScanner) throws(JSONBail) {
        guard try scanner.beginArray() else { throw JSONBail() }
        var sites: [Site] = []
        sites.reserveCapacity(16)
        cartesian = []
        repeat {
            guard try scanner.beginObject() else { throw JSONBail() }
            var element: Element?
            var abc: SIMD3<Double>?
            // Cartesian coordinates count only without `abc`: they are validated, and read only if needed.
            var xyzStart: Int?
            repeat {
                let key = try scanner.key()
                if key.matches("species") {
                    element = try readSpecies(&scanner)
                } else if key.matches("abc") {
                    abc = try scanner.vector()
                } else if key.matches("xyz") {
                    scanner.skipSpace()
                    xyzStart = scanner.position
                    try scanner.skipValue()
                } else {
                    try scanner.skipValue()
                }
            } while try scanner.more(close: closeBrace)
            guard let element else { throw JSONBail() }
            if let abc {
                guard isFinite(abc) else { throw JSONBail() }
                sites.append(Site(element, abc))
            } else if let xyzStart {
                let end = scanner.position
                scanner.position = xyzStart
                let xyz = try scanner.vector()
                scanner.position = end
                guard isFinite(xyz) else { throw JSONBail() }
                cartesian.append(sites.count)
                sites.append(Site(element, xyz))
            } else {
                throw JSONBail()
            }
        } while try scanner.more(close: closeBracket)
        self.sites = sites
    }

    /// A `species` array of exactly one entry whose `element` is known and whose `occu` (default 1) is within
    /// `occupancyTolerance` of 1.
    private func readSpecies(_ scanner: inout JSONScanner) throws(JSONBail) -> Element {
        guard try scanner.beginArray(), try scanner.beginObject() else { throw JSONBail() }
        var symbol: UnsafeRawBufferPointer?
        var occupancy = 1.0
        repeat {
            let key = try scanner.key()
            if key.matches("element") {
                symbol = try scanner.plainString()
            } else if key.matches("occu") {
                occupancy = try scanner.number()
            } else {
                try scanner.skipValue()
            }
        } while try scanner.more(close: closeBrace)
        try scanner.expect(closeBracket)
        guard let symbol, abs(occupancy - 1) <= PymatgenStructureDecoder.occupancyTolerance,
            let element = elementOfSymbol(symbol)
        else { throw JSONBail() }
        return element
    }
}

@inline(__always)
private func isFinite(_ vector: SIMD3<Double>) -> Bool {
    vector.x.isFinite && vector.y.isFinite && vector.z.isFinite
}

/// The element of a species string: a table lookup for a plain symbol such as `Fe`, else the tree path's
/// parsing of charges and letter case; `nil` where that throws.
@inline(__always)
private func elementOfSymbol(_ symbol: UnsafeRawBufferPointer) -> Element? {
    var slot = -1
    if symbol.count == 1 || symbol.count == 2 {
        let first = symbol[0] &- UInt8(ascii: "A")
        if first < 26 {
            if symbol.count == 1 {
                slot = Int(first) * 27
            } else {
                let second = symbol[1] &- UInt8(ascii: "a")
                if second < 26 { slot = Int(first) * 27 + Int(second) + 1 }
            }
        }
    }
    if slot >= 0 {
        let number = elementSlots[slot]
        if number != 0 { return Element(atomicNumber: Int(number)) }
    }
    return try? PymatgenStructureDecoder.element(String(decoding: symbol, as: UTF8.self))
}

/// Atomic numbers by symbol: slot `27 × (first letter − A)` for one letter, `+ (second letter − a) + 1` for
/// two; 0 where there is no such element.
private let elementSlots: [UInt8] = {
    var slots = [UInt8](repeating: 0, count: 26 * 27)
    for number in 1...Element.maxAtomicNumber {
        guard let element = Element(atomicNumber: number) else { continue }
        let utf8 = Array(element.symbol.utf8)
        guard utf8.count == 1 || utf8.count == 2 else { continue }
        let first = Int(utf8[0] &- UInt8(ascii: "A"))
        let second = utf8.count == 2 ? Int(utf8[1] &- UInt8(ascii: "a")) + 1 : 0
        guard first < 26 && second <= 26 else { continue }
        slots[first * 27 + second] = UInt8(number)
    }
    return slots
}()
