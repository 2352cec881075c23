import Crystal
import Foundation
import Models
import NN
import Tensor
import Testing

/// The self-supervised pretext tasks on tiny inputs: DSSL's element masking and coordinate perturbation, the
/// NT-Xent loss against a computation by hand, and a DSSL step that learns.
@Suite struct PretextTests {
    @Test func maskingPicksTheRightCountOfDistinctAtomsPerCrystal() {
        let masking = ElementMasking()
        #expect([1, 2, 6, 7, 20, 100].map(masking.count(of:)) == [1, 1, 1, 2, 4, 16])
        let offsets = [0, 1, 7, 27, 127]
        var generator = SeededGenerator(seed: 5)
        let chosen = masking.choose(crystalOffsets: offsets, using: &generator)
        for k in 0..<(offsets.count - 1) {
            let inside = chosen.filter { Int($0) >= offsets[k] && Int($0) < offsets[k + 1] }
            #expect(inside.count == masking.count(of: offsets[k + 1] - offsets[k]))
            #expect(Set(inside).count == inside.count)
        }
        #expect(chosen.count == 1 + 1 + 4 + 16)
        // Reproducible from the seed, different for another.
        var same = SeededGenerator(seed: 5)
        var other = SeededGenerator(seed: 6)
        #expect(masking.choose(crystalOffsets: offsets, using: &same) == chosen)
        #expect(masking.choose(crystalOffsets: offsets, using: &other) != chosen)
    }

    @Test func maskingZeroesMaskedRowsFlagsThemAndKeepsTheRest() {
        let features = Tensor<Float>(shape: [3, 2], values: [1, 2, 3, 4, 5, 6])
        let masked = ElementMasking.apply(features, masked: [1])
        #expect(masked.shape == [3, 3])
        #expect(masked.values == [1, 2, 0, 0, 0, 1, 5, 6, 0])
    }

    @Test func perturbationMovesEverySiteWithinTheRange() throws {
        let lattice = Lattice(rowMajor: [4, 0, 0, 1, 5, 0, 0.5, 0.3, 6])
        let silicon = try #require(Element(symbol: "Si"))
        let sites = (0..<50).map { i -> Site in
            let f = SIMD3<Double>(Double(i) / 50, Double(i % 7) / 7, Double(i % 3) / 3)
            return Site(silicon, f)
        }
        let crystal = Crystal(id: "skewed", lattice: lattice, sites: sites)
        var generator = SeededGenerator(seed: 11)
        let moved = crystal.perturbed(distance: 0.1...0.5, using: &generator)
        let shifts = sites.indices.map { length(moved.cartesian($0) - crystal.cartesian($0)) }
        #expect(shifts.allSatisfy { $0 >= 0.1 - 1e-12 && $0 <= 0.5 + 1e-12 }, "\(shifts)")
        #expect(try #require(shifts.max()) > 0.4)
        #expect(try #require(shifts.min()) < 0.2)
        #expect(moved.lattice == crystal.lattice)
        var again = SeededGenerator(seed: 11)
        #expect(crystal.perturbed(distance: 0.1...0.5, using: &again).sites == moved.sites)
    }

    @Test func ntXentEqualsAHandComputation() {
        let z1: [[Double]] = [[1, 0], [0, 2]]
        let z2: [[Double]] = [[1, 1], [3, 1]]
        let tau = 0.5
        // By hand: normalise the 4 rows, cosine similarities / τ, each row's cross-entropy against its partner
        // among the other three.
        let rows = (z1 + z2).map { row -> [Double] in
            let norm = (row[0] * row[0] + row[1] * row[1]).squareRoot()
            return row.map { $0 / norm }
        }
        var total = 0.0
        for i in 0..<4 {
            let partner = (i + 2) % 4
            let logits = (0..<4).map { j in (rows[i][0] * rows[j][0] + rows[i][1] * rows[j][1]) / tau }
            let others = (0..<4).filter { $0 != i }.map { exp(logits[$0]) }.reduce(0, +)
            total += -(logits[partner] - log(others))
        }
        let expected = total / 4
        let loss = Loss.ntXent(
            Tensor<Double>(shape: [2, 2], values: z1.flatMap { $0 }),
            Tensor<Double>(shape: [2, 2], values: z2.flatMap { $0 }),
            temperature: tau)
        #expect(abs(loss.values[0] - expected) < 1e-9, "\(loss.values[0]) vs \(expected)")
    }

    /// A DSSL model on three tiny crystals: the loss is finite and falls over a few Adam steps.
    @Test func dsslStepsLowerTheLoss() throws {
        var configuration = DSSL.Configuration(features: 4)
        configuration.encoder.width = 8
        configuration.encoder.convolutions = 1
        configuration.elementClasses = 10
        let model = DSSL(configuration)
        var (parameters, buffers) = model.initialize(seed: 1)
        // Three crystals of 2, 3 and 1 atoms; a ring of edges inside each.
        let offsets = [0, 2, 5, 6]
        let elements = [3, 9, 3, 8, 8, 1]
        func batch(_ features: Tensor<Float>, stretch: Double) -> GraphBatch {
            GraphBatch(
                atomFeatures: features, edgeSrc: [1, 0, 3, 4, 2, 5], edgeDst: [0, 1, 2, 3, 4, 5],
                edgeOffsets: [0, 1, 2, 3, 4, 5, 6], edgeDistance: [2, 2, 2.5, 3, 2.5, 4].map { $0 * stretch },
                crystalOffsets: offsets)
        }
        let base = Tensor<Float>(shape: [6, 4], values: elements.flatMap { z in (0..<4).map { Float(z % ($0 + 2)) } })
        let maskedAtoms: [Int32] = [0, 3, 5]
        let masked = batch(ElementMasking.apply(base, masked: maskedAtoms), stretch: 1)
        let plain = ElementMasking.apply(base, masked: [])
        let view1 = batch(plain, stretch: 1.02)
        let view2 = batch(plain, stretch: 0.97)
        var optimizer = Optimizer<Float>(
            .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0), learningRate: 0.01)
        var losses: [Float] = []
        for _ in 0..<30 {
            let tape = Tape<Float>()
            let bound = parameters.tracked(on: tape)
            let terms = model.loss(
                masked: masked, maskedAtoms: maskedAtoms, elements: maskedAtoms.map { elements[Int($0)] },
                view1: view1, view2: view2, bound, buffers: &buffers, training: true)
            losses.append(terms.total.values[0])
            optimizer.update(&parameters, gradients: bound.gradients(tape.gradients(of: terms.total)))
        }
        #expect(losses.allSatisfy { $0.isFinite })
        #expect(try #require(losses.last) < (try #require(losses.first)) * 0.8, "\(losses)")
    }
}
