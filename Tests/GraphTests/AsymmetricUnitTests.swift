import Crystal
import Foundation
import Testing

@testable import Graph

@Suite struct AsymmetricUnitTests {
    @Test func spaceGroupsOfNamedCrystals() {
        let expected: [String: (Int32, String)] = [
            "Mo": (229, "Im-3m"), "NaCl": (225, "Fm-3m"), "CsCl": (221, "Pm-3m"), "SrTiO3": (221, "Pm-3m"),
            "P1": (1, "P1"),
        ]
        for crystal in NamedCrystals.all {
            guard let (number, symbol) = expected[crystal.id] else { continue }
            let graph = buildGraph(for: crystal, parameters: GraphParameters(spaceGroup: true))
            #expect(graph.spaceGroupNumber == number, "\(crystal.id)")
            #expect(buildGraph(for: crystal, parameters: GraphParameters()).spaceGroupNumber == 0)
            #expect(graph.spaceGroupSymbol == symbol, "\(crystal.id)")
        }
    }

    @Test func nodesAndMultiplicitiesFollowSpglibOrbits() throws {
        let parameters = GraphParameters(asymmetricUnit: true)
        let cases: [(Crystal, [Int32], [UInt8])] = [
            (NamedCrystals.rockSalt, [4, 4], [11, 17]),
            (NamedCrystals.strontiumTitanate, [1, 1, 3], [38, 22, 8]),
            (NamedCrystals.lowSymmetry, [1, 1, 1, 1], [3, 26, 15, 8]),
        ]
        for (crystal, multiplicities, numbers) in cases {
            let graph = buildGraph(for: crystal, parameters: parameters)
            #expect(graph.nodeMultiplicity == multiplicities, "\(crystal.id)")
            #expect(graph.nodeAtomicNumber == numbers, "\(crystal.id)")
            #expect(graph.nodeMultiplicity.reduce(0, +) == Int32(crystal.sites.count))
            // spglib's own dataset, asked directly.
            let symmetry = try #require(SymmetryAnalysis(crystal, symprec: 0.01, angleTolerance: 5))
            #expect(Set(symmetry.orbit).count == graph.nodeCount)
            #expect(graph.nodeAtomIndex.map { Int($0) } == Set(symmetry.orbit).sorted())
        }
    }

    @Test(arguments: NamedCrystals.all)
    func weightedMeanOverTheAsymmetricUnitEqualsTheFullCellMean(crystal: Crystal) {
        // A per-site value computed from the graph: the sum of 1/d over the 12 nearest neighbours.
        func perNode(_ graph: CrystalGraph) -> [Double] {
            var value = [Double](repeating: 0, count: graph.nodeCount)
            for e in 0..<graph.edgeCount { value[Int(graph.edgeDst[e])] += 1 / graph.edgeDistance[e] }
            return value
        }
        let full = buildGraph(for: crystal, parameters: GraphParameters(method: .knn, k: 12))
        let unit = buildGraph(for: crystal, parameters: GraphParameters(method: .knn, k: 12, asymmetricUnit: true))
        #expect(unit.nodeCount <= full.nodeCount)
        let fullMean = perNode(full).reduce(0, +) / Double(full.nodeCount)
        let weighted = zip(perNode(unit), unit.nodeMultiplicity).map { $0 * Double($1) }.reduce(0, +)
        let unitMean = weighted / Double(unit.nodeMultiplicity.reduce(0, +))
        #expect(abs(fullMean - unitMean) < 1e-9 * max(1, abs(fullMean)), "\(crystal.id)")
    }

    @Test func edgesIntoRepresentativesKeepRealOffsets() {
        // NaCl: the Na representative has 6 Cl at 2.82 Å; every source is the Cl node, every vector real.
        let graph = buildGraph(
            for: NamedCrystals.rockSalt, parameters: GraphParameters(method: .knn, k: 6, asymmetricUnit: true))
        #expect(graph.nodeCount == 2)
        let naEdges = (0..<graph.edgeCount).filter { graph.edgeDst[$0] == 0 }
        #expect(naEdges.count == 6)
        #expect(naEdges.allSatisfy { graph.edgeSrc[$0] == 1 && abs(graph.edgeDistance[$0] - 2.82) < 1e-9 })
        let sum = naEdges.map(graph.vector).reduce(SIMD3<Double>.zero, +)
        #expect(length(sum) < 1e-9)  // octahedron: the six offsets cancel
    }

    @Test func symmetryFailureFallsBackToTheFullCellWithANote() {
        // Two Na 0.3 Å apart are "too close" for spglib at a 0.5 Å tolerance: no dataset.
        let na = NamedCrystals.element("Na")
        let crystal = Crystal(
            id: "close", lattice: NamedCrystals.cubic(5),
            sites: [
                Site(na, .zero), Site(na, SIMD3(0.06, 0, 0)), Site(NamedCrystals.element("Cl"), SIMD3(0.5, 0.5, 0.5)),
            ])
        #expect(SymmetryAnalysis(crystal, symprec: 0.5, angleTolerance: 5) == nil)
        let graph = buildGraph(for: crystal, parameters: GraphParameters(asymmetricUnit: true, symprec: 0.5))
        #expect(graph.nodeCount == 3)
        #expect(graph.note.contains("full cell"))
        #expect(graph.spaceGroupNumber == 0)
    }
}
