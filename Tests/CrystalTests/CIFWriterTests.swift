import Foundation
import Testing

@testable import Crystal

/// The signed volume (Å³) spanned by sites 1, 2 and 3 seen from site 0, in Cartesian coordinates: its sign
/// tells a structure from its mirror image.
private func handedness(_ crystal: Crystal) -> Double {
    let origin = crystal.cartesian(0)
    return dot(crystal.cartesian(1) - origin, cross(crystal.cartesian(2) - origin, crystal.cartesian(3) - origin))
}

/// A fully occupied site of element `symbol`.
private func site(_ symbol: String, _ f: SIMD3<Double>) -> Site {
    guard let element = Element(symbol: symbol) else { fatalError("not an element: \(symbol)") }
    return Site(element, f)
}

/// Whether two vectors agree within `tolerance` in every component.
private func close(_ u: SIMD3<Double>, _ v: SIMD3<Double>, _ tolerance: Double = 1e-8) -> Bool {
    let d = u - v
    return max(abs(d.x), abs(d.y), abs(d.z)) <= tolerance
}

@Suite struct CIFWriterTests {
    /// A triclinic cell with four atoms (two of one element), coordinates inside and outside [0, 1).
    static let triclinic = Crystal(
        id: "mp-1234 test",
        lattice: Lattice(lengths: SIMD3(4.1, 5.3, 6.7), anglesInDegrees: SIMD3(81, 97.5, 104)),
        sites: [
            site("Fe", SIMD3(0.1, 0.2, 0.3)),
            site("O", SIMD3(0.6, 0.15, 0.45)),
            site("O", SIMD3(1.25, -0.3, 0.9)),
            site("Li", SIMD3(0.35, 0.8, 0.05)),
        ])

    @Test func writesAP1BlockTheParserReadsBack() throws {
        let text = CIFWriter.write(Self.triclinic)
        #expect(text.hasPrefix("data_mp-1234_test\n"))
        #expect(text.contains("_symmetry_space_group_name_H-M 'P 1'"))
        #expect(text.contains("  O2  O  0.2500000000  0.7000000000  0.9000000000  1\n"))
        let back = try CIFParser.parseBlock(text)
        #expect(back.id == "mp-1234_test")
        #expect(close(back.lattice.lengths, Self.triclinic.lattice.lengths))
        #expect(close(back.lattice.anglesInDegrees, Self.triclinic.lattice.anglesInDegrees))
        #expect(back.sites.map(\.element) == Self.triclinic.sites.map(\.element))
        for (read, written) in zip(back.sites, Self.triclinic.sites) {
            let wrapped = written.fracCoords - written.fracCoords.rounded(.down)
            #expect(close(read.fracCoords, wrapped), "\(read) vs \(written)")
        }
        var wrapped = Self.triclinic
        wrapped.sites[2].fracCoords = SIMD3(0.25, 0.7, 0.9)
        #expect(abs(handedness(back) - handedness(wrapped)) < 1e-6)
    }

    @Test func leftHandedLatticesKeepTheirHandedness() throws {
        var mirrored = Self.triclinic
        mirrored.lattice = Lattice(a: -mirrored.lattice.a, b: -mirrored.lattice.b, c: -mirrored.lattice.c)
        #expect(mirrored.lattice.determinant < 0)
        // Every site inside (0, 1), so the written −f wraps to 1 − f: one common shift, distances unchanged.
        mirrored.sites[2].fracCoords = SIMD3(0.25, 0.7, 0.9)
        let back = try CIFParser.parseBlock(CIFWriter.write(mirrored))
        #expect(back.lattice.determinant > 0)
        #expect(abs(back.lattice.volume - mirrored.lattice.volume) < 1e-6)
        #expect(abs(handedness(back) - handedness(mirrored)) < 1e-6)
        for (read, written) in zip(back.sites, mirrored.sites) {
            #expect(close(read.fracCoords, SIMD3(repeating: 1) - written.fracCoords))
        }
    }

    /// The parser moves coordinates within a relative 10⁻⁴ of 1/3 or 2/3 onto them (as pymatgen does), so
    /// coordinates are compared within 10⁻⁴.
    @Test func everySharedCIFSurvivesWriteAndRead() throws {
        let folder = "cgcnn-sample/sample-regression"
        let names = try FileManager.default.contentsOfDirectory(atPath: SharedData.path(folder)).sorted()
        #expect(names.filter { $0.hasSuffix(".cif") }.count == 10)
        for name in names where name.hasSuffix(".cif") {
            let crystal = try CIFParser.parseBlock(try SharedData.text("\(folder)/\(name)"))
            let back = try CIFParser.parseBlock(CIFWriter.write(crystal))
            #expect(back.id == crystal.id)
            #expect(close(back.lattice.a, crystal.lattice.a) && close(back.lattice.c, crystal.lattice.c), "\(name)")
            #expect(back.sites.count == crystal.sites.count, "\(name)")
            for (read, written) in zip(back.sites, crystal.sites) {
                #expect(
                    read.element == written.element && close(read.fracCoords, written.fracCoords, 1e-4),
                    "\(name): \(read.fracCoords) vs \(written.fracCoords)")
            }
        }
    }
}
