/// A streaming reader of extended XYZ files (ASE, libAtoms/QUIP): one frame at a time.
///
/// A frame is an atom-count line, a comment line of `key=value` pairs, then one line per atom:
///
/// ```
/// 2
/// Lattice="4 0 0 0 4 0 0 0 4" Properties=species:S:1:pos:R:3 energy=-1.5 pbc="T T T"
/// Na 0 0 0
/// Cl 2 2 2
/// ```
///
/// Values may be bare (`energy=-1.5`), double-quoted with backslash escapes, or bracketed (`[1, 2, 3]`,
/// `{1 2 3}`); a key without `=` means `True`. `Lattice` holds the rows `a`, `b`, `c` (Å); `Properties` lists
/// the per-atom columns as `name:type:count` (types `S`, `R`, `I`, `L`; default `species:S:1:pos:R:3`); the
/// species come from `species` (symbols) or else `Z` (atomic numbers), the Cartesian positions (Å) from
/// `pos`, and are converted to fractional coordinates. Other scalar values (numbers, booleans `T`/`F`/`True`/
/// `False`, strings) become the frame's fields; arrays (several numbers or booleans, bracketed values) and the
/// keys `Lattice`, `Properties` and `pbc` do not.
///
/// A frame without `Lattice`, or with `pbc` false in every direction, is not a periodic structure and comes
/// back as `.malformed`. A frame whose comment or atom lines are broken comes back as a failed `Result` and the
/// reader goes on with the next frame, since the atom count says where it starts; a count line that is not a
/// number throws, and the reader then stops. Non-finite numbers pass through for validation to reject.
public struct ExtendedXYZReader {
    /// The format name used in errors.
    static let format = "extended XYZ"

    private var reader: ByteReader
    private var frameIndex = 0
    private var stopped = false

    /// A reader of the frames that `reader` delivers.
    public init(_ reader: ByteReader) {
        self.reader = reader
    }

    /// The next frame: its structure (with `id` empty, for the caller to name) or why it could not be read,
    /// its scalar fields, and its 0-based index in the file; `nil` after the last frame.
    ///
    /// - Throws: `CrystalError.malformed` when the atom-count line is not a non-negative integer (the reader
    ///   then stops: the rest of the file cannot be framed); `.unreadable` from the byte source.
    public mutating func next() throws -> (
        crystal: Result<Crystal, CrystalError>, fields: [String: FieldValue], index: Int
    )? {
        guard !stopped else { return nil }
        var countLine: Substring
        repeat {
            guard let line = try reader.readLine() else {
                stopped = true
                return nil
            }
            countLine = line
        } while countLine.allSatisfy(\.isWhitespace)
        let countNumber = reader.lineNumber
        let countFields = countLine.split(whereSeparator: \.isWhitespace)
        guard countFields.count == 1, let count = Int(countFields[0]), count >= 0 else {
            stopped = true
            throw Self.malformed(countNumber, "expected the number of atoms, found '\(countLine)'")
        }
        let index = frameIndex
        frameIndex += 1

        guard let comment = try reader.readLine() else {
            stopped = true
            return (.failure(Self.malformed(countNumber + 1, "the file ends before the comment line")), [:], index)
        }
        let commentNumber = reader.lineNumber
        var atomLines: [Substring] = []
        atomLines.reserveCapacity(count)
        while atomLines.count < count {
            guard let line = try reader.readLine() else {
                stopped = true
                let message = "the file ends after \(atomLines.count) of \(count) atom lines"
                return (.failure(Self.malformed(reader.lineNumber + 1, message)), [:], index)
            }
            atomLines.append(line)
        }

        let header: Header
        do {
            header = try Header(parsing: comment, line: commentNumber)
        } catch {
            return (.failure(error), [:], index)
        }
        let crystal = Result { () throws(CrystalError) in
            try Self.crystal(header: header, atoms: atomLines, firstLine: commentNumber + 1)
        }
        return (crystal, header.fields, index)
    }

    private static func crystal(header: Header, atoms: [Substring], firstLine: Int) throws(CrystalError)
        -> Crystal
    {
        guard let lattice = header.lattice else {
            throw malformed(firstLine - 1, "no Lattice: not a periodic structure")
        }
        if let pbc = header.pbc, !pbc.contains(true) {
            throw malformed(firstLine - 1, "pbc is false in every direction: not a periodic structure")
        }
        guard !atoms.isEmpty else { throw .noAtoms }
        let columns = try Columns(header.properties, line: firstLine - 1)
        var sites: [Site] = []
        sites.reserveCapacity(atoms.count)
        for (offset, line) in atoms.enumerated() {
            let number = firstLine + offset
            let fields = line.split(whereSeparator: \.isWhitespace)
            guard fields.count >= columns.width else {
                throw malformed(number, "expected \(columns.width) columns, found \(fields.count)")
            }
            let element: Element?
            switch columns.species {
            case .symbol(let column):
                element = Element(symbol: fields[column])
            case .atomicNumber(let column):
                element = Int(fields[column]).flatMap { Element(atomicNumber: $0) }
            }
            guard let element else {
                throw .unknownElement(String(fields[columns.species.column]))
            }
            let p = columns.position
            guard let x = Double(fields[p]), let y = Double(fields[p + 1]), let z = Double(fields[p + 2]) else {
                throw malformed(number, "expected three numbers for the position, found '\(line)'")
            }
            sites.append(Site(element, lattice.fractional(SIMD3(x, y, z))))
        }
        return Crystal(id: "", lattice: lattice, sites: sites)
    }

    fileprivate static func malformed(_ line: Int, _ message: String) -> CrystalError {
        .malformed(format: format, line: line, message: message)
    }
}

/// What a frame's comment line says: the lattice, the per-atom columns, periodicity and the scalar fields.
private struct Header {
    var lattice: Lattice?
    var properties = "species:S:1:pos:R:3"
    var pbc: [Bool]?
    var fields: [String: FieldValue] = [:]

    init(parsing comment: Substring, line: Int) throws(CrystalError) {
        for (key, value) in try Self.pairs(comment, line: line) {
            switch key.lowercased() {
            case "lattice":
                let numbers = Self.words(value.text).map { Double($0) }
                guard numbers.count == 9 else {
                    throw ExtendedXYZReader.malformed(line, "Lattice has \(numbers.count) numbers, need 9")
                }
                let values = numbers.compactMap { $0 }
                guard values.count == 9 else {
                    throw ExtendedXYZReader.malformed(line, "Lattice is not 9 numbers: '\(value.text)'")
                }
                lattice = Lattice(rowMajor: values)
            case "properties":
                properties = value.text
            case "pbc":
                let flags = Self.words(value.text).map(Self.bool)
                guard !flags.isEmpty, flags.allSatisfy({ $0 != nil }) else {
                    throw ExtendedXYZReader.malformed(line, "pbc is not a list of booleans: '\(value.text)'")
                }
                pbc = flags.compactMap { $0 }
            default:
                if let scalar = Self.scalar(value) { fields[key] = scalar }
            }
        }
    }

    /// A value as written: its text (quotes and escapes removed) and whether it was bracketed.
    typealias Value = (text: String, bracketed: Bool)

    /// The scalar a value stands for, or `nil` for an array.
    static func scalar(_ value: Value) -> FieldValue? {
        guard !value.bracketed else { return nil }
        let parts = words(value.text)
        if parts.count == 1 {
            if let number = Double(parts[0]) { return .number(number) }
            if let flag = bool(parts[0]) { return .bool(flag) }
        } else if parts.count > 1 {
            if parts.allSatisfy({ Double($0) != nil }) || parts.allSatisfy({ bool($0) != nil }) { return nil }
        }
        return .string(value.text)
    }

    static func bool(_ text: some StringProtocol) -> Bool? {
        switch text {
        case "T", "True", "true", "TRUE": return true
        case "F", "False", "false", "FALSE": return false
        default: return nil
        }
    }

    /// The words of an array value: separated by whitespace or commas, brackets dropped.
    static func words(_ text: String) -> [Substring] {
        text.split { $0.isWhitespace || $0 == "," || $0 == "[" || $0 == "]" || $0 == "{" || $0 == "}" }
    }

    /// The `key=value` pairs of a comment line in order; a bare key means `T`.
    static func pairs(_ comment: Substring, line: Int) throws(CrystalError) -> [(String, Value)] {
        let characters = Array(comment)
        var position = 0
        var pairs: [(String, Value)] = []

        func skipSpaces() {
            while position < characters.count, characters[position].isWhitespace { position += 1 }
        }
        func quoted() throws(CrystalError) -> String {
            position += 1
            var text = ""
            while position < characters.count {
                let character = characters[position]
                position += 1
                if character == "\"" { return text }
                if character == "\\", position < characters.count {
                    let escaped = characters[position]
                    position += 1
                    text.append(escaped == "n" ? "\n" : escaped)
                } else {
                    text.append(character)
                }
            }
            throw ExtendedXYZReader.malformed(line, "unterminated quote in the comment line")
        }
        func bare(stoppingAtEquals: Bool) -> String {
            var text = ""
            while position < characters.count, !characters[position].isWhitespace,
                !(stoppingAtEquals && characters[position] == "=")
            {
                text.append(characters[position])
                position += 1
            }
            return text
        }
        func bracketed() throws(CrystalError) -> String {
            let open = characters[position]
            let close: Character = open == "[" ? "]" : "}"
            var depth = 0
            var text = ""
            while position < characters.count {
                let character = characters[position]
                position += 1
                text.append(character)
                if character == open { depth += 1 }
                if character == close {
                    depth -= 1
                    if depth == 0 { return text }
                }
            }
            throw ExtendedXYZReader.malformed(line, "unterminated '\(open)' in the comment line")
        }

        while true {
            skipSpaces()
            guard position < characters.count else { break }
            let key = characters[position] == "\"" ? try quoted() : bare(stoppingAtEquals: true)
            guard !key.isEmpty else {
                throw ExtendedXYZReader.malformed(line, "'=' without a key in the comment line")
            }
            skipSpaces()
            guard position < characters.count, characters[position] == "=" else {
                pairs.append((key, ("T", false)))
                continue
            }
            position += 1
            skipSpaces()
            guard position < characters.count else {
                throw ExtendedXYZReader.malformed(line, "no value after '\(key)='")
            }
            switch characters[position] {
            case "\"":
                pairs.append((key, (try quoted(), false)))
            case "[", "{":
                pairs.append((key, (try bracketed(), true)))
            default:
                pairs.append((key, (bare(stoppingAtEquals: false), false)))
            }
        }
        return pairs
    }
}

/// Where the species and positions are among the per-atom columns of a `Properties` value.
private struct Columns {
    enum Species {
        case symbol(Int)
        case atomicNumber(Int)

        var column: Int {
            switch self {
            case .symbol(let column), .atomicNumber(let column): return column
            }
        }
    }

    var species: Species
    var position: Int
    /// The number of columns every atom line must have.
    var width: Int

    init(_ properties: String, line: Int) throws(CrystalError) {
        let parts = properties.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count % 3 == 0, !parts.isEmpty else {
            throw ExtendedXYZReader.malformed(line, "Properties is not name:type:count triples: '\(properties)'")
        }
        var symbol: Int?
        var atomicNumber: Int?
        var position: Int?
        var width = 0
        for start in stride(from: 0, to: parts.count, by: 3) {
            let (name, type) = (parts[start], parts[start + 1])
            guard let count = Int(parts[start + 2]), count > 0, ["S", "R", "I", "L"].contains(type.uppercased())
            else {
                throw ExtendedXYZReader.malformed(
                    line, "bad Properties entry '\(name):\(type):\(parts[start + 2])'")
            }
            switch (name.lowercased(), type.uppercased(), count) {
            case ("species", "S", 1): symbol = width
            case ("z", "I", 1): atomicNumber = width
            case ("pos", "R", 3): position = width
            default: break
            }
            width += count
        }
        guard let position else {
            throw ExtendedXYZReader.malformed(line, "Properties has no pos:R:3 column: '\(properties)'")
        }
        if let symbol {
            species = .symbol(symbol)
        } else if let atomicNumber {
            species = .atomicNumber(atomicNumber)
        } else {
            throw ExtendedXYZReader.malformed(line, "Properties has no species:S:1 or Z:I:1 column: '\(properties)'")
        }
        self.position = position
        self.width = width
    }
}
