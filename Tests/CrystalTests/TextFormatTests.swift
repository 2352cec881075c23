import Foundation
import Testing

@testable import Crystal

/// Bytes held in memory, read in pieces like a file.
private struct MemoryByteSource: ByteSource {
    var bytes: [UInt8]
    var offset = 0

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = min(buffer.count, bytes.count - offset)
        bytes[offset..<(offset + count)].withUnsafeBytes { buffer.copyMemory(from: $0) }
        offset += count
        return count
    }
}

/// A line reader over `text` with a small buffer, so that lines and records cross buffer boundaries.
private func byteReader(_ text: String, bufferSize: Int = 16) -> ByteReader {
    ByteReader(MemoryByteSource(bytes: Array(text.utf8)), bufferSize: bufferSize)
}

/// The line of a `.malformed` error, `nil` for any other error or none.
private func malformedLine(_ error: CrystalError?) -> Int? {
    if case .malformed(_, let line, _) = error { return line }
    return nil
}

private func close(_ x: SIMD3<Double>, _ y: SIMD3<Double>, tolerance: Double = 1e-9) -> Bool {
    ((x - y) * (x - y)).sum().squareRoot() <= tolerance
}

// MARK: - POSCAR

@Suite struct TextFormatPOSCARTests {
    private struct Expected: Decodable {
        var atoms: Int
        var volume: Double
        var formula: String
    }

    @Test func allALIGNNSamplePOSCARsMatchPymatgen() throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/poscar-expected.json")
        let expected = try JSONDecoder().decode([String: Expected].self, from: Data(contentsOf: fixture))
        #expect(expected.count == 50)
        var formulaMismatches: [String] = []
        for (relative, want) in expected.sorted(by: { $0.key < $1.key }) {
            let text = try SharedData.text(relative)
            let crystal = try POSCARParser.parse(text, id: relative)
            #expect(crystal.id == relative)
            #expect(crystal.sites.count == want.atoms, "\(relative)")
            #expect(abs(crystal.lattice.volume - want.volume) <= 1e-6 * want.volume, "\(relative)")
            if crystal.composition.reducedFormula != want.formula {
                formulaMismatches.append("\(relative): \(crystal.composition.reducedFormula) ≠ \(want.formula)")
            }
        }
        #expect(formulaMismatches.isEmpty, "\(formulaMismatches)")
    }

    @Test func selectiveDynamicsCartesianAndScale() throws {
        let text = """
            Si with flags
            2.0
            1 0 0
            0 1 0
            0 0 1
            Si
            2
            Selective dynamics
            cartesian
            0 0 0 T T T
            0.5 0.5 0.25 F F F Si

            0.1 0.2 0.3
            0.1 0.2 0.3
            """
        let crystal = try POSCARParser.parse(text, id: "si")
        #expect(crystal.lattice.volume == 8)
        #expect(crystal.sites.map(\.element.symbol) == ["Si", "Si"])
        #expect(close(crystal.sites[1].fracCoords, SIMD3(0.5, 0.5, 0.25)))
    }

    @Test func negativeScaleIsTheVolume() throws {
        let text = """
            volume 27
            -27.0
            2 0 0
            0 2 0
            0 0 2
            Na Cl
            1 1
            Cartesian
            0 0 0
            1.0 1.0 1.0
            """
        let crystal = try POSCARParser.parse(text, id: "nacl")
        #expect(abs(crystal.lattice.volume - 27) < 1e-9)
        #expect(close(crystal.lattice.a, SIMD3(3, 0, 0)))
        // Cartesian coordinates are scaled too: (1, 1, 1) × 1.5 = (1.5, 1.5, 1.5), the cell centre.
        #expect(close(crystal.sites[1].fracCoords, SIMD3(0.5, 0.5, 0.5)))
        #expect(crystal.sites.map(\.element.symbol) == ["Na", "Cl"])
    }

    @Test func threeScaleFactorsScaleCartesianComponents() throws {
        let text = "abc\n1 2 3\n1 0 0\n0 1 0\n0 0 1\nC\n1\nDirect\n0.5 0.5 0.5\n"
        let crystal = try POSCARParser.parse(text, id: "c")
        #expect(abs(crystal.lattice.volume - 6) < 1e-12)
        #expect(close(crystal.lattice.c, SIMD3(0, 0, 3)))
    }

    @Test func vasp4TakesSpeciesFromTheComment() throws {
        let body = "1.0\n3 0 0\n0 3 0\n0 0 3\n1 2\nDirect\n0 0 0\n0.5 0 0\n0 0.5 0\n"
        let fromWords = try POSCARParser.parse("Fe O\n" + body, id: "words")
        #expect(fromWords.sites.map(\.element.symbol) == ["Fe", "O", "O"])
        let fromFormula = try POSCARParser.parse("FeO2_relaxed.vasp\n" + body, id: "formula")
        #expect(fromFormula.sites.map(\.element.symbol) == ["Fe", "O", "O"])
        let labelled = "1.0\n3 0 0\n0 3 0\n0 0 3\n1 2\nDirect\n0 0 0 Mn\n0.5 0 0 S\n0 0.5 0 S\n"
        let fromLabels = try POSCARParser.parse("no symbols here\n" + labelled, id: "labels")
        #expect(fromLabels.sites.map(\.element.symbol) == ["Mn", "S", "S"])

        let error = #expect(throws: CrystalError.self) { try POSCARParser.parse("System\n" + body, id: "x") }
        #expect(malformedLine(error) == 6)
    }

    @Test func potcarStyleNamesAndContinuedSpeciesLines() throws {
        let text = """
            VASP 6
            1.0
            4 0 0
            0 4 0
            0 0 4
            Fe_pv O/5c1d2e3f
            Fe
            1 1
            1
            Direct
            0 0 0
            0.5 0.5 0.5
            0.25 0.25 0.25
            """
        let crystal = try POSCARParser.parse(text, id: "fe")
        #expect(crystal.sites.map(\.element.symbol) == ["Fe", "O", "Fe"])
    }

    @Test func truncatedFileIsMalformedWithTheLine() {
        let full = "t\n1.0\n1 0 0\n0 1 0\n0 0 1\nH\n2\nDirect\n0 0 0\n"
        let missingAtom = #expect(throws: CrystalError.self) { try POSCARParser.parse(full, id: "t") }
        #expect(malformedLine(missingAtom) == 10)
        let noLattice = #expect(throws: CrystalError.self) {
            try POSCARParser.parse("t\n1.0\n1 0 0\n0 1 0\n", id: "t")
        }
        #expect(malformedLine(noLattice) == 5)
        let badNumber = #expect(throws: CrystalError.self) {
            try POSCARParser.parse("t\n1.0\n1 0 0\n0 x 0\n0 0 1\nH\n1\nDirect\n0 0 0\n", id: "t")
        }
        #expect(malformedLine(badNumber) == 4)
        let noMode = #expect(throws: CrystalError.self) {
            try POSCARParser.parse("t\n1.0\n1 0 0\n0 1 0\n0 0 1\nH\n1\n0 0 0\n", id: "t")
        }
        #expect(malformedLine(noMode) == 8)
        #expect(throws: CrystalError.noAtoms) {
            try POSCARParser.parse("t\n1.0\n1 0 0\n0 1 0\n0 0 1\nH\n0\nDirect\n", id: "t")
        }
    }

    @Test func unknownElement() {
        let text = "t\n1.0\n1 0 0\n0 1 0\n0 0 1\nXx\n1\nDirect\n0 0 0\n"
        #expect(throws: CrystalError.unknownElement("Xx")) { try POSCARParser.parse(text, id: "t") }
    }

    /// NaN is passed through into the `Crystal` (validation rejects it with `.nonFinite`), not thrown here.
    @Test func nanCoordinatesComeOutAsNaN() throws {
        let text = "t\r\n1.0\r\n1 0 0\r\n0 1 0\r\n0 0 1\r\nH\r\n1\r\nDirect\r\nnan 0 0\r\n"
        let crystal = try POSCARParser.parse(text, id: "t")
        #expect(crystal.sites[0].fracCoords.x.isNaN)
        #expect(crystal.sites[0].fracCoords.y == 0)
    }
}

// MARK: - Extended XYZ

@Suite struct TextFormatExtendedXYZTests {
    @Test func framesFieldsAndBrokenFrames() throws {
        let text = """
            2
            Lattice="4 0 0 0 4 0 0 0 4" Properties=species:S:1:pos:R:3 energy=-1.5 pbc="T T T" \
            config_type=bulk label="two \\"words\\"" stress="1 2 3" virial=[1, 2, 3] is_relaxed=T steps=12 url=a=b
            Na 0 0 0
            Cl 2 2 2
            1
            Properties=species:S:1:pos:R:3 energy=2
            H 0 0 0
            1
            Lattice="3 0 0 0 3 0 0 0 3" Properties=species:S:1:pos:R:3:forces:R:3
            Xx 0 0 0 0 0 0
            2
            Lattice="3 0 0 0 3 0 0 0 3" note="unterminated
            O 0 0 0
            O 1.5 1.5 1.5
            2
            Lattice="3 0 0 0 3 0 0 0 3"
            O 0 0 0
            O 1.5 bad 0
            1
            Lattice="3 0 0 0 3 0 0 0 3" Properties=Z:I:1:pos:R:3 pbc="F F T"
            26 1.5 1.5 1.5

            """
        var reader = ExtendedXYZReader(byteReader(text))

        let first = try #require(try reader.next())
        #expect(first.index == 0)
        let crystal = try first.crystal.get()
        #expect(crystal.id == "")
        #expect(crystal.sites.map(\.element.symbol) == ["Na", "Cl"])
        #expect(close(crystal.sites[1].fracCoords, SIMD3(0.5, 0.5, 0.5)))
        #expect(
            first.fields == [
                "energy": .number(-1.5), "config_type": .string("bulk"), "label": .string("two \"words\""),
                "is_relaxed": .bool(true), "steps": .number(12), "url": .string("a=b"),
            ])

        let second = try #require(try reader.next())
        #expect(second.index == 1)
        #expect(second.fields == ["energy": .number(2)])
        guard case .failure(.malformed(_, let line, let message)) = second.crystal else {
            Issue.record("expected a malformed frame, got \(second.crystal)")
            return
        }
        #expect(line == 6)
        #expect(message.contains("no Lattice"))

        let third = try #require(try reader.next())
        #expect(third.crystal == .failure(.unknownElement("Xx")))

        let fourth = try #require(try reader.next())
        #expect(malformedLine(fourth.crystal.error) == 12)

        let fifth = try #require(try reader.next())
        #expect(malformedLine(fifth.crystal.error) == 18)

        let sixth = try #require(try reader.next())
        #expect(sixth.index == 5)
        let iron = try sixth.crystal.get()
        #expect(iron.sites.map(\.element.symbol) == ["Fe"])
        #expect(close(iron.sites[0].fracCoords, SIMD3(0.5, 0.5, 0.5)))

        #expect(try reader.next() == nil)
        #expect(try reader.next() == nil)
    }

    @Test func garbageCountLineThrowsAndStops() throws {
        let text = "1\nLattice=\"2 0 0 0 2 0 0 0 2\"\nH 0 0 0\nnot-a-count\n1\nx\nH 0 0 0\n"
        var reader = ExtendedXYZReader(byteReader(text))
        #expect(try reader.next()?.crystal.get().sites.count == 1)
        let error = #expect(throws: CrystalError.self) { try reader.next() }
        #expect(malformedLine(error) == 4)
        #expect(try reader.next() == nil)
    }

    @Test func truncatedLastFrameFailsAndEnds() throws {
        let text = "3\nLattice=\"2 0 0 0 2 0 0 0 2\" pbc=\"F F F\"\nH 0 0 0\n"
        var reader = ExtendedXYZReader(byteReader(text))
        let frame = try #require(try reader.next())
        #expect(malformedLine(frame.crystal.error) == 4)
        #expect(try reader.next() == nil)

        var aperiodic = ExtendedXYZReader(byteReader("1\nLattice=\"2 0 0 0 2 0 0 0 2\" pbc=\"F F F\"\nH 0 0 0\n"))
        #expect(malformedLine(try aperiodic.next()?.crystal.error) == 2)
    }
}

extension Result {
    fileprivate var error: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

// MARK: - pymatgen text

@Suite struct TextFormatPymatgenTests {
    @Test func orderedStructureWithChargeAndProperties() throws {
        let text = """
            Full Formula (Fe1 O1)
            Reduced Formula: FeO
            abc   :   3.000000   3.000000   5.000000
            angles:  90.000000  90.000000 120.000000
            pbc   :       True       True       True
            Overall Charge: +1
            Sites (2)
              #  SP             a    b    c  magmom
            ---  -----------  ---  ---  ---  -----------
              0  Fe2+,spin=5    0  0    0    [0.0, 0, 1]
              1  O2-           -0  0.5  0.5  [1, 2, 3]
            """
        let crystal = try PymatgenTextParser.parse(text, id: "feo")
        #expect(crystal.id == "feo")
        #expect(crystal.sites.map(\.element.symbol) == ["Fe", "O"])
        #expect(close(crystal.sites[1].fracCoords, SIMD3(0, 0.5, 0.5)))
        let expectedVolume = 3.0 * 3.0 * 5.0 * (3.0.squareRoot() / 2)
        #expect(abs(crystal.lattice.volume - expectedVolume) < 1e-9)
        #expect(close(crystal.lattice.lengths, SIMD3(3, 3, 5)))
    }

    @Test func disorderedSiteIsPartialOccupancy() {
        let text = """
            Full Formula (Fe0.5 Ni0.5 O1)
            Reduced Formula: Fe0.5Ni0.5O1
            abc   :   4.000000   4.000000   4.000000
            angles:  90.000000  90.000000  90.000000
            Sites (2)
              #  SP                a    b    c
            ---  --------------  ---  ---  ---
              0  O2-             0.5  0.5  0.5
              1  Fe:0.500, Ni:0.500  0    0    0
            """
        #expect(throws: CrystalError.partialOccupancy(site: 1, detail: "Fe:0.500, Ni:0.500")) {
            try PymatgenTextParser.parse(text, id: "x")
        }
    }

    @Test func siteCountMustMatch() {
        let header = """
            Full Formula (Na1 Cl1)
            Reduced Formula: NaCl
            abc   :   4.000000   4.000000   4.000000
            angles:  90.000000  90.000000  90.000000
            Sites (2)
              #  SP      a    b    c
            ---  ----  ---  ---  ---
              0  Na    0    0    0
            """
        let short = #expect(throws: CrystalError.self) { try PymatgenTextParser.parse(header, id: "x") }
        #expect(malformedLine(short) == 9)
        let long = header + "\n  1  Cl    0.5  0.5  0.5\n  2  Cl    0.5  0.5  0"
        let extra = #expect(throws: CrystalError.self) { try PymatgenTextParser.parse(long, id: "x") }
        #expect(malformedLine(extra) == 10)
        let notPymatgen = #expect(throws: CrystalError.self) { try PymatgenTextParser.parse("data_x\n", id: "x") }
        #expect(malformedLine(notPymatgen) == 1)
    }

    @Test(arguments: [
        ("matbench-phonons-pymatviz/matbench-phonons.csv", "last phdos peak", 1265),
        ("matbench-jdft2d-zhangnjlab/matbench_jdft2d.csv", "exfoliation_en", 636),
    ])
    func matbenchCSVRowsParse(file: String, label: String, rows: Int) throws {
        var csv = CSVReader(ByteReader(try openByteSource(SharedData.path(file))))
        let header = try #require(try csv.next())
        let structureColumn = try #require(header.firstIndex(of: "structure"))
        let labelColumn = try #require(header.firstIndex(of: label))
        var count = 0
        var failures: [String] = []
        var formulaMismatches: [String] = []
        while let row = try csv.next() {
            count += 1
            guard row.count == header.count else {
                failures.append("line \(csv.recordLine): \(row.count) fields")
                continue
            }
            if Double(row[labelColumn]) == nil {
                failures.append("line \(csv.recordLine): label '\(row[labelColumn])'")
            }
            let text = row[structureColumn]
            #expect(StructureTextKind.detect(text) == .pymatgen)
            do {
                let crystal = try PymatgenTextParser.parse(text, id: "\(count - 1)")
                let stated = text.split(separator: "\n").first { $0.hasPrefix("Reduced Formula:") }
                    .map { $0.dropFirst("Reduced Formula:".count).trimmingCharacters(in: .whitespaces) }
                let sites = text.split(separator: "\n").first { $0.hasPrefix("Sites (") }
                #expect(sites == "Sites (\(crystal.sites.count))")
                if crystal.composition.reducedFormula != stated {
                    formulaMismatches.append(
                        "line \(csv.recordLine): \(crystal.composition.reducedFormula) ≠ \(stated ?? "none")")
                }
            } catch {
                failures.append("line \(csv.recordLine): \(error)")
            }
        }
        #expect(count == rows)
        #expect(failures.isEmpty, "\(failures.prefix(20))")
        #expect(formulaMismatches.isEmpty, "\(formulaMismatches.count) mismatches: \(formulaMismatches.prefix(30))")
    }
}

// MARK: - CSV

@Suite struct TextFormatCSVTests {
    @Test func quotesDoubledQuotesMultilineAndCRLF() throws {
        let text = "\u{FEFF}a,b,c\r\n1,\"x, y\",\"say \"\"hi\"\"\"\r\n2,\"line1\r\nline2\",\r\n\r\n3,,\n,\n\"\"\n"
        var csv = CSVReader(byteReader(text, bufferSize: 7))
        #expect(try csv.next() == ["a", "b", "c"])
        #expect(csv.recordLine == 1)
        #expect(try csv.next() == ["1", "x, y", "say \"hi\""])
        #expect(try csv.next() == ["2", "line1\nline2", ""])
        #expect(csv.recordLine == 3)
        #expect(try csv.next() == ["3", "", ""])
        #expect(csv.recordLine == 6)
        #expect(try csv.next() == ["", ""])
        #expect(try csv.next() == [""])
        #expect(try csv.next() == nil)
        #expect(try csv.next() == nil)
    }

    @Test func unterminatedQuoteReportsTheRecordStart() throws {
        var csv = CSVReader(byteReader("a,b\n1,\"open\nmore, text\n"))
        #expect(try csv.next() == ["a", "b"])
        let error = #expect(throws: CrystalError.self) { try csv.next() }
        guard case .malformed(let format, let line, _) = error else {
            Issue.record("expected .malformed, got \(String(describing: error))")
            return
        }
        #expect(format == "CSV")
        #expect(line == 2)
    }

    @Test func detectsStructureText() {
        #expect(StructureTextKind.detect("Full Formula (Na1 Cl1)\nReduced Formula: NaCl") == .pymatgen)
        #expect(StructureTextKind.detect("  \nFull Formula (Na1)") == .pymatgen)
        #expect(StructureTextKind.detect("# comment\ndata_NaCl\n_cell_length_a 5.64\n") == .cif)
        #expect(StructureTextKind.detect("data_NaCl\n_symmetry_space_group_name_H-M 'P 1'\n") == .unknown)
        #expect(StructureTextKind.detect("x_cell_length_a data_") == .unknown)
        #expect(StructureTextKind.detect("") == .unknown)
    }
}
