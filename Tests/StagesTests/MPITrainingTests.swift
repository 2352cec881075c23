import Distributed
import Foundation
import Testing
import _TestSupport

@testable import Stages

/// `xtal-train` and `xtal-pretrain` under `mpirun` on loopback, in a build with the trait `MPI`.
///
/// Built with `--traits default,MPI`, the weights are bit for bit those of one process with the same `--parts`, for
/// any rank count, and the run says how many ranks it had (a binary started by another MPI's launcher would run as
/// several rank-0 singletons). Without MPI, a launch of several ranks is refused.
@Suite struct MPITrainingTests {
    /// Open MPI's launcher on `PATH`, if any.
    static let mpirun: String? = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin")
        .split(separator: ":").map { "\($0)/mpirun" }.first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Runs `executable` with `arguments` as `ranks` MPI processes.
    static func launch(_ ranks: Int, _ executable: String, _ arguments: [String]) throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        let launcher = try #require(mpirun, "mpirun not found on PATH")
        var flags = ["-np", "\(ranks)"]
        if getuid() == 0 { flags.append("--allow-run-as-root") }
        if ranks > 2 { flags.append("--oversubscribe") }
        let path = productsDirectory(containing: executable) + "/" + executable
        return try runProcess(launcher, flags + [path] + arguments)
    }

    @Test(.enabled(if: Communicator.isMPIBuild))
    func trainingOnTwoRanksGivesTheWeightsOfOneProcess() throws {
        let dir = try TemporaryDirectory()
        try TrainStageTests.makeStore(dir)
        let common = ["--targets", "a,b", "--classify", "metal", "--epochs", "2"]
        try TrainStageTests.train(dir, common + ["--name", "single", "--parts", "2"])
        let arguments =
            ["--store", dir.path, "--atom-features", TrainStageTests.atomFeatures] + TrainStageTests.tiny + common
        let two = try Self.launch(2, "xtal-train", arguments + ["--name", "two", "--parts", "2", "--jobs", "1"])
        #expect(two.status == 0, "\(two.stderr)")
        #expect(two.stderr.contains("data-parallel: 2 MPI ranks, 2 parts per batch"), "\(two.stderr)")
        // Only rank 0 prints.
        #expect(two.stderr.components(separatedBy: "epoch 2/2").count == 2, "\(two.stderr)")
        try DataParallelStepTests.expectSameWeights(dir.file("models/single.h5"), dir.file("models/two.h5"))
        let one = try Self.launch(1, "xtal-train", arguments + ["--name", "one", "--parts", "2"])
        #expect(one.status == 0, "\(one.stderr)")
        try DataParallelStepTests.expectSameWeights(dir.file("models/single.h5"), dir.file("models/one.h5"))
        // Without --parts, two ranks cut batches in two, and say that the rank count then matters.
        let unstated = try Self.launch(2, "xtal-train", arguments + ["--name", "unstated"])
        #expect(unstated.status == 0 && unstated.stderr.contains("without --parts"), "\(unstated.stderr)")
        try DataParallelStepTests.expectSameWeights(dir.file("models/single.h5"), dir.file("models/unstated.h5"))
        #expect(!FileManager.default.fileExists(atPath: dir.file("models/two.training")))
    }

    @Test(.enabled(if: Communicator.isMPIBuild))
    func pretrainingOnTwoRanksGivesTheWeightsOfOneProcess() throws {
        let dir = try TemporaryDirectory()
        try TrainStageTests.makeStore(dir, count: 16)
        let common = ["--method", "negnn-predictive", "--epochs", "2", "--parts", "2"]
        try NEGNNStageTests.pretrain(dir, common + ["--name", "single"])
        let arguments =
            ["--store", dir.path, "--atom-features", TrainStageTests.atomFeatures] + NEGNNStageTests.tiny + common
        let two = try Self.launch(2, "xtal-pretrain", arguments + ["--name", "two"])
        #expect(two.status == 0, "\(two.stderr)")
        #expect(two.stderr.contains("data-parallel: 2 MPI ranks, 2 parts per batch"), "\(two.stderr)")
        let single = try PretrainedEncoder(path: dir.file("models/single.h5"))
        let mpi = try PretrainedEncoder(path: dir.file("models/two.h5"))
        for name in single.weights.names {
            #expect(
                single.weights[name].values.map(\.bitPattern) == mpi.weights[name].values.map(\.bitPattern), "\(name)")
        }
        for name in single.buffers.names {
            #expect(
                single.buffers[name].values.map(\.bitPattern) == mpi.buffers[name].values.map(\.bitPattern), "\(name)")
        }
        #expect(single.history.loss == mpi.history.loss && single.history.accuracy == mpi.history.accuracy)
    }

    /// An error on the ranks ends the whole run with status 1 and the cause, rather than leaving ranks waiting.
    @Test(.enabled(if: Communicator.isMPIBuild))
    func anErrorEndsEveryRank() throws {
        let dir = try TemporaryDirectory()
        try TrainStageTests.makeStore(dir, count: 12)
        let arguments = ["--store", dir.path, "--atom-features", TrainStageTests.atomFeatures, "--targets", "nothing"]
        let failed = try Self.launch(2, "xtal-train", arguments)
        #expect(failed.status != 0 && failed.stderr.contains("no label 'nothing'"), "\(failed.stderr)")
    }

    @Test(.enabled(if: !Communicator.isMPIBuild && mpirun != nil))
    func aBuildWithoutMPIRefusesSeveralRanks() throws {
        let dir = try TemporaryDirectory()
        let refused = try Self.launch(2, "xtal-train", ["--store", dir.path, "--targets", "a"])
        #expect(refused.status == 1, "\(refused.stderr)")
        #expect(
            refused.stderr.contains("launched as rank 1 of 2 by mpirun, but this build has no MPI"), "\(refused.stderr)"
        )
    }

    @Test(.enabled(if: Communicator.isMPIBuild))
    func pipelineStepWithRanksTrainsOnThatManyRanks() throws {
        let dir = try TemporaryDirectory()
        let docs = try TrainStageTests.writeDocuments(dir, count: 24)
        let text = """
            version: 1
            run: \(dir.file("run"))
            stages:
              ingest: {inputs: \(docs), label: [a=a], quiet: true}
              graph: {cutoff: 6, quiet: true}
              train:
                targets: a
                epochs: 2
                width: 8
                hidden: 8
                convolutions: 1
                batch-size: 8
                parts: 2
                ranks: 2
                atom-features: \(TrainStageTests.atomFeatures)
            """
        try text.write(toFile: dir.file("p.yaml"), atomically: true, encoding: .utf8)
        let result = try runProcess(PipelineRunTests.xtal, ["run", dir.file("p.yaml")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("2 MPI ranks (local)"), "\(result.stdout)")
        #expect(result.stderr.contains("data-parallel: 2 MPI ranks, 2 parts per batch"), "\(result.stderr)")
        // The weights of one process cutting batches in the same two parts.
        let command = try TrainCommand.parse(
            ["--store", dir.file("run"), "--quiet", "--atom-features", TrainStageTests.atomFeatures]
                + TrainStageTests.tiny + ["--targets", "a", "--epochs", "2", "--parts", "2", "--name", "one"])
        _ = try TrainStage(
            parameters: try command.parameters(), atomFeaturesPath: TrainStageTests.atomFeatures,
            matbenchSplitsPath: "", resume: false, options: command.common
        ).run()
        try DataParallelStepTests.expectSameWeights(dir.file("run/models/one.h5"), dir.file("run/models/mt-cgcnn.h5"))
    }
}
