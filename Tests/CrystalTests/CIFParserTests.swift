import Foundation
import Testing

@testable import Crystal

/// pymatgen's reading of one shared CIF (`scripts/fixtures/cif_expected.py`).
private struct ExpectedCIF: Decodable {
    var atoms: Int
    var volume: Double
    var formula: String
}

/// Parses CIF text with `CIFParser`, failing the test with the error's description.
private func parse(_ text: String) throws -> Crystal { try CIFParser.parseBlock(text) }

/// The error `text` throws, or `nil`.
private func parseError(_ text: String) -> CrystalError? {
    do {
        _ = try CIFParser.parseBlock(text)
        return nil
    } catch {
        return error as? CrystalError
    }
}

/// Whether `error` is `.malformed`.
private func isMalformed(_ error: CrystalError?) -> Bool {
    if case .malformed = error { return true }
    return false
}

/// All blocks of `text`, cut by a `CIFBlockSplitter`.
private func splitBlocks(_ text: String) -> [String] {
    var splitter = CIFBlockSplitter()
    var blocks: [String] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        if let block = splitter.append(line) { blocks.append(block) }
    }
    if let block = splitter.finish() { blocks.append(block) }
    return blocks
}

/// A cubic cell of edge `a` with the given extra lines (symmetry loop, atom loop).
private func cubicCIF(name: String = "test", a: String = "4.0", _ body: String) -> String {
    """
    data_\(name)
    _cell_length_a \(a)
    _cell_length_b \(a)
    _cell_length_c \(a)
    _cell_angle_alpha 90
    _cell_angle_beta 90
    _cell_angle_gamma 90
    \(body)
    """
}

@Suite struct CIFSharedDataTests {
    /// The pymatgen fixture, keyed by path relative to the shared data folder.
    private static func expected() throws -> [String: ExpectedCIF] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/cif-expected.json")
        return try JSONDecoder().decode([String: ExpectedCIF].self, from: Data(contentsOf: url))
    }

    @Test func everySharedCIFMatchesPymatgen() throws {
        let expected = try Self.expected()
        #expect(expected.count == 110)
        #expect(expected.keys.filter { $0.hasPrefix("cgcnn-sample/sample-regression/") }.count == 10)
        for (path, want) in expected.sorted(by: { $0.key < $1.key }) {
            let crystal: Crystal
            do {
                crystal = try parse(try SharedData.text(path))
            } catch {
                Issue.record("\(path): \(error)")
                continue
            }
            #expect(crystal.sites.count == want.atoms, "\(path)")
            #expect(abs(crystal.lattice.volume / want.volume - 1) < 1e-3, "\(path)")
            #expect(crystal.composition.reducedFormula == want.formula, "\(path)")
            #expect(crystal.sites.allSatisfy { all($0.fracCoords .>= 0) && all($0.fracCoords .< 1) }, "\(path)")
            #expect(
                crystal.id == URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
                    || path.hasPrefix("mt-cgcnn"), "\(path)")
        }
    }

    @Test func splitterFindsOneBlockPerSharedFile() throws {
        for path in try Self.expected().keys.sorted().prefix(20) {
            let text = try SharedData.text(path)
            let blocks = splitBlocks(text)
            #expect(blocks.count == 1, "\(path)")
            let whole = try parse(text)
            #expect(try blocks.map(parse) == [whole], "\(path)")
        }
    }

    @Test func windowsLineEndingsReadTheSame() throws {
        for path in ["cgcnn-sample/sample-regression/1000041.cif", "cgcnn-sample/sample-regression/7206075.cif"] {
            let text = try SharedData.text(path)
            let crlf = text.replacingOccurrences(of: "\n", with: "\r\n")
            #expect(try parse(crlf) == parse(text), "\(path)")
        }
    }

    @Test func codSodiumChlorideExpandsToEightAtoms() throws {
        let crystal = try parse(try SharedData.text("cgcnn-sample/sample-regression/1000041.cif"))
        #expect(crystal.id == "1000041")
        #expect(crystal.composition.formula == "Na4 Cl4")
        #expect(abs(crystal.lattice.lengths.x - 5.62) < 1e-12)
        let sodium = crystal.sites.filter { $0.element.symbol == "Na" }.map(\.fracCoords)
        for corner in [SIMD3<Double>(0, 0, 0), SIMD3(0, 0.5, 0.5), SIMD3(0.5, 0, 0.5), SIMD3(0.5, 0.5, 0)] {
            #expect(sodium.contains(corner))
        }
    }
}

@Suite struct CIFSyntaxTests {
    @Test func uncertaintyBracketsAreDropped() throws {
        let crystal = try parse(
            cubicCIF(
                a: "3.634(4)",
                """
                loop_
                _atom_site_label
                _atom_site_fract_x
                _atom_site_fract_y
                _atom_site_fract_z
                _atom_site_occupancy
                K1 0.1250(12) -0.25(3) 0.5 1.000(2)
                """))
        #expect(crystal.lattice.lengths.x == 3.634)
        #expect(crystal.sites == [Site(try #require(Element(symbol: "K")), SIMD3(0.125, 0.75, 0.5))])
    }

    @Test func quotedValuesCommentsAndNullsAreRead() throws {
        let crystal = try parse(
            """
            # a comment before the block
            data_quoted   # trailing comment
            _chemical_name_systematic 'Sodium chloride, it''s salt'
            _symmetry_space_group_name_H-M "P m -3 m"
            _computing_data_collection X'Pert
            _journal_name_full ?
            _cell_length_a 4.0
            _cell_length_b '4.0'
            _cell_length_c 4.0
            _cell_angle_alpha 90 _cell_angle_beta 90 _cell_angle_gamma 90
            loop_
            _symmetry_equiv_pos_site_id
            _symmetry_equiv_pos_as_xyz
            1 '+x, +y, +z'
            2 "-x, -y, -z"
            loop_
            _atom_site_label
            _atom_site_type_symbol
            _atom_site_fract_x
            _atom_site_fract_y
            _atom_site_fract_z
            _atom_site_occupancy
            'Na 1' .  0.0 0.0 0.0 ?
            Cl1 Cl1- 0.5 0.5 0.5 .
            """)
        #expect(crystal.id == "quoted")
        #expect(crystal.composition.formula == "Na1 Cl1")
    }

    @Test func semicolonTextFieldsMayHoldDataLines() throws {
        let text = cubicCIF(
            """
            _publ_section_title
            ;
            data_not_a_block
            loop_ 'and other words'
            ;
            _publ_section_comment
            ;A field that starts on the semicolon line
            ;
            loop_
            _atom_site_label
            _atom_site_fract_x
            _atom_site_fract_y
            _atom_site_fract_z
            Fe1 0 0 0
            """)
        #expect(splitBlocks(text).count == 1)
        let crystal = try parse(text)
        #expect(crystal.sites.count == 1)
        #expect(crystal.sites[0].element.symbol == "Fe")
    }

    @Test func splitterCutsMultiBlockFiles() throws {
        let atoms = """
            loop_
            _atom_site_label
            _atom_site_fract_x
            _atom_site_fract_y
            _atom_site_fract_z
            """
        let text = [
            "#\\#CIF_1.1\nsome preamble that is ignored",
            cubicCIF(name: "first", "\(atoms)\nCu1 0 0 0"),
            cubicCIF(name: "second", "_note\n;\ndata_inside_text\n;\n\(atoms)\nAg1 0 0 0\nAg2 0.5 0.5 0.5"),
            "  DATA_third\n"
                + cubicCIF(name: "unused", atoms).split(separator: "\n").dropFirst().joined(separator: "\n")
                + "\nAu1 0 0 0",
        ].joined(separator: "\n")
        let blocks = splitBlocks(text)
        #expect(blocks.count == 3)
        #expect(blocks.first?.hasPrefix("data_first\n") == true)
        let crystals = try blocks.map(parse)
        #expect(crystals.map(\.id) == ["first", "second", "third"])
        #expect(crystals.map(\.sites.count) == [1, 2, 1])
        // The whole file is not one block.
        #expect(isMalformed(parseError(text)))
    }

    @Test func splitterLineNumbers() {
        var splitter = CIFBlockSplitter()
        var starts: [Int] = []
        for line in ["junk", "data_a", "x", "data_b", "y"] where splitter.append(line[...]) != nil {
            starts.append(splitter.lastBlockStartLine)
        }
        if splitter.finish() != nil { starts.append(splitter.lastBlockStartLine) }
        #expect(starts == [2, 4])
        #expect(splitter.lineNumber == 5)
        var empty = CIFBlockSplitter()
        #expect(empty.append("no blocks here") == nil)
        #expect(empty.finish() == nil)
    }

    @Test func dottedTagsAndUppercaseAreAccepted() throws {
        let crystal = try parse(
            """
            DATA_ddlm
            _cell.length_a 4 _cell.length_b 4 _cell.length_c 4
            _CELL.ANGLE_ALPHA 90 _cell.angle_beta 90 _cell.angle_gamma 90
            LOOP_
            _space_group_symop.operation_xyz
            x,y,z
            -X,-Y,-Z
            loop_
            _atom_site.type_symbol
            _atom_site.fract_x
            _atom_site.fract_y
            _atom_site.fract_z
            MG 0.25 0.25 0.25
            """)
        #expect(crystal.id == "ddlm")
        #expect(crystal.sites.map(\.fracCoords) == [SIMD3(0.25, 0.25, 0.25), SIMD3(0.75, 0.75, 0.75)])
        #expect(crystal.sites.allSatisfy { $0.element.symbol == "Mg" })
    }
}

@Suite struct CIFSymmetryTests {
    private func operation(_ text: String) -> SymmetryOperation? {
        var text = text
        return text.withUTF8 { SymmetryOperation(parsing: $0) }
    }

    @Test(arguments: [
        ("x,y,z", SIMD3<Double>(0.1, 0.2, 0.3)),
        ("-x+1/2,y,-z", SIMD3(0.4, 0.2, -0.3)),
        ("x-y,x,z+1/3", SIMD3(-0.1, 0.1, 0.3 + 1.0 / 3)),
        ("'+x, +y, +z'", SIMD3(0.1, 0.2, 0.3)),
        ("+x, +y, +z", SIMD3(0.1, 0.2, 0.3)),
        ("1/2+x,1/2-y,-z", SIMD3(0.6, 0.3, -0.3)),
        ("-y+x, Y, 0.5+Z", SIMD3(-0.1, 0.2, 0.8)),
        ("0.25-x, y-0.5, -1*z", SIMD3(0.15, -0.3, -0.3)),
        ("x, 2*x-y, -z+3/4", SIMD3(0.1, 0.0, 0.45)),
    ])
    func jonesFaithfulForms(text: String, image: SIMD3<Double>) throws {
        let stripped = text.hasPrefix("'") ? String(text.dropFirst().dropLast()) : text
        let op = try #require(operation(stripped))
        let result = op.apply(SIMD3(0.1, 0.2, 0.3))
        #expect(length(result - image) < 1e-12, "\(text) → \(result)")
    }

    @Test(arguments: ["", "x,y", "x,y,z,x", "x,y,q", "x,x,z", "x,y,z+", "x,,z", "1/0+x,y,z", "x y z"])
    func badOperationsAreRejected(text: String) {
        #expect(operation(text) == nil, "\(text)")
    }

    @Test func rockSaltFromFaceCentringAndInversion() throws {
        let crystal = try parse(
            cubicCIF(
                a: "5.64",
                """
                loop_
                _symmetry_equiv_pos_as_xyz
                x,y,z
                x,1/2+y,1/2+z
                1/2+x,y,1/2+z
                1/2+x,1/2+y,z
                -x,-y,-z
                -x,1/2-y,1/2-z
                1/2-x,-y,1/2-z
                1/2-x,1/2-y,-z
                y,z,x
                loop_
                _atom_site_label
                _atom_site_type_symbol
                _atom_site_fract_x
                _atom_site_fract_y
                _atom_site_fract_z
                _atom_site_occupancy
                Na1 Na1+ 0 0 0 1
                Cl1 Cl1- 0.5 0.5 0.5 1
                """))
        #expect(crystal.sites.count == 8)
        #expect(crystal.composition.formula == "Na4 Cl4")
        #expect(crystal.composition.reducedFormula == "NaCl")
        let chlorine = Set(crystal.sites.filter { $0.element.symbol == "Cl" }.map(\.fracCoords))
        #expect(chlorine == [SIMD3(0.5, 0.5, 0.5), SIMD3(0.5, 0, 0), SIMD3(0, 0.5, 0), SIMD3(0, 0, 0.5)])
    }

    @Test func imagesMergeAcrossTheCellBoundaryWithinTolerance() throws {
        // -x of 0.00001 is 0.99999 after wrapping: 4e-5 Å away from the original, so one atom, not two.
        let crystal = try parse(
            cubicCIF(
                """
                loop_
                _symmetry_equiv_pos_as_xyz
                x,y,z
                -x,-y,-z
                loop_
                _atom_site_type_symbol
                _atom_site_fract_x
                _atom_site_fract_y
                _atom_site_fract_z
                Si 0.00001 0.5 -0.5
                Si 0.25 0.25 0.25
                """))
        #expect(crystal.sites.count == 3)
        #expect(crystal.sites[0].fracCoords == SIMD3(0.00001, 0.5, 0.5))
    }

    @Test func hexagonalThirdsAreIdealised() throws {
        // Wurtzite written with 4-digit thirds: the six-fold screw maps 0.3333 onto 0.6667 - 1/3 images.
        let crystal = try parse(try SharedData.text("cgcnn-sample/sample-regression/1101051.cif"))
        #expect(crystal.sites.count == 4)
        #expect(crystal.sites.contains { $0.fracCoords.x == 1.0 / 3 && $0.fracCoords.y == 2.0 / 3 })
    }
}

@Suite struct CIFElementAndOccupancyTests {
    private func atoms(_ rows: String, tags: [String] = ["label", "type_symbol"]) -> String {
        let header = (tags + ["fract_x", "fract_y", "fract_z"]).map { "_atom_site_\($0)" }.joined(separator: "\n")
        return cubicCIF("loop_\n\(header)\n\(rows)")
    }

    @Test func elementsFromSymbolsAndLabels() throws {
        let fromSymbols = try parse(atoms("a Fe3+ 0 0 0\nb O2- 0.5 0 0\nc ba 0 0.5 0\nd CL 0 0 0.5"))
        #expect(fromSymbols.sites.map(\.element.symbol) == ["Fe", "O", "Ba", "Cl"])
        let fromLabels = try parse(
            atoms("Fe1 0 0 0\nO2a 0.5 0 0\nOW1 0 0.5 0\nSn 0 0 0.5\nC12 0.5 0.5 0", tags: ["label"]))
        #expect(fromLabels.sites.map(\.element.symbol) == ["Fe", "O", "O", "Sn", "C"])
    }

    @Test func unknownElementsAreNamed() {
        #expect(parseError(atoms("X1 Xx 0 0 0")) == .unknownElement("Xx"))
        #expect(parseError(atoms("Xx1 0 0 0", tags: ["label"])) == .unknownElement("Xx"))
        #expect(parseError(atoms("123 0 0 0", tags: ["label"])) == .unknownElement("123"))
    }

    @Test func partialOccupancyIsRejected() throws {
        let text = atoms("Na1 Na 1.0 0 0 0\nFe1 Fe 0.50(2) 0.5 0.5 0.5", tags: ["label", "type_symbol", "occupancy"])
        let error = try #require(parseError(text))
        guard case .partialOccupancy(let site, let detail) = error else {
            Issue.record("expected partialOccupancy, got \(error)")
            return
        }
        #expect(site == 1)
        #expect(detail.contains("Fe1") && detail.contains("0.50(2)"))
        // Within the 0.01 tolerance: accepted.
        #expect(throws: Never.self) {
            try parse(self.atoms("Na1 Na 0.995 0 0 0", tags: ["label", "type_symbol", "occupancy"]))
        }
    }

    @Test func twoElementsOnOnePositionAreRejected() throws {
        let error = try #require(parseError(atoms("Ti1 Ti 0 0 0\nZr1 Zr 0 0 1.000001")))
        guard case .partialOccupancy(let site, let detail) = error else {
            Issue.record("expected partialOccupancy, got \(error)")
            return
        }
        #expect(site == 1)
        #expect(detail.contains("Ti1") && detail.contains("Zr1"))
    }
}

@Suite struct CIFErrorTests {
    private let atomLoop = """
        loop_
        _atom_site_label
        _atom_site_fract_x
        _atom_site_fract_y
        _atom_site_fract_z
        Fe1 0 0 0
        """

    @Test func missingCellIsMalformed() {
        let error = parseError("data_nocell\n_cell_length_a 3\n_cell_length_b 3\n\(atomLoop)")
        #expect(error == .malformed(format: "CIF", line: nil, message: "no unit cell: _cell_length_c is missing"))
        #expect(isMalformed(parseError(cubicCIF(a: "?", atomLoop))))
        #expect(isMalformed(parseError(cubicCIF(a: "-3", atomLoop))))
        #expect(isMalformed(parseError(cubicCIF(a: "abc", atomLoop))))
        #expect(parseError(cubicCIF(a: "1e999", atomLoop)) == .nonFinite("unit cell parameters"))
        let flat = cubicCIF(atomLoop).replacingOccurrences(of: "_cell_angle_gamma 90", with: "_cell_angle_gamma 179.99")
        #expect(
            isMalformed(parseError(flat.replacingOccurrences(of: "_cell_angle_alpha 90", with: "_cell_angle_alpha 30")))
        )
    }

    @Test func missingAtomsAreMalformed() {
        #expect(isMalformed(parseError(cubicCIF("_chemical_name_common salt"))))
        let cartesian = cubicCIF(
            "loop_\n_atom_site_label\n_atom_site_Cartn_x\n_atom_site_Cartn_y\n_atom_site_Cartn_z\nFe 0 0 0")
        guard case .malformed(_, _, let message) = parseError(cartesian) else {
            Issue.record("expected malformed")
            return
        }
        #expect(message.contains("Cartesian"))
        #expect(
            parseError(cubicCIF("loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z"))
                == .noAtoms)
    }

    @Test func truncatedLoopIsMalformed() {
        let error = parseError(cubicCIF(atomLoop + "\nO1 0.5 0.5"))
        guard case .malformed(_, let line, let message) = error else {
            Issue.record("expected malformed, got \(String(describing: error))")
            return
        }
        #expect(line == 8)
        #expect(message.contains("4 tags") && message.contains("7 values"))
    }

    @Test func syntaxErrorsAreMalformed() {
        let cases = [
            "",
            "   # only a comment\n",
            "_cell_length_a 3\ndata_late",
            cubicCIF("_tag_without_value\n" + atomLoop),
            cubicCIF("loop_\n" + atomLoop),  // loop_ with no tags, then the atom loop
            cubicCIF("_note 'unterminated\n" + atomLoop),
            cubicCIF("_note\n;\nnever closed\n" + atomLoop),
            cubicCIF("stray_value\n" + atomLoop),
            cubicCIF("loop_\n_symmetry_equiv_pos_as_xyz\nx,y\n" + atomLoop),
            cubicCIF(atomLoop.replacingOccurrences(of: "Fe1 0 0 0", with: "Fe1 0 ? 0")),
        ]
        for text in cases {
            #expect(isMalformed(parseError(text)), "\(text.prefix(60))")
        }
    }

    @Test func garbageNeverCrashes() {
        var generator = SplitMix64(seed: 42)
        for length in [1, 7, 100, 4096] {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            #expect(isMalformed(parseError(String(decoding: bytes, as: UTF8.self))))
        }
        #expect(isMalformed(parseError("\0\u{1}\u{FFFD};\n;")))
    }

    @Test func everyTruncationOrCorruptionFailsCleanly() throws {
        let text = try SharedData.text("cgcnn-sample/sample-regression/1101051.cif")
        let bytes = Array(text.utf8)
        var generator = SplitMix64(seed: 7)
        for end in stride(from: 0, through: bytes.count, by: 3) {
            expectCleanResult(String(decoding: bytes[..<end], as: UTF8.self))
        }
        let specials = Array("';\"#_?.()/,+-x\n ".utf8)
        for _ in 0..<500 {
            var corrupted = bytes
            for _ in 0..<3 {
                let position = Int(generator.next() % UInt64(corrupted.count))
                corrupted[position] = specials[Int(generator.next() % UInt64(specials.count))]
            }
            expectCleanResult(String(decoding: corrupted, as: UTF8.self))
        }
    }

    /// Parsing `text` either succeeds with finite coordinates in [0, 1) or throws a `CrystalError`.
    private func expectCleanResult(_ text: String) {
        do {
            let crystal = try CIFParser.parseBlock(text)
            #expect(crystal.lattice.isFinite)
            #expect(crystal.sites.allSatisfy { all($0.fracCoords .>= 0) && all($0.fracCoords .< 1) })
        } catch {
            #expect(error is CrystalError)
        }
    }
}

@Suite struct CIFNumberTests {
    private func number(_ text: String) -> Double? {
        var text = text
        return text.withUTF8 { CIFNumber.parse($0, 0, $0.count) }
    }

    @Test func forms() {
        #expect(number("12") == 12)
        #expect(number("-0.5") == -0.5)
        #expect(number("+.25") == 0.25)
        #expect(number("3.") == 3)
        #expect(number("1.234(5)") == 1.234)
        #expect(number("0.3748(12)") == 0.3748)
        #expect(number("6.02e23") == 6.02e23)
        #expect(number("1E-3") == 0.001)
        #expect(number("1.5e+2(3)") == 150)
        #expect(number("0.000000") == 0)
        for bad in [
            "", ".", "-", "abc", "1.2.3", "1.2(", "1.2()", "(5)", "1e", "1e+", "nan", "inf", "0x10", "1,5", "1 2",
        ] {
            #expect(number(bad) == nil, "\(bad)")
        }
    }

    @Test func agreesWithTheStandardLibrary() {
        var generator = SplitMix64(seed: 1)
        for _ in 0..<20000 {
            let digits = Int(generator.next() % 20) + 1
            var text = String((0..<digits).map { _ in Character(String(generator.next() % 10)) })
            let point = Int(generator.next() % UInt64(digits + 1))
            text.insert(".", at: text.index(text.startIndex, offsetBy: point))
            if generator.next() % 3 == 0 { text += "e\(Int(generator.next() % 60) - 30)" }
            if generator.next() % 2 == 0 { text = "-" + text }
            guard text.contains(where: \.isNumber), let want = Double(text) else { continue }
            #expect(number(text) == want, "\(text)")
        }
    }
}
