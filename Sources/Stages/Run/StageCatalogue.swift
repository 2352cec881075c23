import Foundation
import Graph
import Pipeline

/// The stages a pipeline file can name, with the keys each accepts (their executables' long flags) and the
/// files each reads and writes in the run directory (docs/pipeline-file.md).
public enum StageCatalogue {
    /// Every stage, in pipeline order.
    public static let all: [StageSchema] = [ingest, graph, pretrain, embed, train, predict, rank, report]

    static func inRun(_ runDirectory: String, _ name: String) -> String {
        (runDirectory as NSString).appendingPathComponent(name)
    }

    static func value(_ parameters: [String: ParameterValue], _ key: String, default fallback: String) -> String {
        parameters[key]?.strings.first ?? fallback
    }

    static let ingest = StageSchema(
        kind: "ingest", version: 1, multiProcess: .shards,
        parameters: [
            .init("inputs", .positional), .init("format", .string), .init("id-field", .string),
            .init("structure-field", .string), .init("label", .repeated), .init("max-reject-fraction", .number),
            .init("min-distance", .number), .init("max-atoms", .integer), .init("unique", .flag),
        ]
    ) { parameters, run in
        .init(
            inputs: (parameters["inputs"]?.strings ?? []).map { .init($0) },
            outputs: [inRun(run, "crystals.h5")])
    }

    static let graph = StageSchema(
        kind: "graph", version: GraphParameters.version, multiProcess: .shards,
        parameters: [
            .init("method", .string), .init("cutoff", .number), .init("max-neighbors", .integer), .init("k", .integer),
            .init("cgcnn-compat", .flag), .init("asymmetric-unit", .flag), .init("spacegroup", .flag),
            .init("line-graph", .flag), .init("symprec", .number), .init("symmetrize", .flag),
        ]
    ) { _, run in
        .init(inputs: [.init(inRun(run, "crystals.h5"))], outputs: [inRun(run, "graphs.h5")])
    }

    static let pretrain = StageSchema(
        kind: "pretrain", version: 2, multiProcess: .ranks,
        parameters: [
            .init("method", .string), .init("name", .string), .init("contrast", .string), .init("epochs", .integer),
            .init("batch-size", .integer), .init("lr", .number), .init("seed", .integer),
            .init("mask-fraction", .number), .init("mask-weight", .number), .init("contrast-weight", .number),
            .init("temperature", .number), .init("perturbation-min", .number), .init("perturbation-max", .number),
            .init("fixed-views", .flag), .init("width", .integer), .init("convolutions", .integer),
            .init("atom-features", .string), .init("micro-property", .string), .init("micro-weight", .number),
            .init("micro-table", .string), .init("encoder", .string), .init("parts", .integer),
        ]
    ) { parameters, run in
        let name = value(parameters, "name", default: value(parameters, "method", default: "dssl"))
        var inputs: [StageSchema.Input] = [
            .init(inRun(run, "crystals.h5")), .init(inRun(run, "graphs.h5")),
            .init(value(parameters, "atom-features", default: "data/cgcnn/atom_init.json")),
        ]
        if parameters["micro-property"] != nil {
            inputs.append(.init(value(parameters, "micro-table", default: "data/dssl_micro_properties.json")))
        }
        return .init(
            inputs: inputs,
            outputs: [inRun(run, "models/\(name).h5")])
    }

    static let embed = StageSchema(
        kind: "embed", version: 1, multiProcess: .shards,
        parameters: [.init("encoder", .string), .init("layers", .commaList), .init("atoms", .flag)]
    ) { parameters, run in
        .init(
            inputs: [
                .init(inRun(run, "graphs.h5")),
                .init(inRun(run, "models/\(value(parameters, "encoder", default: "dssl")).h5")),
            ],
            outputs: [inRun(run, "embeddings.h5")])
    }

    static let train = StageSchema(
        kind: "train", version: 2, multiProcess: .ranks,
        parameters: [
            .init("model", .string), .init("name", .string), .init("targets", .commaList), .init("classify", .repeated),
            .init("task-weight", .repeated), .init("loss", .string), .init("split", .string),
            .init("validation-fraction", .number), .init("matbench-splits", .string), .init("optimizer", .string),
            .init("lr", .number), .init("momentum", .number), .init("weight-decay", .number),
            .init("adam-epsilon-hat", .number),
            .init("schedule", .string), .init("schedule-every-step", .flag),
            .init("epochs", .integer), .init("batch-size", .integer),
            .init("patience", .integer), .init("clip-norm", .number), .init("seed", .integer),
            .init("ensemble", .integer), .init("width", .integer), .init("convolutions", .integer),
            .init("hidden", .integer), .init("head-layers", .integer), .init("atom-features", .string),
            .init("init", .string), .init("freeze-encoder", .integer), .init("encoder-layers", .commaList),
            .init("head", .string), .init("head-hidden", .integer), .init("ridge-alpha", .number),
            .init("parts", .integer),
        ]
    ) { parameters, run in
        let name = value(parameters, "name", default: value(parameters, "model", default: "mt-cgcnn"))
        var inputs: [StageSchema.Input] = [
            .init(inRun(run, "crystals.h5")), .init(inRun(run, "graphs.h5")),
            .init(value(parameters, "atom-features", default: "data/cgcnn/atom_init.json")),
        ]
        if let encoder = parameters["init"]?.strings.first { inputs.append(.init(inRun(run, "models/\(encoder).h5"))) }
        if value(parameters, "split", default: "").hasPrefix("matbench") {
            inputs.append(.init(value(parameters, "matbench-splits", default: "data/matbench_v0.1_validation.json.gz")))
        }
        return .init(inputs: inputs, outputs: [inRun(run, "models/\(name).h5")])
    }

    static let predict = StageSchema(
        kind: "predict", version: 1, multiProcess: .shards,
        parameters: [.init("model", .repeated), .init("published-dir", .string)]
    ) { parameters, run in
        let published = value(parameters, "published-dir", default: "data/cgcnn")
        let models = (parameters["model"]?.strings ?? []).map { model -> StageSchema.Input in
            if model.hasPrefix("published:") {
                return .init((published as NSString).appendingPathComponent(model.dropFirst(10) + ".h5"))
            }
            return .init(inRun(run, "models/\(model).h5"))
        }
        // Published models read their atom features from the same folder.
        let usesPublished = parameters["model"]?.strings.contains { $0.hasPrefix("published:") } ?? false
        let features =
            usesPublished ? [StageSchema.Input((published as NSString).appendingPathComponent("atom_init.json"))] : []
        return .init(
            inputs: [.init(inRun(run, "graphs.h5"))] + models + features, outputs: [inRun(run, "predictions.h5")])
    }

    static let rank = StageSchema(
        kind: "rank", version: 1,
        parameters: [
            .init("where", .repeated), .init("maximize", .repeated), .init("minimize", .repeated),
            .init("risk", .string), .init("top", .integer), .init("export", .repeated),
        ]
    ) { parameters, run in
        let exports = (parameters["export"]?.strings ?? []).map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        return .init(
            inputs: [
                .init(inRun(run, "crystals.h5")), .init(inRun(run, "graphs.h5"), optional: true),
                .init(inRun(run, "predictions.h5"), optional: true),
            ],
            outputs: [inRun(run, "ranking.h5")] + exports)
    }

    static let report = StageSchema(
        kind: "report", version: 1,
        parameters: [.init("output", .string)]
    ) { parameters, run in
        // `models/` is a folder input: it depends on every train step.
        let optional = ["crystals.h5", "graphs.h5", "embeddings.h5", "predictions.h5", "ranking.h5"].map {
            inRun(run, $0)
        }
        return .init(
            inputs: (optional + [inRun(run, "models") + "/"]).map { .init($0, optional: true) },
            outputs: [value(parameters, "output", default: inRun(run, "report.html"))])
    }
}
