import ArgumentParser
import Foundation

/// `xtal-predict`: runs models on every graph of the run directory into `predictions.h5`.
public struct PredictCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "xtal-predict",
        abstract: "Predict properties for every crystal of the store (predictions.h5).",
        discussion: """
            --model NAME runs a model trained with `xtal train --name NAME` (models/NAME.h5) on graphs built as it \
            was trained on; ensembles give the mean and standard deviation of their members. \
            --model published:<property> runs one of the eight published CGCNN models (band-gap, bulk-moduli, \
            efermi, final-energy-per-atom, formation-energy-per-atom, poisson-ratio, semi-metal-classification, \
            shear-moduli; files in --published-dir) on graphs built with `xtal graph --cgcnn-compat`. Regression \
            models give values in their training units; the classifier gives P(metal).
            """,
        version: XtalVersion.current
    )

    @OptionGroup var common: StageOptions
    @OptionGroup var sharding: ShardOptions

    @Option(name: .customLong("model"), help: ArgumentHelp("A model to run (repeatable).", valueName: "NAME"))
    var models: [String] = []

    @Option(name: .customLong("published-dir"), help: "Folder of the published CGCNN models and atom_init.json.")
    var publishedDirectory = "data/cgcnn"

    public init() {}

    public mutating func validate() throws {
        guard !models.isEmpty else { throw ValidationError("give at least one --model") }
    }

    public func run() throws {
        do {
            _ = try PredictStage(
                models: models, publishedDirectory: publishedDirectory, options: common, shard: try sharding.resolved()
            ).run()
        } catch {
            FileHandle.standardError.write(Data("xtal-predict: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
