import ArgumentParser
import Foundation
import Graph

/// `xtal-graph`: builds the graph of every crystal in the run directory into `graphs.h5`.
public struct GraphCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "xtal-graph",
        abstract: "Build crystal graphs (graphs.h5) from the store's crystals.",
        discussion: """
            Edges run from each neighbour (any periodic image) to its centre atom, sorted by centre, distance, \
            neighbour and image. radius: neighbours within --cutoff, the --max-neighbors nearest kept (CGCNN; \
            --cgcnn-compat pads as CGCNN does). knn: the --k nearest, ties at the k-th distance kept (coGN). \
            min-image: one edge per atom pair at its minimum-image distance (DSSL). --asymmetric-unit keeps one \
            node per symmetry orbit (spglib) with its multiplicity; the space group is then stored per crystal \
            (also with --spacegroup; 0 otherwise). --symmetrize idealises each crystal to the space group found \
            at --symprec before the neighbour search, so equivalent neighbours tie exactly (kgcnn's coGN graphs: \
            --method knn --asymmetric-unit --symmetrize --symprec 1e-4).
            """,
        version: XtalVersion.current
    )

    @OptionGroup var common: StageOptions
    @OptionGroup var sharding: ShardOptions

    @Option(help: "Builder: radius, knn or min-image.")
    var method = "radius"

    @Option(help: "Largest neighbour distance, Å (radius, min-image).")
    var cutoff = 8.0

    @Option(name: .customLong("max-neighbors"), help: "Most neighbours kept per atom (radius, min-image).")
    var maxNeighbors = 12

    @Option(help: "Neighbours per atom (knn).")
    var k = 24

    @Flag(name: .customLong("cgcnn-compat"), help: "Pad to --max-neighbors as CGCNN does (radius only).")
    var cgcnnCompat = false

    @Flag(name: .customLong("asymmetric-unit"), help: "One node per symmetry-unique atom, with its multiplicity.")
    var asymmetricUnit = false

    @Flag(name: .long, help: "Find every crystal's space group with spglib (always done with --asymmetric-unit).")
    var spacegroup = false

    @Flag(name: .customLong("line-graph"), help: "Also store triplets of edges sharing a centre, with bond angles.")
    var lineGraph = false

    @Option(help: "spglib distance tolerance, Å.")
    var symprec = 0.01

    @Flag(help: "Idealise lattice and positions to the space group found at --symprec before the neighbour search.")
    var symmetrize = false

    public init() {}

    /// The builder parameters these flags give, or `nil` for an unknown method.
    var parameters: GraphParameters? {
        guard let method = GraphParameters.Method(rawValue: method) else { return nil }
        return GraphParameters(
            method: method, cutoff: cutoff, maxNeighbors: maxNeighbors, k: k, cgcnnCompat: cgcnnCompat,
            asymmetricUnit: asymmetricUnit, spaceGroup: spacegroup, lineGraph: lineGraph, symprec: symprec,
            symmetrize: symmetrize)
    }

    public mutating func validate() throws {
        guard let parameters else {
            let methods = GraphParameters.Method.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("--method must be one of \(methods), not '\(method)'")
        }
        if let problem = parameters.problem { throw ValidationError(problem) }
    }

    public func run() throws {
        guard let parameters else { throw ExitCode.validationFailure }
        do {
            _ = try GraphStage(parameters: parameters, options: common, shard: try sharding.resolved()).run()
        } catch {
            FileHandle.standardError.write(Data("xtal-graph: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
