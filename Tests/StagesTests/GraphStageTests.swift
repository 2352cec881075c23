import Foundation
import Graph
import Store
import Testing
import _TestSupport

@testable import Stages

/// End-to-end graph stage: `crystals.h5` in, `graphs.h5` out, the same for any `--jobs`.
@Suite struct GraphStageTests {
    static let cifs = IngestTests.shared + "/cgcnn-sample/sample-regression"

    /// Ingests the CGCNN sample CIFs into `dir`, then runs the graph stage with `arguments`.
    func graph(_ arguments: [String], jobs: Int, in dir: TemporaryDirectory) throws -> (GraphStage.Summary, StoreGroup)
    {
        if !FileManager.default.fileExists(atPath: dir.file("crystals.h5")) {
            let ingest = try IngestCommand.parse([Self.cifs, "--store", dir.path, "--quiet"])
            _ = try Ingest(parameters: ingest.parameters, options: ingest.common).run()
        }
        let command = try GraphCommand.parse(
            ["--store", dir.path, "--jobs", String(jobs), "--quiet", "--force"] + arguments)
        let parameters = try #require(command.parameters)
        let summary = try GraphStage(parameters: parameters, options: command.common).run()
        return (summary, try StoreFile.open(dir.file("store.h5")).group("graphs"))
    }

    /// Every dataset of a graphs group, as text, for comparing two runs.
    func contents(_ group: StoreGroup) throws -> [String: String] {
        var all: [String: String] = [:]
        for name in try group.childNames() {
            let dataset = try group.dataset(name)
            switch try dataset.typeName() {
            case let type where type == "string": all[name] = "\(try dataset.readStrings())"
            case let type where type == "float64": all[name] = "\(try dataset.read(as: Double.self))"
            case let type where type == "uint8": all[name] = "\(try dataset.read(as: UInt8.self))"
            case let type where type == "int64": all[name] = "\(try dataset.read(as: Int64.self))"
            default: all[name] = "\(try dataset.read(as: Int32.self))"
            }
        }
        return all
    }

    @Test func graphsDoNotDependOnJobsAndReadBackConsistently() throws {
        let dir = try TemporaryDirectory()
        let (summary, one) = try graph(["--line-graph", "--spacegroup"], jobs: 1, in: dir)
        let first = try contents(one)
        let (_, two) = try graph(["--line-graph", "--spacegroup"], jobs: 2, in: dir)
        #expect(try contents(two) == first)

        try one.requireEncoding("graphs", supported: ["1"])
        let crystals = try StoreFile.open(dir.file("store.h5")).group("crystals")
        let count = try crystals.readStrings("graph_id").count
        #expect(summary.graphs == count && count > 0)
        #expect(try one.readStrings("graph_id") == crystals.readStrings("graph_id"))
        let edgePtr = try one.read("edge_ptr", as: Int64.self).values
        #expect(edgePtr.count == count + 1 && Int(edgePtr[count]) == summary.edges)
        #expect(try one.dataset("edge_image").shape() == [summary.edges, 3])
        #expect(try one.dataset("edge_distance").stringAttribute("units") == "angstrom")
        #expect(try one.read("triplet_ptr", as: Int64.self).values.last.map(Int.init) == summary.triplets)
        let numbers = try one.read("graph_spacegroup_number", as: Int32.self).values
        #expect(numbers.allSatisfy { (1...230).contains($0) })
        let parameters = try JSONDecoder().decode(
            GraphParameters.self, from: Data(try one.stringAttribute("parameters").utf8))
        #expect(parameters == GraphParameters(spaceGroup: true, lineGraph: true))
        // Radius graphs keep at most 12 edges per atom, and distances within 8 Å.
        let nodes = try one.read("node_ptr", as: Int64.self).values.last.map(Int.init) ?? 0
        #expect(summary.edges <= 12 * nodes)
        #expect(try one.read("edge_distance", as: Double.self).values.allSatisfy { $0 > 0.5 && $0 <= 8 })
    }

    @Test func asymmetricUnitGraphsAreSmallerAndWeighted() throws {
        let dir = try TemporaryDirectory()
        let (full, _) = try graph(["--method", "knn"], jobs: 2, in: dir)
        let (unit, group) = try graph(["--method", "knn", "--asymmetric-unit"], jobs: 2, in: dir)
        #expect(unit.graphs == full.graphs)
        #expect(unit.nodes < full.nodes && unit.edges < full.edges)
        let multiplicities = try group.read("node_multiplicity", as: Int32.self).values
        #expect(multiplicities.reduce(0) { $0 + Int($1) } == full.nodes)
    }

    @Test func usageErrorsAndMissingInput() throws {
        #expect(throws: (any Error).self) { try GraphCommand.parse(["--store", "x", "--method", "voronoi"]) }
        #expect(throws: (any Error).self) {
            try GraphCommand.parse(["--store", "x", "--method", "knn", "--cgcnn-compat"])
        }
        let dir = try TemporaryDirectory()
        let command = try GraphCommand.parse(["--store", dir.path, "--quiet"])
        let stage = try GraphStage(parameters: try #require(command.parameters), options: command.common)
        #expect(throws: StageError.missingInput(dir.file("crystals.h5"), makeWith: "ingest")) { try stage.run() }
    }
}
