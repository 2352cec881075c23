import Crystal
import Foundation
import Testing

@testable import Graph

@Suite struct NeighborTests {
    /// The neighbours of every atom, per the finder, keyed for comparison.
    func keys(_ list: [Neighbor]) -> [String] { list.map { "\($0.atom) \($0.image) \($0.distance)" } }

    @Test(arguments: NamedCrystals.all)
    func everyNeighborWithinTheCutoffIsFound(crystal: Crystal) {
        for cutoff in [2.5, 4.0, 8.0] {
            let finder = NeighborFinder(cutoff: cutoff, count: 100_000)
            let found = finder.neighbors(of: Array(crystal.sites.indices), in: crystal)
            for centre in crystal.sites.indices {
                let expected = bruteForceNeighbors(of: centre, in: crystal, cutoff: cutoff)
                #expect(keys(found[centre]) == keys(expected), "\(crystal.id) atom \(centre), cutoff \(cutoff)")
            }
        }
    }

    @Test(arguments: NamedCrystals.all)
    func radiusGraphKeepsTheTwelveNearest(crystal: Crystal) {
        let graph = buildGraph(for: crystal, parameters: GraphParameters(method: .radius))
        var offset = 0
        for centre in crystal.sites.indices {
            let expected = Array(bruteForceNeighbors(of: centre, in: crystal, cutoff: 8).prefix(12))
            let edges = offset..<(offset + expected.count)
            #expect(graph.edgeDst[edges].allSatisfy { $0 == Int32(centre) })
            #expect(Array(graph.edgeDistance[edges]) == expected.map(\.distance))
            #expect(Array(graph.edgeSrc[edges]) == expected.map(\.atom))
            #expect(edges.map(graph.image) == expected.map(\.image))
            offset += expected.count
        }
        #expect(offset == graph.edgeCount)
        #expect(graph.nodeMultiplicity.allSatisfy { $0 == 1 })
    }

    @Test func cgcnnCompatPadsAtomsWithFewNeighbours() {
        // In the slab, a 3 Å cutoff finds the in-plane neighbours only; CGCNN pads to 12 with atom 0 at 4 Å.
        let parameters = GraphParameters(cutoff: 3.5, cgcnnCompat: true)
        let graph = buildGraph(for: NamedCrystals.slab, parameters: parameters)
        #expect(graph.edgeCount == 24)
        let real = bruteForceNeighbors(of: 0, in: NamedCrystals.slab, cutoff: 3.5).count
        #expect(real < 12)
        #expect(Array(graph.edgeDistance[real..<12]) == Array(repeating: 4.5, count: 12 - real))
        #expect(graph.edgeSrc[real..<12].allSatisfy { $0 == 0 })
        #expect((real..<12).allSatisfy { graph.vector($0) == .zero })
        // Without padding, atoms keep only what they have.
        let unpadded = buildGraph(for: NamedCrystals.slab, parameters: GraphParameters(cutoff: 3.5))
        #expect(unpadded.edgeCount < 24)
    }

    @Test(arguments: NamedCrystals.all)
    func knnKeepsTiesAtTheKthDistance(crystal: Crystal) {
        let parameters = GraphParameters(method: .knn, k: 7)
        let graph = buildGraph(for: crystal, parameters: parameters)
        var offset = 0
        for centre in crystal.sites.indices {
            let all = bruteForceNeighbors(of: centre, in: crystal, cutoff: 20)
            let limit = all[6].distance + parameters.tieTolerance
            let expected = all.filter { $0.distance <= limit }
            #expect(expected.count >= 7)
            let edges = offset..<(offset + expected.count)
            #expect(Array(graph.edgeDistance[edges]) == expected.map(\.distance), "\(crystal.id) atom \(centre)")
            #expect(edges.map(graph.image) == expected.map(\.image))
            offset += expected.count
        }
        #expect(offset == graph.edgeCount)
        // bcc: 8 nearest at a√3/2, so k = 7 keeps all 8.
        if crystal.id == "Mo" { #expect(graph.edgeCount == 16) }
    }

    @Test func knnKeepsAShellSplitByRoundedCoordinates() {
        // hcp Mg as a structure file prints it: 1/3 and 2/3 to six decimals. Each atom's six nearest neighbours
        // (the atoms of the other layer, 3.197 Å) then lie 4 + 2 at distances 3·10⁻⁶ Å apart; the next
        // shell (in-plane, 3.21 Å) is 0.013 Å farther. k = 3 must keep the whole first shell.
        let lattice = Lattice(lengths: SIMD3(3.21, 3.21, 5.21), anglesInDegrees: SIMD3(90, 90, 120))
        let mg = NamedCrystals.element("Mg")
        let crystal = Crystal(
            id: "Mg", lattice: lattice,
            sites: [Site(mg, SIMD3(0.333333, 0.666667, 0.25)), Site(mg, SIMD3(0.666667, 0.333333, 0.75))])
        let all = bruteForceNeighbors(of: 0, in: crystal, cutoff: 4)
        #expect(all[5].distance - all[0].distance > 1e-6, "the rounding splits the shell")
        let graph = buildGraph(for: crystal, parameters: GraphParameters(method: .knn, k: 3))
        #expect(graph.edgeCount == 12)
        #expect(graph.edgeDistance.allSatisfy { abs($0 - 3.197) < 1e-3 })
    }

    @Test(arguments: NamedCrystals.all)
    func minImageKeepsOneEdgePerPair(crystal: Crystal) {
        let graph = buildGraph(for: crystal, parameters: GraphParameters(method: .minImage))
        var offset = 0
        for centre in crystal.sites.indices {
            var nearest: [Int32: Neighbor] = [:]
            for neighbor in bruteForceNeighbors(of: centre, in: crystal, cutoff: 8)
            where neighbor.atom != Int32(centre) && nearest[neighbor.atom] == nil {
                nearest[neighbor.atom] = neighbor
            }
            let expected = nearest.values.sorted(by: Neighbor.precedes).prefix(12)
            let edges = offset..<(offset + expected.count)
            #expect(Array(graph.edgeSrc[edges]) == expected.map(\.atom), "\(crystal.id) atom \(centre)")
            #expect(Array(graph.edgeDistance[edges]) == expected.map(\.distance))
            offset += expected.count
        }
        #expect(offset == graph.edgeCount)
        if crystal.id == "Po" { #expect(graph.edgeCount == 0) }
    }

    @Test func lineGraphAnglesAreBondAngles() {
        // CsCl: each Cs has 8 Cl at the cube corners; angles between them are 70.5°, 109.5° and 180°.
        let parameters = GraphParameters(method: .knn, k: 8, lineGraph: true)
        let graph = buildGraph(for: NamedCrystals.cesiumChloride, parameters: parameters)
        #expect(graph.edgeCount == 16)
        #expect(graph.tripletCount == 2 * 8 * 7)
        let degrees = Set(graph.tripletAngle.map { ($0 * 180 / .pi * 10).rounded() / 10 })
        #expect(degrees == [70.5, 109.5, 180])
        for t in 0..<graph.tripletCount {
            #expect(graph.edgeDst[Int(graph.tripletEdgeA[t])] == graph.edgeDst[Int(graph.tripletEdgeB[t])])
        }
    }

    @Test func parameterProblemsAreNamed() {
        #expect(GraphParameters(cutoff: -1).problem?.contains("--cutoff") == true)
        #expect(GraphParameters(method: .knn, cgcnnCompat: true).problem?.contains("--cgcnn-compat") == true)
        #expect(GraphParameters(cgcnnCompat: true, lineGraph: true).problem?.contains("--line-graph") == true)
        #expect(GraphParameters().problem == nil)
    }
}
