import Crystal
import Foundation
import Store
import Testing
import _TestSupport

@testable import Stages

/// `xtal ingest --unique`: copies of a crystal already read are dropped and listed as duplicates, not errors.
@Suite struct IngestUniqueTests {
    /// A pymatgen Structure dict line with `material_id`.
    static func document(_ id: String, lattice: [[Double]], sites: [(String, [Double])]) -> String {
        let rows = lattice.map { "[\($0.map { String($0) }.joined(separator: ", "))]" }.joined(separator: ", ")
        let atoms = sites.map { symbol, abc in
            let coordinates = abc.map { String($0) }.joined(separator: ", ")
            return "{\"species\": [{\"element\": \"\(symbol)\", \"occu\": 1}], \"abc\": [\(coordinates)]}"
        }
        let structure = "{\"lattice\": {\"matrix\": [\(rows)]}, \"sites\": [\(atoms.joined(separator: ", "))]}"
        return "{\"material_id\": \"\(id)\", \"structure\": \(structure)}"
    }

    /// Writes rutile TiO2 three times, then CsCl (`cscl`), as JSON Lines; returns the file's path.
    ///
    /// The rutiles: as usual (`rutile`); with the atoms in another order, the lattice basis a + b, b, a + c and
    /// every atom shifted (`rutile-again`); and strained by 3 % (`rutile-strained`).
    static func writeInput(_ dir: TemporaryDirectory) throws -> String {
        let (a, c, u) = (4.594, 2.959, 0.305)
        let sites: [(String, [Double])] = [
            ("Ti", [0, 0, 0]), ("Ti", [0.5, 0.5, 0.5]), ("O", [u, u, 0]), ("O", [1 - u, 1 - u, 0]),
            ("O", [0.5 + u, 0.5 - u, 0.5]), ("O", [0.5 - u, 0.5 + u, 0.5]),
        ]
        // In the basis a' = a + b, b' = b, c' = a + c, the point f·(a, b, c) has coordinates
        // (f₁ − f₃, f₂ − f₁ + f₃, f₃); each is then shifted by 0.1.
        let rebased = sites.reversed().map { symbol, f in
            (symbol, [f[0] - f[2] + 0.1, f[1] - f[0] + f[2] + 0.1, f[2] + 0.1])
        }
        let lines = [
            document("rutile", lattice: [[a, 0, 0], [0, a, 0], [0, 0, c]], sites: sites),
            document("rutile-again", lattice: [[a, a, 0], [0, a, 0], [a, 0, c]], sites: rebased),
            document(
                "rutile-strained", lattice: [[a * 1.03, 0, 0], [0, a * 1.03, 0], [0, 0, c * 1.03]], sites: sites),
            document(
                "cscl", lattice: [[4.12, 0, 0], [0, 4.12, 0], [0, 0, 4.12]],
                sites: [("Cs", [0, 0, 0]), ("Cl", [0.5, 0.5, 0.5])]),
        ]
        let path = dir.file("crystals.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Runs ingest in-process; returns the summary, the crystals group and the one-line notes.
    func ingest(
        _ inputs: [String], _ extra: [String], jobs: Int, in dir: TemporaryDirectory
    ) throws -> (Ingest.Summary, StoreGroup, [String]) {
        let command = try IngestCommand.parse(inputs + ["--store", dir.path, "--jobs", String(jobs)] + extra)
        var messages: [String] = []
        var ingest = try Ingest(parameters: command.parameters, options: command.common)
        ingest.report = { messages.append($0) }
        let summary = try ingest.run()
        return (summary, try StoreFile.open(dir.file("store.h5")).group("crystals"), messages)
    }

    @Test func aCopyInAnotherSettingIsDroppedAndReported() throws {
        let inputs = try TemporaryDirectory()
        let file = try Self.writeInput(inputs)
        var snapshots: [[String]] = []
        for jobs in [1, 2] {
            let dir = try TemporaryDirectory()
            let (summary, crystals, messages) = try ingest([file], ["--unique"], jobs: jobs, in: dir)
            #expect(summary.crystals == 3 && summary.duplicates == 1 && summary.rejects == 0)
            let ids = try crystals.readStrings("graph_id")
            #expect(ids == ["rutile", "rutile-strained", "cscl"])
            let rejects = try crystals.group("rejects")
            try rejects.requireEncoding("rejects", supported: ["2"])
            let row = [
                try rejects.readStrings("id"), try rejects.readStrings("reason"), try rejects.readStrings("kind"),
                try rejects.readStrings("record"),
            ].map { $0.joined(separator: "|") }
            #expect(row == ["rutile-again", "duplicate of rutile", "duplicate", "1"])
            #expect(messages == ["xtal-ingest: \(file): record 1: rutile-again: duplicate of rutile (dropped)"])
            snapshots.append(ids + row + [try crystals.read("node_frac_coords", as: Double.self).values.description])
        }
        #expect(snapshots[0] == snapshots[1])
        let quiet = try TemporaryDirectory()
        #expect(try ingest([file], ["--unique", "--quiet"], jobs: 2, in: quiet).2.isEmpty)
    }

    @Test func withoutUniqueEveryCopyIsKept() throws {
        let inputs = try TemporaryDirectory()
        let dir = try TemporaryDirectory()
        let (summary, crystals, _) = try ingest([try Self.writeInput(inputs)], [], jobs: 2, in: dir)
        #expect(summary.crystals == 4 && summary.duplicates == 0)
        #expect(try crystals.group("rejects").readStrings("kind").isEmpty)
    }

    @Test func duplicatesAcrossFilesAndFoldersDoNotCountAsRejects() throws {
        // The same ten CIFs twice (regression and classification samples): the second ten are all duplicates,
        // which must not trip --max-reject-fraction.
        let shared = IngestTests.shared + "/cgcnn-sample"
        let dir = try TemporaryDirectory()
        let (summary, _, _) = try ingest(
            [shared + "/sample-regression", shared + "/sample-classification"],
            ["--unique", "--max-reject-fraction", "0"], jobs: 2, in: dir)
        #expect(summary.crystals == 10 && summary.duplicates == 10 && summary.rejects == 0)
        let status = OutputSummary(path: dir.file("crystals.h5")).contents
        #expect(status == "10 crystals, 0 rejects, 10 duplicates dropped")
    }
}
