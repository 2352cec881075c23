import Foundation
import NN
import Tensor
import Testing
import _TestSupport

@testable import Stages

/// Data-parallel steps in one process: how batches are cut and shared, how parts combine and travel as bytes, and
/// `--parts` end to end (one part is undivided training exactly; two train deterministically and sensibly).
@Suite struct DataParallelStepTests {
    @Test func batchesAreCutIntoContiguousBalancedPartsAndBlocksOfParts() {
        let two = DataParallelStep(communicator: .single, parts: 2)
        #expect(two.split([5, 6, 7, 8, 9]) == [[5, 6], [7, 8, 9]])
        #expect(two.split([4]) == [[4]])
        let three = DataParallelStep(communicator: .single, parts: 3)
        #expect(three.split(Array(0..<8)) == [[0, 1], [2, 3, 4], [5, 6, 7]])
        #expect(DataParallelStep.single.split([3, 1, 2]) == [[3, 1, 2]])
        // One rank computes every part.
        #expect(three.block(of: 3, rank: 0) == 0..<3)
        #expect(two.notes(partsGiven: true) == ["data-parallel: 1 process, 2 parts per batch"])
        #expect(DataParallelStep.single.notes(partsGiven: false).isEmpty)
    }

    static func part(_ gradient: [Float]?, buffer: [Float], loss: Double) -> PartResult {
        var buffers = Parameters<Float>()
        buffers["bn.running_mean"] = Tensor(shape: [2], values: buffer)
        buffers["bn.running_var"] = Tensor(shape: [1], values: [1])
        var gradients = ["b.weight": Tensor<Float>(shape: [1], values: [1])]
        if let gradient { gradients["a.weight"] = Tensor(shape: [2, 1], values: gradient) }
        return PartResult(gradients: gradients, buffers: buffers, scalars: ["loss": loss])
    }

    @Test func partsCombineInPartOrderKeepingAbsentGradientsAbsent() throws {
        let one = Self.part([1, 2], buffer: [0, 4], loss: 0.5)
        let single = PartResult.combining([one])
        #expect(single.gradients["a.weight"]?.values == [1, 2] && single.buffers["bn.running_mean"].values == [0, 4])
        let combined = PartResult.combining([
            one, Self.part(nil, buffer: [2, 6], loss: 0.25), Self.part([3, 4], buffer: [1, 2], loss: 1),
        ])
        #expect(combined.gradients["a.weight"]?.values == [4, 6] && combined.gradients["a.weight"]?.shape == [2, 1])
        #expect(combined.gradients["b.weight"]?.values == [3])
        #expect(
            combined.buffers["bn.running_mean"].values == [1, 4] && combined.buffers["bn.running_var"].values == [1])
        #expect(combined.buffers.names == ["bn.running_mean", "bn.running_var"])
        #expect(combined.scalars == ["loss": 1.75])
        // A parameter no part has a gradient for stays without one (Adam leaves it alone, unlike a zero gradient).
        let none = PartResult.combining([
            Self.part(nil, buffer: [0, 0], loss: 0), Self.part(nil, buffer: [0, 0], loss: 0),
        ])
        #expect(none.gradients["a.weight"] == nil)
    }

    @Test func partsTravelAsBytesExactly() throws {
        var parameters = Parameters<Float>()
        parameters["b.weight"] = Tensor(shape: [1], values: [0])
        parameters["a.weight"] = Tensor(shape: [2, 1], values: [0, 0])
        let reference = Self.part(nil, buffer: [0, 0], loss: 0).buffers
        var original = Self.part([.pi, -.leastNonzeroMagnitude], buffer: [1e-30, .infinity], loss: 0.1)
        original.scalars["right:element"] = 17
        let absent = Self.part(nil, buffer: [3, 4], loss: -2)
        var bytes: [UInt8] = []
        original.write(to: &bytes, parameters: parameters, buffers: reference)
        absent.write(to: &bytes, parameters: parameters, buffers: reference)
        var offset = 0
        let first = PartResult(reading: bytes, at: &offset, parameters: parameters, buffers: reference)
        let second = PartResult(reading: bytes, at: &offset, parameters: parameters, buffers: reference)
        #expect(offset == bytes.count)
        #expect(first.gradients["a.weight"]?.values == [.pi, -.leastNonzeroMagnitude])
        #expect(first.gradients["a.weight"]?.shape == [2, 1] && first.gradients["b.weight"]?.values == [1])
        #expect(first.buffers["bn.running_mean"].values == [1e-30, .infinity])
        #expect(first.scalars == ["loss": 0.1, "right:element": 17])
        #expect(second.gradients["a.weight"] == nil && second.buffers["bn.running_mean"].values == [3, 4])
        #expect(second.scalars == ["loss": -2])
    }

    /// The weights and buffers of every member of two model files, bit for bit.
    static func expectSameWeights(_ a: String, _ b: String) throws {
        let one = try TrainedModel(path: a)
        let two = try TrainedModel(path: b)
        #expect(one.members.count == two.members.count)
        for (x, y) in zip(one.members, two.members) {
            #expect(x.parameters.names == y.parameters.names && x.buffers.names.sorted() == y.buffers.names.sorted())
            for name in x.parameters.names {
                #expect(
                    x.parameters[name].values.map(\.bitPattern) == y.parameters[name].values.map(\.bitPattern),
                    "\(name)")
            }
            for name in x.buffers.names {
                #expect(x.buffers[name].values.map(\.bitPattern) == y.buffers[name].values.map(\.bitPattern), "\(name)")
            }
            #expect(x.history.trainLoss == y.history.trainLoss)
        }
    }

    @Test func onePartIsUndividedTrainingAndTwoPartsTrainDeterministically() throws {
        let dir = try TemporaryDirectory()
        try TrainStageTests.makeStore(dir)
        let common = ["--targets", "a,b", "--classify", "metal", "--epochs", "2"]
        try TrainStageTests.train(dir, common + ["--name", "plain"])
        try TrainStageTests.train(dir, common + ["--name", "one", "--parts", "1"])
        try TrainStageTests.train(dir, common + ["--name", "two", "--parts", "2"])
        try TrainStageTests.train(dir, common + ["--name", "again", "--parts", "2", "--jobs", "1"])
        try Self.expectSameWeights(dir.file("models/plain.h5"), dir.file("models/one.h5"))
        try Self.expectSameWeights(dir.file("models/two.h5"), dir.file("models/again.h5"))
        let plain = try TrainedModel(path: dir.file("models/plain.h5"))
        let one = try TrainedModel(path: dir.file("models/one.h5"))
        let two = try TrainedModel(path: dir.file("models/two.h5"))
        // --parts 1 is not even recorded: the same parameters (up to the name), so the same hashes as before.
        #expect(one.training == plain.training.replacingOccurrences(of: "\"plain\"", with: "\"one\""))
        #expect(!one.training.contains("parts") && two.training.contains("\"parts\":2"))
        // Two parts: other BatchNorm statistics, so other weights, but the same loss to within a few per cent.
        let weight = "embedding.weight"
        #expect(plain.members[0].parameters[weight].values != two.members[0].parameters[weight].values)
        for (a, b) in zip(plain.members[0].history.trainLoss, two.members[0].history.trainLoss) {
            #expect(a.isFinite && b.isFinite && abs(a - b) < 0.25 * abs(a), "\(a) vs \(b)")
        }
    }

    @Test func pretrainingWithOnePartIsUndividedAndWithTwoIsDeterministic() throws {
        let dir = try TemporaryDirectory()
        try TrainStageTests.makeStore(dir, count: 16)
        let common = ["--method", "negnn-predictive", "--epochs", "2"]
        let plain = try NEGNNStageTests.pretrain(dir, common + ["--name", "plain"])
        try NEGNNStageTests.pretrain(dir, common + ["--name", "one", "--parts", "1"])
        let two = try NEGNNStageTests.pretrain(dir, common + ["--name", "two", "--parts", "2"])
        try NEGNNStageTests.pretrain(dir, common + ["--name", "again", "--parts", "2", "--jobs", "1"])
        let encoders = try ["plain", "one", "two", "again"].map {
            try PretrainedEncoder(path: dir.file("models/\($0).h5"))
        }
        for (a, b) in [(encoders[0], encoders[1]), (encoders[2], encoders[3])] {
            for name in a.weights.names { #expect(a.weights[name].values == b.weights[name].values, "\(name)") }
            for name in a.buffers.names { #expect(a.buffers[name].values == b.buffers[name].values, "\(name)") }
            #expect(a.history.loss == b.history.loss && a.history.accuracy == b.history.accuracy)
        }
        #expect(encoders[1].parameters.parts == nil && encoders[2].parameters.parts == 2)
        #expect(two.history.loss.allSatisfy(\.isFinite) && two.history.loss != plain.history.loss)
        for (a, b) in zip(plain.history.loss, two.history.loss) { #expect(abs(a - b) < 0.25 * a, "\(a) vs \(b)") }
    }
}
