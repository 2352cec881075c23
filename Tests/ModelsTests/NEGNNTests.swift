import Crystal
import Foundation
import Graph
import Models
import NN
import Tensor
import Testing

/// NEGNN (Kong and others, 2024) on tiny inputs: the encoder's invariance to the cell chosen, the predictive
/// pretext's masks and bins, the contrastive pretext's attribute masking, GraphCL by hand, ridge regression,
/// and the periodic-table positions the predictive pretext names.
@Suite struct NEGNNTests {
    /// A CGCNN batch of `crystals` with features [Z/10, 1, Z mod 2, 0.5] per atom, edges of `parameters`.
    static func batch(_ crystals: [Crystal], parameters: GraphParameters) -> GraphBatch {
        var features: [Float] = []
        var src: [Int32] = []
        var dst: [Int32] = []
        var distances: [Double] = []
        var crystalOffsets = [0]
        for crystal in crystals {
            let graph = buildGraph(for: crystal, parameters: parameters)
            let base = Int32(crystalOffsets[crystalOffsets.count - 1])
            for z in graph.nodeAtomicNumber { features += [Float(z) / 10, 1, Float(z % 2), 0.5] }
            src += graph.edgeSrc.map { $0 + base }
            dst += graph.edgeDst.map { $0 + base }
            distances += graph.edgeDistance
            crystalOffsets.append(crystalOffsets[crystalOffsets.count - 1] + graph.nodeCount)
        }
        let atoms = crystalOffsets[crystalOffsets.count - 1]
        var edgeOffsets = [Int](repeating: 0, count: atoms + 1)
        for d in dst { edgeOffsets[Int(d) + 1] += 1 }
        for a in 0..<atoms { edgeOffsets[a + 1] += edgeOffsets[a] }
        return GraphBatch(
            atomFeatures: Tensor(shape: [atoms, 4], values: features), edgeSrc: src, edgeDst: dst,
            edgeOffsets: edgeOffsets, edgeDistance: distances, crystalOffsets: crystalOffsets)
    }

    static func cesiumChloride() throws -> Crystal {
        Crystal(
            id: "CsCl", lattice: Lattice(rowMajor: [4.1, 0, 0, 0, 4.1, 0, 0, 0, 4.1]),
            sites: [
                Site(try #require(Element(symbol: "Cs")), SIMD3(0, 0, 0)),
                Site(try #require(Element(symbol: "Cl")), SIMD3(0.5, 0.5, 0.5)),
            ])
    }

    static var encoderConfiguration: NEGNNEncoder.Configuration {
        var c = NEGNNEncoder.Configuration(atomFeatures: 4)
        c.width = 8
        c.convolutions = 2
        return c
    }

    /// Every atom of a supercell sees what its original saw, so mean-pooled embeddings of every layer agree:
    /// what makes supercells a label-preserving view for the contrastive pretext.
    @Test func encoderGivesTheSameCrystalEmbeddingForASupercell() throws {
        let crystal = try Self.cesiumChloride()
        // Every neighbour within 6 Å (no cap), so no tie at the cap can pick different neighbours.
        let parameters = GraphParameters(cutoff: 6, maxNeighbors: 1000)
        let encoder = NEGNNEncoder(Self.encoderConfiguration)
        let (weights, initialBuffers) = encoder.initialize(seed: 4)
        var buffers = initialBuffers
        let unit = Self.batch([crystal], parameters: parameters)
        let big = Self.batch([crystal.supercell(SIMD3(1, 2, 2))], parameters: parameters)
        #expect(big.atomFeatures.shape[0] == 8)
        let a = encoder.atomLayers(
            unit, edgeFeatures: encoder.edgeFeatures(unit), weights, buffers: &buffers, training: false)
        let b = encoder.atomLayers(
            big, edgeFeatures: encoder.edgeFeatures(big), weights, buffers: &buffers, training: false)
        #expect(a.count == 3 && b.count == 3)
        for (l, (x, y)) in zip(a, b).enumerated() {
            let meanX = x.segmentMean(offsets: unit.crystalOffsets).values
            let meanY = y.segmentMean(offsets: big.crystalOffsets).values
            #expect(zip(meanX, meanY).allSatisfy { abs($0 - $1) < 1e-4 }, "layer \(l): \(meanX) vs \(meanY)")
        }
        // The supercell holds 4 copies of each site, in order, at the right fractional coordinates.
        let sc = crystal.supercell(SIMD3(1, 2, 2))
        #expect(sc.sites.map(\.element.symbol) == ["Cs", "Cl", "Cs", "Cl", "Cs", "Cl", "Cs", "Cl"])
        #expect(sc.sites[3].fracCoords == SIMD3(0.5, 0.25, 0.75))
        #expect(abs(sc.lattice.b.y - 8.2) < 1e-12)
    }

    @Test func predictiveMaskHidesMaskedAtomsAndTheirEdgesAndBinsDistances() throws {
        let parameters = GraphParameters(cutoff: 5, maxNeighbors: 4)
        let crystal = try Self.cesiumChloride()
        let batch = Self.batch([crystal, crystal], parameters: parameters)
        var configuration = NEGNNPredictive.Configuration(features: 4)
        configuration.encoder = Self.encoderConfiguration
        let model = NEGNNPredictive(configuration)
        let masked = model.mask(batch, maskedAtoms: [1])
        let width = 4
        for a in 0..<4 {
            let row = Array(masked.batch.atomFeatures.values[(a * width)..<((a + 1) * width)])
            let original = Array(batch.atomFeatures.values[(a * width)..<((a + 1) * width)])
            #expect(row == (a == 1 ? [0, 0, 0, 0] : original), "atom \(a)")
        }
        let touching = batch.edgeSrc.indices.filter { batch.edgeSrc[$0] == 1 || batch.edgeDst[$0] == 1 }
        #expect(masked.maskedEdges == touching.map(Int32.init) && !touching.isEmpty)
        let bins = masked.edgeFeatures.shape[1]
        let plain = model.encoder.edgeFeatures(batch)
        for e in batch.edgeSrc.indices {
            let row = Array(masked.edgeFeatures.values[(e * bins)..<((e + 1) * bins)])
            let original = Array(plain.values[(e * bins)..<((e + 1) * bins)])
            #expect(row == (touching.contains(e) ? [Float](repeating: 0, count: bins) : original), "edge \(e)")
        }
        // Bins are the nearest 0.2 Å centre of 0…8 Å, clamped.
        #expect([0, 0.09, 0.11, 2.0, 3.55, 8.0, 9.0, -1].map(model.bin(of:)) == [0, 0, 1, 10, 18, 40, 40, 0])
        // Cs: group 1, period 6; the loss is finite and its parts named.
        let (weights, initialBuffers) = model.initialize(seed: 2)
        var buffers = initialBuffers
        let terms = model.loss(
            masked.batch, edgeFeatures: masked.edgeFeatures, maskedAtoms: [1], groups: [16], periods: [2],
            maskedEdges: masked.maskedEdges, weights, buffers: &buffers, training: true)
        #expect(terms.total.values[0].isFinite)
        #expect(Set(terms.losses.keys) == ["group", "period", "bond"])
        #expect(terms.hits["bond"]?.count == touching.count)
    }

    @Test func contrastiveMaskingReplacesTheRightCountOfRowsByTheCrystalMean() throws {
        // 20 neighbours span three shells, so no edge row (nor atom row) equals its crystal's mean.
        let parameters = GraphParameters(cutoff: 6, maxNeighbors: 20)
        let crystal = try Self.cesiumChloride()
        let batch = Self.batch([crystal.supercell(SIMD3(2, 2, 2)), crystal], parameters: parameters)
        var configuration = NEGNNContrastive.Configuration(features: 4)
        configuration.encoder = Self.encoderConfiguration
        let model = NEGNNContrastive(configuration)
        var generators = [SeededGenerator(seed: 1), SeededGenerator(seed: 2)]
        let masked = model.maskAttributes(batch, fraction: 0.2, using: &generators)
        let plainEdges = model.encoder.edgeFeatures(batch)
        for c in 0..<2 {
            let atoms = batch.crystalOffsets[c]..<batch.crystalOffsets[c + 1]
            let edges = batch.edgeOffsets[atoms.lowerBound]..<batch.edgeOffsets[atoms.upperBound]
            for (values, original, rows, width) in [
                (masked.batch.atomFeatures.values, batch.atomFeatures.values, atoms, 4),
                (masked.edgeFeatures.values, plainEdges.values, edges, plainEdges.shape[1]),
            ] {
                var mean = [Float](repeating: 0, count: width)
                for r in rows { for f in 0..<width { mean[f] += original[r * width + f] / Float(rows.count) } }
                let changed = rows.filter { r in
                    (0..<width).contains { values[r * width + $0] != original[r * width + $0] }
                }
                let isMean = { (r: Int) in (0..<width).allSatisfy { abs(values[r * width + $0] - mean[$0]) < 1e-5 } }
                #expect(changed.count == min(rows.count, Int(0.2 * Double(rows.count)) + 1), "crystal \(c)")
                #expect(changed.allSatisfy(isMean), "crystal \(c)")
            }
        }
    }

    @Test func graphCLEqualsAHandComputation() {
        let z1: [[Double]] = [[1, 0], [0, 2], [1, 1]]
        let z2: [[Double]] = [[1, 1], [3, 1], [-1, 2]]
        let tau = 0.1
        func unit(_ v: [Double]) -> [Double] {
            let n = (v[0] * v[0] + v[1] * v[1]).squareRoot()
            return v.map { $0 / n }
        }
        var total = 0.0
        for i in 0..<3 {
            let s = (0..<3).map { j in zip(unit(z1[i]), unit(z2[j])).map(*).reduce(0, +) / tau }
            let negatives = (0..<3).filter { $0 != i }.map { exp(s[$0]) }.reduce(0, +)
            total += -log(exp(s[i]) / negatives)
        }
        let loss = Loss.graphCL(
            Tensor<Double>(shape: [3, 2], values: z1.flatMap { $0 }),
            Tensor<Double>(shape: [3, 2], values: z2.flatMap { $0 }), temperature: tau)
        #expect(abs(loss.values[0] - total / 3) < 1e-9, "\(loss.values[0]) vs \(total / 3)")
    }

    @Test func ridgeRegressionRecoversALinearFunctionAndShrinksWithLambda() {
        var generator = SeededGenerator(seed: 8)
        let n = 40
        let x = (0..<(n * 3)).map { _ in Double.random(in: -1...1, using: &generator) }
        let truth: [Double] = [2, -3, 0.5]
        let y = (0..<n).map { i -> Double in (0..<3).reduce(1.0) { $0 + truth[$1] * x[i * 3 + $1] } }
        let ridge = RidgeRegression(x: x, y: y, columns: 3)
        let exact = ridge.solve(lambda: 1e-9)
        #expect(zip(exact.weights, truth).allSatisfy { abs($0 - $1) < 1e-6 }, "\(exact.weights)")
        #expect(abs(exact.bias - 1) < 1e-6)
        let shrunk = ridge.solve(lambda: 1e3)
        #expect(shrunk.weights.map(abs).reduce(0, +) < 0.5)
    }

    @Test func groupsAndPeriodsOfThePeriodicTable() throws {
        let expected: [(String, Int?, Int)] = [
            ("H", 1, 1), ("He", 18, 1), ("Li", 1, 2), ("C", 14, 2), ("Ne", 18, 2), ("Al", 13, 3), ("K", 1, 4),
            ("Fe", 8, 4), ("Kr", 18, 4), ("Ag", 11, 5), ("Cs", 1, 6), ("La", 3, 6), ("Ce", nil, 6), ("Lu", nil, 6),
            ("Hf", 4, 6), ("Rn", 18, 6), ("Ac", 3, 7), ("U", nil, 7), ("Lr", nil, 7),
        ]
        for (symbol, group, period) in expected {
            let element = try #require(Element(symbol: symbol))
            #expect(element.group == group && element.period == period, "\(symbol)")
        }
    }
}
