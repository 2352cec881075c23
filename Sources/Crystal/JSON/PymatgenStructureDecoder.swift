/// Decodes pymatgen `Structure.as_dict()` JSON, alone or inside a Materials Project style document.
///
/// Reads `lattice.matrix` (else `a`, `b`, `c`, `alpha`, `beta`, `gamma`) and `sites[]` with `species[]`
/// (`element`, `occu`) and `abc` (else Cartesian `xyz`); `@module`, `@class`, `charge`, `pbc`, `label` and
/// `properties` are ignored. Oxidation states (`"Fe2+"`, or a separate `oxidation_state`) are dropped.
public enum PymatgenStructureDecoder {
    /// How far from 1 an occupancy may be and still count as a fully occupied site.
    public static let occupancyTolerance = 0.01

    /// The crystal described by a pymatgen structure dict.
    ///
    /// - Throws: `CrystalError.malformed` (format "pymatgen JSON") for missing or ill-typed members,
    ///   `.unknownElement`, `.partialOccupancy` (several species on a site, or an occupancy off 1 by more than
    ///   `occupancyTolerance`), `.nonFinite` for NaN or infinite numbers, `.noAtoms` for an empty `sites`.
    public static func decode(_ value: JSONValue, id: String) throws -> Crystal {
        guard value.object != nil else { throw malformed("the structure is not an object") }
        guard let latticeValue = value["lattice"] else { throw malformed("missing 'lattice'") }
        let lattice = try decodeLattice(latticeValue)
        guard let siteValues = value["sites"]?.array else { throw malformed("missing 'sites' array") }
        guard !siteValues.isEmpty else { throw CrystalError.noAtoms }
        var sites: [Site] = []
        sites.reserveCapacity(siteValues.count)
        for (index, siteValue) in siteValues.enumerated() {
            sites.append(try decodeSite(siteValue, index: index, lattice: lattice))
        }
        return Crystal(id: id, lattice: lattice, sites: sites)
    }

    /// The input record for one JSON value: a structure, or a document with a `structure` member.
    ///
    /// For a document, every top-level scalar (number, boolean, string, null) is added to `fields` where
    /// `fields` has no entry of that name yet. The crystal's id is `fields[idField]` when `idField` is given
    /// and present, else the document's `material_id`, else `name`, else `""` (the caller then uses
    /// `<file>:<index>`). Never throws: a failure becomes `crystal: .failure(…)`.
    ///
    /// - Parameters:
    ///   - value: a structure dict, or a document with a `structure` member.
    ///   - index: the record's 0-based position in its file (not used in the id; see above).
    ///   - name: the record's name from the file layout (a row key or index entry), if any.
    ///   - fields: scalar fields known from the file layout.
    ///   - idField: the field that holds the id, if the caller names one.
    /// - Returns: the record, with the crystal or the reason it could not be decoded.
    public static func record(
        from value: JSONValue, index: Int, name: String?, fields: [String: FieldValue], idField: String?
    ) -> InputRecord {
        var fields = fields
        var structure = value
        if let nested = value["structure"], let members = value.object {
            structure = nested
            for member in members where fields[member.key] == nil {
                if let field = member.value.fieldValue { fields[member.key] = field }
            }
        }
        let id = recordID(fields: fields, name: name, idField: idField)
        do {
            return InputRecord(name: name, crystal: .success(try decode(structure, id: id)), fields: fields)
        } catch let error as CrystalError {
            return InputRecord(name: name, crystal: .failure(error), fields: fields)
        } catch {
            return InputRecord(name: name, crystal: .failure(malformed("\(error)")), fields: fields)
        }
    }

    /// The input record for one record's raw JSON, as `JSONRecordStream` yields it.
    ///
    /// A JSON syntax error becomes `crystal: .failure(…)`; otherwise as `record(from:index:name:fields:idField:)`.
    /// This is the fast way in: an ordinary structure or document is decoded straight from the bytes, without
    /// building a `JSONValue` tree; anything else (and every error) takes the tree path, so the result is the
    /// same either way.
    ///
    /// - Parameters:
    ///   - bytes: the record's raw JSON.
    ///   - index: the record's 0-based position in its file.
    ///   - name: the record's name from the file layout, if any.
    ///   - fields: scalar fields known from the file layout.
    ///   - idField: the field that holds the id, if the caller names one.
    /// - Returns: the record, with the crystal or the reason it could not be read.
    public static func record(
        from bytes: [UInt8], index: Int, name: String?, fields: [String: FieldValue], idField: String?
    ) -> InputRecord {
        let direct = bytes.withUnsafeBytes { directRecord($0, name: name, fields: fields, idField: idField) }
        if let direct { return direct }
        return treeRecord(from: bytes, index: index, name: name, fields: fields, idField: idField)
    }

    /// `record(from:index:name:fields:idField:)` for raw JSON by way of a `JSONValue` tree (the reference path).
    static func treeRecord(
        from bytes: [UInt8], index: Int, name: String?, fields: [String: FieldValue], idField: String?
    ) -> InputRecord {
        do {
            let value = try JSONParser.parse(bytes)
            return record(from: value, index: index, name: name, fields: fields, idField: idField)
        } catch let error as CrystalError {
            return InputRecord(name: name, crystal: .failure(error), fields: fields)
        } catch {
            return InputRecord(name: name, crystal: .failure(malformed("\(error)")), fields: fields)
        }
    }

    // MARK: - Parts

    static func recordID(fields: [String: FieldValue], name: String?, idField: String?) -> String {
        if let idField, let value = fields[idField], let text = idText(value) { return text }
        if let value = fields["material_id"], let text = idText(value) { return text }
        return name ?? ""
    }

    private static func idText(_ value: FieldValue) -> String? {
        switch value {
        case .string(let text): return text
        case .number(let number):
            if number.rounded() == number && abs(number) < 1e15 { return String(Int(number)) }
            return "\(number)"
        case .bool(let flag): return "\(flag)"
        case .null: return nil
        }
    }

    private static func decodeLattice(_ value: JSONValue) throws -> Lattice {
        if let rows = value["matrix"]?.array {
            var numbers: [Double] = []
            if rows.count == 3 {
                for row in rows {
                    guard let entries = row.array, entries.count == 3 else { break }
                    numbers += entries.compactMap(\.double)
                }
            } else if rows.count == 9 {
                numbers = rows.compactMap(\.double)
            }
            guard numbers.count == 9 else { throw malformed("'lattice.matrix' is not a 3×3 array of numbers") }
            guard numbers.allSatisfy(\.isFinite) else { throw CrystalError.nonFinite("lattice") }
            return Lattice(rowMajor: numbers)
        }
        var parameters: [Double] = []
        for key in ["a", "b", "c", "alpha", "beta", "gamma"] {
            guard let number = value[key]?.double else {
                throw malformed("'lattice' has neither 'matrix' nor a number '\(key)'")
            }
            parameters.append(number)
        }
        guard parameters.allSatisfy(\.isFinite) else { throw CrystalError.nonFinite("lattice") }
        return Lattice(
            lengths: SIMD3(parameters[0], parameters[1], parameters[2]),
            anglesInDegrees: SIMD3(parameters[3], parameters[4], parameters[5]))
    }

    private static func decodeSite(_ value: JSONValue, index: Int, lattice: Lattice) throws -> Site {
        guard let species = value["species"]?.array, !species.isEmpty else {
            throw malformed("site \(index): missing 'species'")
        }
        var symbols: [String] = []
        var occupancies: [Double] = []
        for entry in species {
            guard let symbol = entry["element"]?.string else {
                throw malformed("site \(index): species without 'element'")
            }
            guard let occupancy = entry["occu"].map({ $0.double }) ?? 1 else {
                throw malformed("site \(index): 'occu' is not a number")
            }
            symbols.append(symbol)
            occupancies.append(occupancy)
        }
        if symbols.count > 1 || abs(occupancies[0] - 1) > occupancyTolerance {
            let detail = zip(symbols, occupancies).map { "\($0):\(formatted($1, digits: 4))" }.joined(separator: ", ")
            throw CrystalError.partialOccupancy(site: index, detail: detail)
        }
        let element = try element(symbols[0])
        let fracCoords: SIMD3<Double>
        if let abc = value["abc"] {
            fracCoords = try vector(abc, name: "abc", site: index)
        } else if let xyz = value["xyz"] {
            fracCoords = lattice.fractional(try vector(xyz, name: "xyz", site: index))
        } else {
            throw malformed("site \(index): neither 'abc' nor 'xyz'")
        }
        guard fracCoords.x.isFinite && fracCoords.y.isFinite && fracCoords.z.isFinite else {
            throw CrystalError.nonFinite("coordinates of site \(index)")
        }
        return Site(element, fracCoords)
    }

    /// The element of a pymatgen species string: `Fe`, `Fe2+`, `O2-`, `Fe+`, `Fe2.5+` all name iron or oxygen.
    static func element(_ species: String) throws -> Element {
        let utf8 = species.utf8
        let letters = utf8.prefix { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0 & 0xDF) }
        let charge = utf8.dropFirst(letters.count)
        let chargeIsValid =
            charge.isEmpty
            || ((charge.last == UInt8(ascii: "+") || charge.last == UInt8(ascii: "-"))
                && charge.dropLast().allSatisfy {
                    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: ".")
                })
        guard chargeIsValid, (1...3).contains(letters.count),
            let element = Element(symbol: charge.isEmpty ? species : String(decoding: letters, as: UTF8.self))
        else { throw CrystalError.unknownElement(species) }
        return element
    }

    private static func vector(_ value: JSONValue, name: String, site: Int) throws -> SIMD3<Double> {
        guard let entries = value.array, entries.count == 3,
            let x = entries[0].double, let y = entries[1].double, let z = entries[2].double
        else { throw malformed("site \(site): '\(name)' is not 3 numbers") }
        return SIMD3(x, y, z)
    }

    private static func malformed(_ message: String) -> CrystalError {
        .malformed(format: "pymatgen JSON", line: nil, message: message)
    }
}
