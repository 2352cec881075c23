import Foundation
import Testing

@testable import Crystal

/// Inputs that libFuzzer found crashing or hanging a parser (scripts/fuzz), kept with the fix: each now gives a
/// one-line error.
@Suite struct FuzzRegressionTests {
    static func fixture(_ name: String) throws -> Data {
        try Data(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("Fixtures/fuzz/\(name)"))
    }

    /// fuzz-poscar, out of memory: an atom count of billions was allocated for before the file ran out of lines.
    @Test func aPOSCARCountPastTheEndOfTheFileIsAnError() throws {
        let text = String(decoding: try Self.fixture("poscar-count-past-the-end.vasp"), as: UTF8.self)
        #expect { try POSCARParser.parse(text, id: "fuzz") } throws: { error in
            "\(error)".contains("lines follow")
        }
        let huge = "x\n1.0\n4 0 0\n0 4 0\n0 0 4\nNa Cl\n9223372036854775807 9223372036854775807\nDirect\n0 0 0\n"
        #expect { try POSCARParser.parse(huge, id: "fuzz") } throws: { error in "\(error)".contains("lines follow") }
    }

    /// fuzz-pymatgen-json, timeout: a lattice vector of 1.9·10¹⁷ Å beside a 43 Å³ cell puts lattice planes
    /// 10⁻¹⁷ Å apart, and the overlap check scanned 10¹⁶ images along that axis.
    @Test func aCellWithPlanesAttometresApartIsRefused() throws {
        let bytes = [UInt8](try Self.fixture("json-thin-cell.json"))
        let record = PymatgenStructureDecoder.record(from: bytes, index: 0, name: nil, fields: [:], idField: nil)
        guard case .success(let crystal) = record.crystal else {
            Issue.record("the document should decode: \(record.crystal)")
            return
        }
        #expect { try crystal.validate() } throws: { error in
            guard case .thinCell(let spacing, _) = error as? CrystalError else { return false }
            return spacing < 1e-10 && "\(error)".contains("needs reducing (Niggli) first")
        }
    }

    /// A cell 10¹⁷ Å long is valid (its planes are far apart), and its neighbour search keeps a grid of a few
    /// bins instead of allocating 10¹¹.
    @Test func aVeryLongCellIsSearchedWithAFewBins() throws {
        let lattice = Lattice(rowMajor: [1e17, 0, 0, 0, 4, 0, 0, 0, 4])
        let (cs, cl) = (try #require(Element(symbol: "Cs")), try #require(Element(symbol: "Cl")))
        let crystal = Crystal(
            id: "long", lattice: lattice, sites: [Site(cs, SIMD3(0, 0, 0)), Site(cl, SIMD3(0, 0.5, 0.5))])
        try crystal.validate()
        let search = PeriodicNeighborSearch(lattice: lattice, fracCoords: crystal.sites.map(\.fracCoords), cutoff: 4.5)
        var found: [Double] = []
        search.forEachNeighbor(of: 0) { _, _, distance in found.append(distance) }
        // Cs at the origin: Cl at (0, 2, 2) Å and its images along y and z, Cs images 4 Å away.
        #expect(found.filter { abs($0 - 8.0.squareRoot()) < 1e-9 }.count == 4)
        #expect(found.filter { abs($0 - 4) < 1e-9 }.count == 4)
    }
}

extension FuzzRegressionTests {
    /// fuzz-pymatgen-text, a trap: a fractional coordinate of 1.1·10²⁶ overflowed the neighbour search's Int32
    /// image offsets during validation.
    @Test func aCoordinateFarOutsideTheCellIsRefused() throws {
        let text = String(decoding: try Self.fixture("pymatgen-text-coordinate-1e26.txt"), as: UTF8.self)
        do {
            let crystal = try PymatgenTextParser.parse(text, id: "fuzz")
            #expect { try crystal.validate() } throws: { error in
                guard case .farOutsideCell(let site, _) = error as? CrystalError else { return false }
                return site == 1 && "\(error)".contains("more than 1000000 cells away")
            }
        } catch {
            // A parser that refuses it outright is as good.
            #expect(error is CrystalError)
        }
    }
}

extension FuzzRegressionTests {
    /// fuzz-pymatgen-text, out of memory: 'Sites (211111111111111)' was allocated for before the table ran out.
    @Test func aSitesCountPastTheEndOfTheTableIsAnError() throws {
        let text = String(decoding: try Self.fixture("pymatgen-text-sites-count.txt"), as: UTF8.self)
        #expect { try PymatgenTextParser.parse(text, id: "fuzz") } throws: { error in
            "\(error)".contains("expected site 2, found")
        }
    }
}
