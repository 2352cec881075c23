import Foundation
import Testing

@testable import Crystal

/// Bytes served a few at a time, to exercise buffer refills at every position.
private struct MemoryByteSource: ByteSource {
    let bytes: [UInt8]
    var position = 0
    var chunk: Int

    init(_ bytes: [UInt8], chunk: Int = 1 << 16) {
        self.bytes = bytes
        self.chunk = chunk
    }

    init(_ text: String, chunk: Int = 1 << 16) { self.init(Array(text.utf8), chunk: chunk) }

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = min(chunk, buffer.count, bytes.count - position)
        bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[position..<(position + count)]))
        }
        position += count
        return count
    }
}

/// Everything a stream yields, split into records and late fields.
private struct Drained {
    var records: [(index: Int, name: String?, bytes: [UInt8], fields: [String: FieldValue])] = []
    var lateFields: [String: [String: FieldValue]] = [:]  // field → row name → value
    var layout: JSONRecordStream.Layout?
}

private func drain(_ source: any ByteSource, structureKey: String = "structure", bufferSize: Int = 1 << 18) throws
    -> Drained
{
    var stream = JSONRecordStream(source, structureKey: structureKey, bufferSize: bufferSize)
    var drained = Drained()
    while let event = try stream.next() {
        switch event {
        case .record(let index, let name, let bytes, let fields):
            drained.records.append((index, name, bytes, fields))
        case .lateField(let name, let field, let value):
            drained.lateFields[field, default: [:]][name] = value
        }
    }
    drained.layout = stream.layout
    return drained
}

private func drain(_ text: String, chunk: Int = 1 << 16, bufferSize: Int = 1 << 18) throws -> Drained {
    try drain(MemoryByteSource(text, chunk: chunk), bufferSize: bufferSize)
}

/// A pymatgen structure dict of rock salt NaCl (2 atoms), optionally with an id-free label.
private let rockSalt = """
    {"@module": "pymatgen.core.structure", "@class": "Structure", "charge": 0,
     "lattice": {"matrix": [[0.0, 2.82, 2.82], [2.82, 0.0, 2.82], [2.82, 2.82, 0.0]], "pbc": [true, true, true]},
     "sites": [{"species": [{"element": "Na", "occu": 1}], "abc": [0.0, 0.0, 0.0], "label": "Na"},
               {"species": [{"element": "Cl", "occu": 1.0}], "abc": [0.5, 0.5, 0.5], "label": "Cl",
                "properties": {"magmom": 0.0}}]}
    """

/// A silicon structure without `@module`, given by lattice parameters and Cartesian coordinates.
private let silicon = """
    {"lattice": {"a": 3.867, "b": 3.867, "c": 3.867, "alpha": 60, "beta": 60, "gamma": 60},
     "sites": [{"species": [{"element": "Si", "occu": 1}], "xyz": [0, 0, 0]},
               {"species": [{"element": "Si", "occu": 1}], "xyz": [1.1163, 0.7894, 1.9335]}]}
    """

private func structure(_ text: String) throws -> JSONValue { try JSONParser.parse(text) }

/// A structure dict with a unit cubic lattice and the given site objects (JSON text, comma-separated).
private func cubicCell(sites: String) -> String {
    #"{"lattice": {"matrix": [[1,0,0],[0,1,0],[0,0,1]]}, "sites": ["# + sites + "]}"
}

private func gunzip(_ path: String) throws -> [UInt8] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/gzip")
    process.arguments = ["-dc", path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return [UInt8](data)
}

private func gzip(_ path: String) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/gzip")
    process.arguments = ["-f", path]
    try process.run()
    process.waitUntilExit()
}

/// Every byte of `source`, read 4 KiB at a time.
private func readAll(_ source: any ByteSource) throws -> [UInt8] {
    var source = source
    var all: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
        if count == 0 { return all }
        all += buffer.prefix(count)
    }
}

private func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("json-tests-\(UUID().uuidString)-\(name)").path
}

/// Element counts from a formula such as `K6 S6` or `Li2 O1`.
private func counts(ofFormula formula: String) -> [String: Int] {
    var result: [String: Int] = [:]
    for token in formula.split(separator: " ") {
        let symbol = token.prefix { $0.isLetter }
        result[String(symbol), default: 0] += Int(token.dropFirst(symbol.count)) ?? 1
    }
    return result
}

private func isMalformedJSON(_ error: any Error) -> Bool {
    guard case .malformed(let format, _, let message) = error as? CrystalError else { return false }
    return format == "JSON" && message.contains("at byte")
}

@Suite struct JSONParserTests {
    @Test func scalarsAndNesting() throws {
        let value = try JSONParser.parse(
            #" { "a" : [1, -2.5, 3e2, true, false, null, "x"], "b": {"c": {"d": []}, "e": {}} } "#)
        #expect(
            value["a"]
                == .array([.number(1), .number(-2.5), .number(300), .bool(true), .bool(false), .null, .string("x")]))
        #expect(value["a"]?[1]?.double == -2.5)
        #expect(value["a"]?[7] == nil)
        #expect(value["b"]?["c"]?["d"] == .array([]))
        #expect(value["b"]?["e"]?.object?.isEmpty == true)
        #expect(value["missing"] == nil)
        #expect(value.object?.map(\.key) == ["a", "b"])
        #expect(try JSONParser.parse("42").int == 42)
        #expect(try JSONParser.parse("\"s\"").string == "s")
        #expect(try JSONParser.parse("null").isNull)
        #expect(try JSONParser.parse(#"{"k": 1, "k": 2}"#)["k"]?.double == 2)
    }

    @Test func escapesAndUnicode() throws {
        let value = try JSONParser.parse(#""q\" b\\ s\/ \b\f\n\r\t é \u00e9 \u20AC \uD83D\uDE00 end""#)
        #expect(value.string == "q\" b\\ s/ \u{8}\u{c}\n\r\t é é € 😀 end")
        #expect(try JSONParser.parse(#"["\u0000"]"#)[0]?.string == "\u{0}")
        #expect(try JSONParser.parse(#"{"k\u0065y": "\ud83d\ude00"}"#)["key"]?.string == "😀")
        for bad in [#""\uD83D""#, #""\uD83Dx""#, #""\uDE00""#, #""\uD83D\u0041""#, #""\x""#, #""\u12G4""#, "\"a\nb\""] {
            #expect(throws: CrystalError.self, "\(bad)") { try JSONParser.parse(bad) }
        }
    }

    @Test func nonFiniteNumbers() throws {
        let value = try JSONParser.parse("[NaN, Infinity, -Infinity, 1]")
        #expect(value[0]?.double?.isNaN == true)
        #expect(value[1]?.double == .infinity)
        #expect(value[2]?.double == -.infinity)
        #expect(value[3]?.double == 1)
        for bad in ["nan", "Inf", "-Inf", "NaNx", "+1", "Infinityy"] {
            #expect(throws: CrystalError.self, "\(bad)") { try JSONParser.parse(bad) }
        }
    }

    @Test func numbersRoundTripExactly() throws {
        let texts = [
            "0", "-0", "1", "-1", "0.5", "1e3", "1E+3", "1.5e-3", "2.9678566929183265", "-0.0000000429",
            "9007199254740993", "123456789012345678901234567890", "1e400", "1e-400", "4.9e-324",
            "1.7976931348623157e308", "0.1", "0.3", "8.5860828637", "119.9999999858",
        ]
        for text in texts {
            let parsed = try #require(try JSONParser.parse(text).double, "\(text)")
            let expected = try #require(Double(text))
            #expect(parsed.bitPattern == expected.bitPattern, "\(text)")
        }
        #expect(try JSONParser.parse("-0").double?.sign == .minus)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let value = Double.random(in: -1000...1000, using: &generator) * pow(10, Double(Int.random(in: -30...30)))
            let digits = Int.random(in: 1...17)
            let text = String(format: "%.\(digits)g", value)
            let parsed = try #require(try JSONParser.parse(text).double, "\(text)")
            #expect(parsed.bitPattern == Double(text)?.bitPattern, "\(text)")
        }
    }

    @Test func malformedInputThrows() throws {
        let bad = [
            "", " ", "{", "[", "[1,]", "[1 2]", #"{"a" 1}"#, #"{"a":1,}"#, #"{a:1}"#, "01", "1.", ".5", "-", "1e",
            "tru", "nul", #""abc"#, "[1] x", "}", "]", "{\"a\":}", "[,1]", "1 2", "\u{1}",
        ]
        for text in bad {
            do {
                _ = try JSONParser.parse(text)
                Issue.record("no error for \(text.debugDescription)")
            } catch {
                #expect(isMalformedJSON(error), "\(text.debugDescription): \(error)")
            }
        }
        let deep = String(repeating: "[", count: 100_000)
        #expect(throws: CrystalError.self) { try JSONParser.parse(deep) }
        let deepButClosed = String(repeating: "[", count: 400) + String(repeating: "]", count: 400)
        #expect(try JSONParser.parse(deepButClosed).array?.count == 1)
    }

    @Test func truncatedInputThrowsAtEveryCut() throws {
        let bytes = Array(rockSalt.utf8)
        #expect(try JSONParser.parse(bytes)["sites"]?.array?.count == 2)
        for cut in 0..<bytes.count {
            do {
                _ = try JSONParser.parse(bytes[..<cut])
                Issue.record("no error for a cut at \(cut)")
            } catch {
                #expect(isMalformedJSON(error))
            }
        }
    }

    @Test func errorReportsByteOffset() {
        #expect(
            throws: CrystalError.malformed(
                format: "JSON", line: nil, message: "unexpected '2', expected ',' or ']' at byte 3")
        ) {
            try JSONParser.parse("[1 2]")
        }
    }

    @Test func fieldValues() throws {
        let value = try JSONParser.parse(#"[1.5, true, "s", null, [1], {}]"#)
        #expect(value.array?.map(\.fieldValue) == [.number(1.5), .bool(true), .string("s"), .null, nil, nil])
    }
}

@Suite struct JSONRecordStreamTests {
    @Test func jsonLinesOfDocuments() throws {
        let (salt, si) = (
            rockSalt.replacingOccurrences(of: "\n", with: " "), silicon.replacingOccurrences(of: "\n", with: " ")
        )
        let unknown = cubicCell(sites: #"{"species": [{"element": "Xx", "occu": 1}], "abc": [0,0,0]}"#)
        let lines = [
            #"{"material_id": "mp-22862", "structure": "# + salt
                + #", "band_gap": 5.1, "is_metal": false, "e_above_hull": null}"#,
            #"{"material_id": "mp-149", "band_gap": 0.6, "is_metal": true, "structure": "# + si
                + #", "nested": {"x": 1}}"#,
            #"{"material_id": "mp-bad", "structure": "# + unknown + "}",
        ]
        for chunk in [1, 3, 1 << 16] {
            let drained = try drain(
                lines.joined(separator: "\n") + "\n", chunk: chunk, bufferSize: chunk == 1 ? 16 : 1 << 18)
            #expect(drained.layout == .sequence)
            #expect(drained.records.count == 3)
            let records = drained.records.map {
                PymatgenStructureDecoder.record(
                    from: $0.bytes, index: $0.index, name: $0.name, fields: $0.fields, idField: nil)
            }
            let first = try records[0].crystal.get()
            #expect(first.id == "mp-22862")
            #expect(first.composition.reducedFormula == "NaCl")
            #expect(records[0].fields["band_gap"] == .number(5.1))
            #expect(records[0].fields["is_metal"] == .bool(false))
            #expect(records[0].fields["e_above_hull"] == .null)
            #expect(records[0].fields["structure"] == nil)
            let second = try records[1].crystal.get()
            #expect(second.id == "mp-149")
            #expect(records[1].fields["is_metal"] == .bool(true))
            #expect(records[1].fields["nested"] == nil)
            #expect(second.composition.reducedFormula == "Si")
            #expect(abs(second.sites[1].fracCoords.x - 0.25) < 1e-3)
            #expect(records[2].crystal == .failure(.unknownElement("Xx")))
            #expect(records[2].fields["material_id"] == .string("mp-bad"))
        }
    }

    @Test func arrayOfDocuments() throws {
        let text = """
            [
              {"material_id": "mp-1", "structure": \(rockSalt), "band_gap": 5.0, "is_metal": false, "note": null},
              {"material_id": "mp-2", "structure": \(silicon), "band_gap": 0.0, "is_metal": true}
            ]
            """
        let drained = try drain(text, chunk: 5, bufferSize: 32)
        #expect(drained.layout == .array)
        #expect(drained.records.map(\.index) == [0, 1])
        #expect(drained.records.allSatisfy { $0.name == nil && $0.fields.isEmpty })
        let records = drained.records.map {
            PymatgenStructureDecoder.record(
                from: $0.bytes, index: $0.index, name: $0.name, fields: [:], idField: "material_id")
        }
        #expect(try records.map { try $0.crystal.get().id } == ["mp-1", "mp-2"])
        #expect(records[0].fields["note"] == .null)
        #expect(records[1].fields["is_metal"] == .bool(true))
        #expect(records[1].fields["band_gap"] == .number(0))
        #expect(try drain("[]").records.isEmpty)
        #expect(try drain("").records.isEmpty)
    }

    @Test func singleStructureAndSingleDocument() throws {
        let single = try drain(rockSalt)
        #expect(single.layout == .single)
        #expect(single.records.count == 1)
        let crystal = try PymatgenStructureDecoder.decode(try JSONParser.parse(single.records[0].bytes), id: "x")
        #expect(crystal.sites.count == 2)

        let document = try drain(#"{"task_id": 7, "symmetry": {"number": 225}, "structure": \#(rockSalt)}"#, chunk: 2)
        #expect(document.layout == .single)
        let record = PymatgenStructureDecoder.record(
            from: document.records[0].bytes, index: 0, name: nil, fields: [:], idField: "task_id")
        #expect(try record.crystal.get().id == "7")
        #expect(record.fields["task_id"] == .number(7))
    }

    @Test func splitOrientationGzipped() throws {
        let path = temporaryPath("split.json")
        let text = """
            {"columns": ["structure", "n", "formula"], "index": ["mb-dielectric-0001", "mb-dielectric-0002"],
             "data": [[\(rockSalt), 1.5, "NaCl"], [\(silicon), NaN, "Si"]]}
            """
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        try gzip(path)
        defer { try? FileManager.default.removeItem(atPath: path + ".gz") }
        let drained = try drain(try openByteSource(path + ".gz"))
        #expect(drained.layout == .split)
        #expect(drained.records.map(\.name) == ["mb-dielectric-0001", "mb-dielectric-0002"])
        #expect(drained.records[0].fields == ["n": .number(1.5), "formula": .string("NaCl")])
        #expect(drained.records[1].fields["n"]?.labelValue?.isNaN == true)
        let records = drained.records.map {
            PymatgenStructureDecoder.record(
                from: $0.bytes, index: $0.index, name: $0.name, fields: $0.fields, idField: nil)
        }
        #expect(try records.map { try $0.crystal.get().id } == ["mb-dielectric-0001", "mb-dielectric-0002"])
        #expect(try records[1].crystal.get().composition.reducedFormula == "Si")
    }

    @Test func splitOrientationFallbacks() throws {
        // Structures in a column with another name, found as the first column of objects; integer index.
        let text = """
            {"index": [10, 11], "columns": ["id", "xtal", "label"],
             "data": [["a", \(rockSalt), 1], ["b", \(silicon), 2]], "extra": {"ignored": true}}
            """
        let drained = try drain(text, chunk: 7, bufferSize: 16)
        #expect(drained.layout == .split)
        #expect(drained.records.map(\.name) == ["10", "11"])
        #expect(drained.records[1].fields == ["id": .string("b"), "label": .number(2)])
        #expect(try JSONParser.parse(drained.records[1].bytes)["lattice"]?["a"]?.double == 3.867)
    }

    @Test func columnsOrientationWithFieldsBeforeAndAfter() throws {
        let text = """
            {"n": {"0": 1.5, "1": 2.5}, "formula": {"0": "NaCl", "1": "Si"},
             "structure": {"0": \(rockSalt), "1": \(silicon)},
             "gap": {"0": null, "1": 1.1}, "tags": {"0": [1], "1": "x"}}
            """
        for (chunk, bufferSize) in [(1, 16), (1 << 16, 1 << 18)] {
            let drained = try drain(text, chunk: chunk, bufferSize: bufferSize)
            #expect(drained.layout == .columns)
            #expect(drained.records.map(\.name) == ["0", "1"])
            #expect(drained.records[0].fields == ["n": .number(1.5), "formula": .string("NaCl")])
            #expect(drained.records[1].fields == ["n": .number(2.5), "formula": .string("Si")])
            #expect(drained.lateFields["gap"] == ["0": .null, "1": .number(1.1)])
            #expect(drained.lateFields["tags"] == ["1": .string("x")])
        }
    }

    @Test func parallelArraysWithFieldsBeforeAndAfter() throws {
        let text = """
            {"ids": ["a", "b"], "structures": [\(rockSalt), \(silicon)], "k": [1.0, 2.0], "meta": {"v": 1}}
            """
        let drained = try drain(text, chunk: 3, bufferSize: 16)
        #expect(drained.layout == .parallelArrays)
        #expect(drained.records.map(\.name) == ["0", "1"])
        #expect(drained.records[1].fields == ["ids": .string("b")])
        #expect(drained.lateFields["k"] == ["0": .number(1), "1": .number(2)])
        // Without the usual key, the first array of structure-like objects is taken.
        let other = try drain(#"{"other": [{"a": 1}], "crystals": [\#(rockSalt)], "y": [3]}"#)
        #expect(other.layout == .parallelArrays)
        #expect(other.records.count == 1)
        #expect(other.lateFields["y"] == ["0": .number(3)])
    }

    @Test func indexOrientationOfDocuments() throws {
        let text = """
            {"mp-1": {"structure": \(rockSalt), "n": 1.5}, "mp-2": {"structure": \(silicon), "n": null}}
            """
        let drained = try drain(text, chunk: 4, bufferSize: 16)
        #expect(drained.layout == .index)
        #expect(drained.records.map(\.name) == ["mp-1", "mp-2"])
        let records = drained.records.map {
            PymatgenStructureDecoder.record(from: $0.bytes, index: $0.index, name: $0.name, fields: [:], idField: nil)
        }
        #expect(try records.map { try $0.crystal.get().id } == ["mp-1", "mp-2"])
        #expect(records[0].fields["n"] == .number(1.5))
        #expect(records[1].fields["n"] == .null)
    }

    @Test func unrecognisedAndBrokenLayoutsThrow() {
        for text in [#"{"a": 1, "b": [1, 2]}"#, "42", #"[{"a": 1}"#, #"{"structure": {"0": {"lattice""#, "[1] [2]"] {
            #expect(throws: CrystalError.self, "\(text)") { _ = try drain(text) }
        }
    }

    @Test func gzipMembersAreReadInTurnAndDamageIsAnError() throws {
        // `cat a.gz b.gz` is one valid gzip stream; a member whose CRC-32 does not match is an error.
        let first = temporaryPath("first.txt")
        let second = temporaryPath("second.txt")
        let firstText = String(repeating: "data_first\n", count: 3000)
        try Data(firstText.utf8).write(to: URL(fileURLWithPath: first))
        try Data("data_second\n".utf8).write(to: URL(fileURLWithPath: second))
        try gzip(first)
        try gzip(second)
        defer { for path in [first, second] { try? FileManager.default.removeItem(atPath: path + ".gz") } }
        let joined = temporaryPath("joined.txt.gz")
        defer { try? FileManager.default.removeItem(atPath: joined) }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: first + ".gz"))
        let firstMemberSize = bytes.count
        bytes.append(try Data(contentsOf: URL(fileURLWithPath: second + ".gz")))
        try bytes.write(to: URL(fileURLWithPath: joined))
        #expect(String(decoding: try readAll(openByteSource(joined)), as: UTF8.self) == firstText + "data_second\n")

        bytes[firstMemberSize - 8] ^= 0x55  // the first member's CRC-32
        try bytes.write(to: URL(fileURLWithPath: joined))
        #expect {
            _ = try readAll(openByteSource(joined))
        } throws: { error in
            guard case CrystalError.unreadable(let message) = error else { return false }
            return message.contains("gzip")
        }
    }

    @Test func truncatedGzipThrowsUnreadableAfterGoodRecords() throws {
        let original = try Data(contentsOf: URL(fileURLWithPath: SharedData.path(dielectricFile)))
        let path = temporaryPath("truncated.json.gz")
        try original.prefix(original.count / 3).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        var stream = JSONRecordStream(try openByteSource(path))
        var good = 0
        do {
            while let event = try stream.next() {
                guard case .record(let index, let name, let bytes, let fields) = event else { continue }
                let record = PymatgenStructureDecoder.record(
                    from: bytes, index: index, name: name, fields: fields, idField: nil)
                if case .success = record.crystal { good += 1 }
            }
            Issue.record("no error after \(good) records")
        } catch let error as CrystalError {
            guard case .unreadable = error else {
                Issue.record("expected .unreadable, got \(error)")
                return
            }
        }
        #expect(good > 1000)
    }
}

private let dielectricFile = "matbench-dielectric-crystaltoolkit/matbench_dielectric.json.gz"

@Suite struct JSONDatasetTests {
    @Test func matbenchDielectricStreamsAndDecodesEveryStructure() throws {
        let drained = try drain(try openByteSource(SharedData.path(dielectricFile)))
        #expect(drained.layout == .columns)
        #expect(drained.records.count == 4764)
        // Reference columns from parsing the whole decompressed file at once.
        let whole = try JSONParser.parse(try gunzip(SharedData.path(dielectricFile)))
        let reference = try #require(whole.object)
        #expect(
            reference.map(\.key) == ["structure", "n", "spg_symbol", "spg_num", "crystal_sys", "volume", "formula"])
        func column(_ name: String) throws -> [String: JSONValue] {
            Dictionary(uniqueKeysWithValues: try #require(whole[name]?.object).map { ($0.key, $0.value) })
        }
        let (n, volume, formula) = (try column("n"), try column("volume"), try column("formula"))
        #expect(drained.lateFields["n"]?.count == 4764)
        var formulaMismatches: [String] = []
        var countMismatches: [String] = []
        for (position, item) in drained.records.enumerated() {
            let name = try #require(item.name)
            #expect(name == String(position))
            #expect(item.fields.isEmpty)
            let record = PymatgenStructureDecoder.record(
                from: item.bytes, index: item.index, name: name, fields: item.fields, idField: nil)
            let crystal = try record.crystal.get()
            #expect(crystal.id == name)
            #expect(drained.lateFields["n"]?[name] == .number(try #require(n[name]?.double)))
            let expectedVolume = try #require(volume[name]?.double)
            #expect(abs(crystal.lattice.volume - expectedVolume) <= 1e-6 * expectedVolume, "\(name)")
            let expectedFormula = try #require(formula[name]?.string)
            #expect(drained.lateFields["formula"]?[name] == .string(expectedFormula))
            let composition = crystal.composition
            if composition.formula != expectedFormula {
                formulaMismatches.append("\(name): \(composition.formula) ≠ \(expectedFormula)")
            }
            var actualCounts: [String: Int] = [:]
            for (element, count) in composition.counts { actualCounts[element.symbol] = count }
            if actualCounts != counts(ofFormula: expectedFormula) { countMismatches.append(name) }
        }
        #expect(countMismatches.isEmpty, "element counts differ from 'formula' in \(countMismatches.prefix(20))")
        #expect(
            formulaMismatches.isEmpty, "\(formulaMismatches.count) formula mismatches: \(formulaMismatches.prefix(20))")
        let first = try PymatgenStructureDecoder.decode(try JSONParser.parse(drained.records[0].bytes), id: "0")
        #expect(first.composition.reducedFormula == "KS")
        #expect(drained.lateFields["n"]?["0"] == .number(1.7520636404))
        #expect(drained.lateFields["spg_num"]?["0"] == .number(189))
    }

    @Test func megnetBulkModuli() throws {
        let path = SharedData.path("megnet-bulk-moduli/bulk_moduli.json")
        let drained = try drain(try openByteSource(path))
        let tiny = try drain(try openByteSource(path), bufferSize: 16)
        #expect(drained.layout == .parallelArrays)
        #expect(drained.records.count == 100)
        #expect(tiny.records.map(\.bytes) == drained.records.map(\.bytes))
        #expect(tiny.lateFields == drained.lateFields)
        let whole = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        let moduli = try #require(whole["bulk_moduli"]?.array)
        #expect(drained.lateFields["bulk_moduli"]?.count == 100)
        for (position, item) in drained.records.enumerated() {
            #expect(item.name == String(position))
            let record = PymatgenStructureDecoder.record(
                from: item.bytes, index: item.index, name: item.name, fields: item.fields, idField: nil)
            let crystal = try record.crystal.get()
            #expect(crystal.id == String(position))
            #expect(crystal.sites.count == whole["structures"]?[position]?["sites"]?.array?.count)
            #expect(drained.lateFields["bulk_moduli"]?[String(position)] == moduli[position].fieldValue)
        }
        #expect(drained.lateFields["bulk_moduli"]?["0"] == .number(37))
    }
}

@Suite struct PymatgenStructureDecoderTests {
    @Test func decodesMatrixAndParameters() throws {
        let salt = try PymatgenStructureDecoder.decode(try structure(rockSalt), id: "salt")
        #expect(salt.id == "salt")
        #expect(salt.lattice.rowMajor == [0, 2.82, 2.82, 2.82, 0, 2.82, 2.82, 2.82, 0])
        #expect(salt.sites.map(\.element.symbol) == ["Na", "Cl"])
        #expect(salt.sites[1].fracCoords == SIMD3(0.5, 0.5, 0.5))
        let si = try PymatgenStructureDecoder.decode(try structure(silicon), id: "si")
        #expect(abs(si.lattice.lengths.x - 3.867) < 1e-12)
        #expect(abs(si.lattice.anglesInDegrees.z - 60) < 1e-9)
        let back = si.cartesian(1)
        #expect(length(back - SIMD3(1.1163, 0.7894, 1.9335)) < 1e-9)
    }

    @Test func oxidationStatesAreStripped() throws {
        let text = """
            {"lattice": {"matrix": [[3,0,0],[0,3,0],[0,0,3]]},
             "sites": [{"species": [{"element": "Fe2+", "occu": 1}], "abc": [0,0,0]},
                       {"species": [{"element": "O", "oxidation_state": -2, "occu": 0.995}], "abc": [0.5,0.5,0.5]},
                       {"species": [{"element": "Mn2.5+"}], "abc": [0.5,0,0]}]}
            """
        let crystal = try PymatgenStructureDecoder.decode(try structure(text), id: "")
        #expect(crystal.sites.map(\.element.symbol) == ["Fe", "O", "Mn"])
    }

    @Test func partialOccupancyIsRejected() throws {
        let mixed = """
            {"lattice": {"matrix": [[3,0,0],[0,3,0],[0,0,3]]},
             "sites": [{"species": [{"element": "O", "occu": 1}], "abc": [0,0,0]},
                       {"species": [{"element": "Fe", "occu": 0.5}, {"element": "Ni", "occu": 0.5}],
                        "abc": [0.5,0.5,0.5]}]}
            """
        #expect(throws: CrystalError.partialOccupancy(site: 1, detail: "Fe:0.5, Ni:0.5")) {
            try PymatgenStructureDecoder.decode(try structure(mixed), id: "")
        }
        let vacancy = cubicCell(sites: #"{"species": [{"element": "Li", "occu": 0.75}], "abc": [0,0,0]}"#)
        #expect(throws: CrystalError.partialOccupancy(site: 0, detail: "Li:0.75")) {
            try PymatgenStructureDecoder.decode(try structure(vacancy), id: "")
        }
    }

    @Test func unknownElementsAreRejected() throws {
        for symbol in ["Xx", "X0+", "X", "", "Fe2+x", "Uuo"] {
            let text = """
                {"lattice": {"matrix": [[3,0,0],[0,3,0],[0,0,3]]},
                 "sites": [{"species": [{"element": "\(symbol)", "occu": 1}], "abc": [0,0,0]}]}
                """
            #expect(throws: CrystalError.unknownElement(symbol)) {
                try PymatgenStructureDecoder.decode(try structure(text), id: "")
            }
        }
    }

    @Test func missingOrBadMembersAreMalformed() throws {
        let bad = [
            "[]",
            #"{"sites": []}"#,
            #"{"lattice": {"matrix": [[1,0],[0,1]]}, "sites": []}"#,
            #"{"lattice": {"a": 1}, "sites": []}"#,
            #"{"lattice": {"matrix": [[1,0,0],[0,1,0],[0,0,1]]}}"#,
            #"{"lattice": {"matrix": [[1,0,0],[0,1,0],[0,0,1]]}, "sites": [{"abc": [0,0,0]}]}"#,
            #"{"lattice": {"matrix": [[1,0,0],[0,1,0],[0,0,1]]}, "sites": [{"species": [{"element": "H"}]}]}"#,
            cubicCell(sites: #"{"species": [{"element": "H"}], "abc": [0,0]}"#),
            cubicCell(sites: #"{"species": [{"occu": 1}], "abc": [0,0,0]}"#),
        ]
        for text in bad {
            do {
                _ = try PymatgenStructureDecoder.decode(try structure(text), id: "")
                Issue.record("no error for \(text)")
            } catch let error as CrystalError {
                guard case .malformed(let format, _, _) = error else {
                    Issue.record("\(text): \(error)")
                    continue
                }
                #expect(format == "pymatgen JSON")
            }
        }
        let empty = #"{"lattice": {"matrix": [[1,0,0],[0,1,0],[0,0,1]]}, "sites": []}"#
        #expect(throws: CrystalError.noAtoms) { try PymatgenStructureDecoder.decode(try structure(empty), id: "") }
        let nan = cubicCell(sites: #"{"species": [{"element": "H"}], "abc": [0,0,0]}"#).replacingOccurrences(
            of: "[[1,", with: "[[NaN,")
        #expect(throws: CrystalError.nonFinite("lattice")) {
            try PymatgenStructureDecoder.decode(try structure(nan), id: "")
        }
    }

    @Test func recordNeverThrowsAndChoosesTheID() throws {
        let broken = PymatgenStructureDecoder.record(
            from: Array("{\"a\":".utf8), index: 3, name: "n", fields: [:], idField: nil)
        guard case .failure(.malformed(let format, _, _)) = broken.crystal else {
            Issue.record("expected a JSON failure, got \(broken.crystal)")
            return
        }
        #expect(format == "JSON")
        let document = try JSONParser.parse(#"{"material_id": "mp-1", "code": 12, "structure": \#(rockSalt)}"#)
        func id(_ name: String?, _ fields: [String: FieldValue], _ idField: String?) throws -> String {
            try PymatgenStructureDecoder.record(from: document, index: 0, name: name, fields: fields, idField: idField)
                .crystal.get().id
        }
        #expect(try id("row", [:], nil) == "mp-1")
        #expect(try id("row", [:], "code") == "12")
        #expect(try id("row", [:], "absent") == "mp-1")
        #expect(try id("row", ["material_id": .string("given")], nil) == "given")
        let bare = try structure(rockSalt)
        #expect(
            try PymatgenStructureDecoder.record(from: bare, index: 0, name: "row", fields: [:], idField: nil).crystal
                .get().id == "row")
        #expect(
            try PymatgenStructureDecoder.record(from: bare, index: 0, name: nil, fields: [:], idField: nil).crystal
                .get().id == "")
    }
}

// MARK: - The direct (fast) decoder against the tree path

/// Whether two records are the same: names, fields, and crystals with bitwise equal numbers, or equal errors.
private func sameRecord(_ lhs: InputRecord, _ rhs: InputRecord) -> Bool {
    guard lhs.name == rhs.name, sameFields(lhs.fields, rhs.fields) else { return false }
    switch (lhs.crystal, rhs.crystal) {
    case (.success(let x), .success(let y)):
        let bits = { (crystal: Crystal) in crystal.lattice.rowMajor.map(\.bitPattern) }
        let sites = { (crystal: Crystal) in
            crystal.sites.map { [UInt64($0.element.atomicNumber), $0.occupancy.bitPattern] + coordinateBits($0) }
        }
        return x.id == y.id && bits(x) == bits(y) && sites(x) == sites(y)
    case (.failure(let x), .failure(let y)):
        return x == y
    default:
        return false
    }
}

private func coordinateBits(_ site: Site) -> [UInt64] {
    [site.fracCoords.x.bitPattern, site.fracCoords.y.bitPattern, site.fracCoords.z.bitPattern]
}

/// Field equality where NaN equals NaN.
private func sameFields(_ lhs: [String: FieldValue], _ rhs: [String: FieldValue]) -> Bool {
    guard lhs.count == rhs.count else { return false }
    for (key, value) in lhs {
        switch (value, rhs[key]) {
        case (.number(let x), .number(let y)?): if x.bitPattern != y.bitPattern { return false }
        case (let x, let y?): if x != y { return false }
        default: return false
        }
    }
    return true
}

/// The record by the direct decoder, if it takes the input.
private func direct(_ bytes: [UInt8], name: String? = nil, fields: [String: FieldValue] = [:], idField: String? = nil)
    -> InputRecord?
{
    bytes.withUnsafeBytes {
        PymatgenStructureDecoder.directRecord($0, name: name, fields: fields, idField: idField)
    }
}

private func tree(_ bytes: [UInt8], name: String? = nil, fields: [String: FieldValue] = [:], idField: String? = nil)
    -> InputRecord
{
    PymatgenStructureDecoder.treeRecord(from: bytes, index: 0, name: name, fields: fields, idField: idField)
}

/// Checks that `record(from: bytes…)` and the tree path agree on `text`; returns whether the direct decoder took it.
@discardableResult
private func expectSameAsTree(
    _ text: String, name: String? = "row", fields: [String: FieldValue] = [:], idField: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) -> Bool {
    let bytes = Array(text.utf8)
    let reference = tree(bytes, name: name, fields: fields, idField: idField)
    let record = PymatgenStructureDecoder.record(from: bytes, index: 0, name: name, fields: fields, idField: idField)
    #expect(sameRecord(record, reference), "\(text)", sourceLocation: sourceLocation)
    guard let fast = direct(bytes, name: name, fields: fields, idField: idField) else { return false }
    #expect(sameRecord(fast, reference), "\(text)", sourceLocation: sourceLocation)
    if case .failure = reference.crystal { Issue.record("direct decoder took a failing record: \(text)") }
    return true
}

@Suite struct PymatgenDirectDecoderTests {
    @Test func dielectricStructuresDecodeIdenticallyAndDirectly() throws {
        let drained = try drain(try openByteSource(SharedData.path(dielectricFile)))
        #expect(drained.records.count == 4764)
        var notDirect: [String] = []
        var different: [String] = []
        for item in drained.records {
            let reference = tree(item.bytes, name: item.name, fields: item.fields)
            guard let fast = direct(item.bytes, name: item.name, fields: item.fields) else {
                notDirect.append(item.name ?? "?")
                continue
            }
            if !sameRecord(fast, reference) { different.append(item.name ?? "?") }
        }
        #expect(notDirect.isEmpty, "tree path for \(notDirect.count): \(notDirect.prefix(10))")
        #expect(different.isEmpty, "\(different.count) differ: \(different.prefix(10))")
    }

    @Test func megnetStructuresDecodeIdenticallyAndDirectly() throws {
        let drained = try drain(try openByteSource(SharedData.path("megnet-bulk-moduli/bulk_moduli.json")))
        #expect(drained.records.count == 100)
        for item in drained.records {
            let reference = tree(item.bytes, name: item.name, fields: item.fields)
            let fast = try #require(direct(item.bytes, name: item.name, fields: item.fields), "\(item.name ?? "?")")
            #expect(sameRecord(fast, reference), "\(item.name ?? "?")")
        }
    }

    @Test func documentsTakeFieldsAndIDsAsTheTreePathDoes() {
        let document =
            #"{"material_id": "mp-1", "code": 12, "structure": \#(rockSalt), "gap": 1.5, "ok": true, "#
            + #""none": null, "nan": NaN, "inf": -Infinity, "nested": {"x": [1, {"y": "z"}]}, "list": [1, 2], "#
            + #""escaped": "P6_3\/mcm \u00e9\n", "code": 13, "structure2": {"lattice": 1}}"#
        #expect(expectSameAsTree(document))
        #expect(expectSameAsTree(document, idField: "code"))
        #expect(expectSameAsTree(document, fields: ["material_id": .string("given"), "gap": .null]))
        #expect(expectSameAsTree(document, name: nil, idField: "absent"))
        let siliconWithMatrix = silicon.replacingOccurrences(
            of: #""a""#, with: #""matrix": [[3.867, 0, 0], [0, 3.867, 0], [0, 0, 3.867]], "a""#)
        #expect(expectSameAsTree(#"{"task_id": 7, "structure": \#(siliconWithMatrix)}"#, idField: "task_id"))
        // A document's top-level `lattice` and `sites` do not count; its structure does.
        #expect(expectSameAsTree(#"{"lattice": {"matrix": [[2,0,0],[0,2,0],[0,0,2]]}, "structure": \#(rockSalt)}"#))
        // Bare structures keep the given fields and ignore their own scalars.
        #expect(expectSameAsTree(rockSalt, fields: ["n": .number(1.5)]))
        #expect(expectSameAsTree(rockSalt, name: nil))
    }

    @Test func unusualStructuresMatchTheTreePath() {
        let ordinary = [
            // xyz only, with the lattice after the sites.
            #"{"sites": [{"species": [{"element": "Si"}], "xyz": [1.1163, 0.7894, 1.9335]}], "#
                + #""lattice": {"matrix": [[0, 2.7, 2.7], [2.7, 0, 2.7], [2.7, 2.7, 0]]}}"#,
            // abc wins over xyz, even a broken-looking one; duplicate keys: the last counts.
            cubicCell(sites: #"{"species": [{"element": "H"}], "xyz": [9, 9, "x"], "abc": [0.1, 0.2, 0.3]}"#),
            cubicCell(sites: #"{"species": [{"element": "H"}], "abc": [0.5, 0.5, 0.5], "abc": [0.1, 0.2, 0.3]}"#),
            #"{"lattice": {"matrix": [[1,0,0],[0,1,0],[0,0,1]]}, "lattice": {"matrix": [[2,0,0],[0,2,0],[0,0,2]]}, "#
                + #""sites": [{"species": [{"element": "H"}], "xyz": [1, 1, 1]}]}"#,
            // Oxidation states, occupancies within the tolerance, odd letter case, extra species members.
            cubicCell(sites: #"{"species": [{"element": "Fe2+", "occu": 1}], "abc": [0,0,0]}"#),
            cubicCell(sites: #"{"species": [{"element": "O", "oxidation_state": -2, "occu": 0.995}], "abc": [0,0,0]}"#),
            cubicCell(sites: #"{"species": [{"element": "Mn2.5+", "properties": {"spin": [1, 2]}}], "abc": [0,0,0]}"#),
            cubicCell(sites: #"{"species": [{"element": "fe"}], "abc": [0,0,0]}"#),
            cubicCell(sites: #"{"species": [{"element": "CL"}], "abc": [0,0,0]}"#),
            // Nested properties, unicode escapes in labels, whitespace everywhere.
            cubicCell(
                sites: #"{"species": [{"element": "Na"}], "abc": [0,0,0], "label": "Na\u00b2 \ud83d\ude00 \"q\"", "#
                    + #""properties": {"magmom": [0.0, -1e-3, NaN, Infinity, -Infinity], "x": {"y": [[], {}, null, "#
                    + #"true, false]}, "s": "}]\\"}}"#),
            " { \"lattice\" : { \"matrix\" : [ [ 1 , 0 , 0 ] , [ 0 , 1 , 0 ] , [ 0 , 0 , 1 ] ] } ,\n\t\"sites\" : [ "
                + "{ \"species\" : [ { \"element\" : \"H\" , \"occu\" : 1.0 } ] , \"abc\" : [ 0 , 0.5 , 1E-2 ] } ] }\r\n",
            // Numbers with many digits, exponents, negative zero.
            cubicCell(
                sites: #"{"species": [{"element": "H"}], "abc": [0.12345678901234567890123, -0.0, 1.5e-300]}"#),
            cubicCell(
                sites: #"{"species": [{"element": "H"}], "#
                    + #""abc": [123456789012345678901234567890e-30, 9007199254740993e-16, 0]}"#),
        ]
        for text in ordinary {
            #expect(expectSameAsTree(text), "not direct: \(text)")
        }
        let unusual = [
            rockSalt.replacingOccurrences(of: "0.0, 2.82, 2.82", with: "NaN, 2.82, 2.82"),
            silicon,
            #"{"lattice": {"matrix": [1,0,0,0,1,0,0,0,1]}, "sites": [{"species": [{"element": "H"}], "abc": [0,0,0]}]}"#,
            #"{"lattice": {"matrix": [[1,0],[0,1]]}, "sites": [{"species": [{"element": "H"}], "abc": [0,0,0]}]}"#,
            #"{"lattice": {"matrix": [[1,0,0],[0,1,0],[0,0,1]]}, "sites": []}"#,
            #"{"lattice": {"matrix": [[1,0,0],[0,1,0],[0,0,1]]}}"#,
            #"{"sites": [{"species": [{"element": "H"}], "abc": [0,0,0]}]}"#,
            #"{"lattice": {"matrix": [[1,0,0],[0,1,0],[0,0,1e400]]}, "sites": [{"species": [{"element": "H"}], "abc": [0,0,0]}]}"#,
            #"{"lattice": {"matrix": [[0,0,0],[0,0,0],[0,0,0]]}, "sites": [{"species": [{"element": "H"}], "xyz": [1,0,0]}]}"#,
            cubicCell(
                sites: #"{"species": [{"element": "Fe", "occu": 0.5}, {"element": "Ni", "occu": 0.5}], "abc": [0,0,0]}"#
            ),
            cubicCell(sites: #"{"species": [{"element": "Li", "occu": 0.75}], "abc": [0,0,0]}"#),
            cubicCell(sites: #"{"species": [{"element": "Li", "occu": NaN}], "abc": [0,0,0]}"#),
            cubicCell(sites: #"{"species": [{"element": "Li", "occu": null}], "abc": [0,0,0]}"#),
            cubicCell(sites: #"{"species": [{"element": "Xx", "occu": 1}], "abc": [0,0,0]}"#),
            cubicCell(sites: #"{"species": [{"element": "Uuo", "occu": 1}], "abc": [0,0,0]}"#),
            cubicCell(sites: #"{"species": [{"element": "\u0048"}], "abc": [0,0,0]}"#),
            cubicCell(sites: #"{"species": [{"occu": 1}], "abc": [0,0,0]}"#),
            cubicCell(sites: #"{"species": [], "abc": [0,0,0]}"#),
            cubicCell(sites: #"{"species": [{"element": "H"}]}"#),
            cubicCell(sites: #"{"species": [{"element": "H"}], "abc": [0,0]}"#),
            cubicCell(sites: #"{"species": [{"element": "H"}], "abc": [0,0,NaN]}"#),
            cubicCell(sites: #"{"species": [{"element": "H"}], "abc": [0,0,"0"]}"#),
            cubicCell(sites: #"{"species": [{"element": "H"}], "abc": [0,0,0], "\u0061bc": [1,1,1]}"#),
            cubicCell(sites: #"{"species": [{"element": "H"}], "abc": [0,0,0], "label": "a\x"}"#),
            cubicCell(sites: #"{"species": [{"element": "H"}], "abc": [0,0,0], "label": "\ud800"}"#),
            cubicCell(sites: #"{"species": [{"element": "H"}], "abc": [0,0,0], "label": "\udc00"}"#),
            cubicCell(sites: "{\"species\": [{\"element\": \"H\"}], \"abc\": [0,0,0], \"label\": \"a\tb\"}"),
            cubicCell(sites: #"{"species": [{"element": "H"}], "abc": [0,0,0], "m": 01}"#),
            cubicCell(sites: #"{"species": [{"element": "H"}], "abc": [0,0,0], "m": 1.}"#),
            cubicCell(sites: #"{"species": [{"element": "H"}], "abc": [0,0,0], "m": [1,]}"#),
            cubicCell(sites: #"{"species": [{"element": "H"}], "abc": [0,0,0], "m": tru}"#),
            cubicCell(sites: #"{"species": [{"element": "H"}], "abc": [0,0,0], "m": NaNa}"#),
            cubicCell(sites: #"{"species": [{"element": "H"}], "abc": [0,0,0],}"#),
            cubicCell(sites: #"{"species": [{"element": "H"}], "abc": [0,0,0]}"#) + " x",
            #"{"structure": 5, "material_id": "mp-1"}"#,
            #"{"structure": \#(rockSalt), "structure": \#(silicon)}"#,
            #"{"structure": \#(rockSalt), "material_id": "mp-1", "material_id": {"x": 1}}"#,
            String(repeating: "[", count: 600) + String(repeating: "]", count: 600),
            "[]", "{}", "", "null", #""abc""#,
        ]
        for text in unusual {
            expectSameAsTree(text)
        }
        // Deep but valid nesting in a skipped member goes to the tree path, which decodes it.
        let deep = cubicCell(
            sites: #"{"species": [{"element": "H"}], "abc": [0,0,0], "p": "#
                + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}")
        #expect(!expectSameAsTree(deep))
        #expect(throws: Never.self) { try tree(Array(deep.utf8)).crystal.get() }
    }

    @Test func truncatedRecordsFailAsTheTreePathDoes() throws {
        let drained = try drain(try openByteSource(SharedData.path(dielectricFile)))
        for text in [rockSalt, String(decoding: drained.records[0].bytes, as: UTF8.self)] {
            let bytes = Array(text.utf8)
            for cut in 0..<bytes.count {
                let part = Array(bytes[..<cut])
                #expect(direct(part, name: "x") == nil, "cut at \(cut)")
                let record = PymatgenStructureDecoder.record(from: part, index: 0, name: "x", fields: [:], idField: nil)
                #expect(sameRecord(record, tree(part, name: "x")), "cut at \(cut)")
            }
        }
    }

    @Test func scannerNumbersRoundTripExactly() throws {
        var texts = [
            "0", "-0", "1", "-1", "0.5", "1e3", "1E+3", "1.5e-3", "2.9678566929183265", "-0.0000000429",
            "9007199254740993", "123456789012345678901234567890", "1e400", "1e-400", "4.9e-324", "12345678",
            "123456789", "0.12345678", "0.123456789", "1234567812345678", "99999999.99999999", "0.00000000000000000001",
            "1.7976931348623157e308", "0.1", "0.3", "8.5860828637", "119.9999999858", "18446744073709551615",
            "18446744073709551616", "1e22", "1e23", "9007199254740992e22", "9007199254740993e-22",
        ]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let value = Double.random(in: -1000...1000, using: &generator) * pow(10, Double(Int.random(in: -30...30)))
            texts.append(String(format: "%.\(Int.random(in: 1...17, using: &generator))g", value))
            let digits = (0..<Int.random(in: 1...25, using: &generator)).map { _ in
                String(Int.random(in: 0...9, using: &generator))
            }
            texts.append("0." + digits.joined())
        }
        for text in texts {
            let expected = try #require(Double(text), "\(text)")
            // Alone (scalar tail) and followed by padding (eight bytes at a time).
            for padded in [text, text + "        ,"] {
                var bytes = Array(padded.utf8)
                let value = bytes.withUnsafeMutableBufferPointer { buffer -> Double? in
                    guard let base = buffer.baseAddress else { return nil }
                    var scanner = JSONScanner(base: base, count: buffer.count)
                    return try? scanner.number()
                }
                #expect(value?.bitPattern == expected.bitPattern, "\(padded)")
            }
        }
        for bad in ["01", "1.", ".5", "-", "1e", "1e+", "--1", "1.2.3", "0x1", "1a", "+1", "NaN", "-Infinity"] {
            var bytes = Array(bad.utf8)
            let value = bytes.withUnsafeMutableBufferPointer { buffer -> Double? in
                guard let base = buffer.baseAddress else { return nil }
                var scanner = JSONScanner(base: base, count: buffer.count)
                return try? scanner.number()
            }
            #expect(value == nil, "\(bad)")
        }
    }

    @Test func splittingHandlesStringsAndEscapesAcrossBlocksAndRefills() throws {
        // Brackets, quotes and backslashes inside strings, at every offset relative to 64-byte blocks.
        var documents: [String] = []
        for shift in 0..<70 {
            let padding = String(repeating: "p", count: shift)
            documents.append(
                #"{"structure": {"lattice": {"matrix": [[1,0,0],[0,1,0],[0,0,1]]}, "sites": [{"species": "#
                    + #"[{"element": "H"}], "abc": [0,0,0], "label": "\#(padding)}]\"{[\\\\", "#
                    + #""properties": {"k\\": "\\\"}", "l": [["]]"], {"}": "\\"}]}}]}, "#
                    + #""note": "\#(padding)\\\"\\", "n": \#(shift)}"#)
        }
        let text = documents.joined(separator: "\n")
        let reference = try drain(text, chunk: 1 << 20, bufferSize: 1 << 20)
        #expect(reference.records.count == 70)
        for record in reference.records {
            #expect(try JSONParser.parse(record.bytes)["n"] != nil)
            let decoded = PymatgenStructureDecoder.record(
                from: record.bytes, index: 0, name: nil, fields: [:], idField: nil)
            #expect(sameRecord(decoded, tree(record.bytes)))
            #expect(direct(record.bytes) != nil)
        }
        for bufferSize in [16, 63, 64, 65, 100, 127, 128, 129, 200, 257] {
            for chunk in [1, 7, 64, 1 << 16] {
                let drained = try drain(text, chunk: chunk, bufferSize: bufferSize)
                #expect(drained.records.map(\.bytes) == reference.records.map(\.bytes), "\(bufferSize)/\(chunk)")
            }
        }
    }

    @Test func lateFieldsReadInPlaceMatchTheParser() throws {
        let text = """
            {"structure": {"0": \(rockSalt), "1": \(silicon)},
             "spg": {"0": "P6_3\\/mcm", "1": "Fm-3m"}, "n": {"0": 1.5e0, "1": NaN}, "b": {"0": true, "1": null},
             "e": {"0": "\\u00e9\\ud83d\\ude00", "1": -Infinity}, "big": {"0": 123456789012345678901234, "1": -0.0}}
            """
        let expected: [String: [String: FieldValue]] = [
            "spg": ["0": .string("P6_3/mcm"), "1": .string("Fm-3m")], "b": ["0": .bool(true), "1": .null],
            "e": ["0": .string("é😀"), "1": .number(-.infinity)],
            "big": ["0": .number(123_456_789_012_345_678_901_234), "1": .number(-0.0)],
        ]
        for (chunk, bufferSize) in [(1, 16), (3, 40), (1 << 16, 1 << 18)] {
            let drained = try drain(text, chunk: chunk, bufferSize: bufferSize)
            for (field, values) in expected { #expect(drained.lateFields[field] == values, "\(field)") }
            #expect(drained.lateFields["n"]?["0"] == .number(1.5))
            #expect(drained.lateFields["n"]?["1"]?.labelValue?.isNaN == true)
        }
        for bad in [#""1": 1.5x"#, #""1": "a\x""#, #""1": tru"#, #""1": 01"#] {
            let broken = #"{"structure": {"0": \#(rockSalt)}, "n": {"0": 1, \#(bad)}}"#
            #expect(throws: CrystalError.self, "\(bad)") { _ = try drain(broken) }
        }
    }
}
