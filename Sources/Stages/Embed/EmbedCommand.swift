import ArgumentParser
import Foundation

/// `xtal-embed`: every crystal's embedding by a pretrained or trained encoder, into `embeddings.h5`.
public struct EmbedCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "xtal-embed",
        abstract: "Embed every crystal with an encoder (embeddings.h5).",
        discussion: """
            --encoder names models/<name>.h5: an encoder of xtal pretrain, or a model of xtal train (its first \
            ensemble member's encoder). Layer 0 is the atom embedding, layer l the atom features after \
            convolution l (they see atoms l bonds away); several layers are concatenated. Crystal embeddings are \
            the mean and the sum of the atom features; --atoms keeps the atom features too.
            """,
        version: XtalVersion.current
    )

    @OptionGroup var common: StageOptions
    @OptionGroup var sharding: ShardOptions

    @Option(help: ArgumentHelp("The encoder: a model name in models/.", valueName: "NAME"))
    var encoder: String

    @Option(help: ArgumentHelp("Layers to embed, comma-separated (default: the last).", valueName: "0,1,…"))
    var layers = ""

    @Flag(help: "Also store every atom's embedding (node_embedding).")
    var atoms = false

    public init() {}

    /// The layers asked for; empty for the last.
    var layerList: [Int]? {
        guard !layers.isEmpty else { return [] }
        let parsed = layers.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parsed.allSatisfy({ $0 != nil }) else { return nil }
        return parsed.compactMap { $0 }
    }

    public func validate() throws {
        guard let list = layerList, Set(list).count == list.count, list.allSatisfy({ $0 >= 0 }) else {
            throw ValidationError("--layers must be distinct whole numbers ≥ 0, comma-separated, not '\(layers)'")
        }
    }

    public func run() throws {
        do {
            _ = try EmbedStage(
                encoder: encoder, layers: layerList ?? [], atoms: atoms, options: common, shard: try sharding.resolved()
            ).run()
        } catch {
            FileHandle.standardError.write(Data("xtal-embed: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
