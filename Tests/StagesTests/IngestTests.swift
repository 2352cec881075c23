import Crystal
import Foundation
import Store
import Testing
import _TestSupport

@testable import Stages

/// End-to-end ingest: real data in, `crystals.h5` out; bad inputs rejected with their reasons while the good
/// records beside them land.
@Suite struct IngestTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let shared = repository.deletingLastPathComponent().appendingPathComponent("shared/data").path
    static let badInputs = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/bad-inputs").path

    /// Runs ingest in-process into a fresh run directory; returns the summary and the opened crystals group.
    func ingest(
        _ inputs: [String], _ extra: [String] = [], jobs: Int = 2, in dir: TemporaryDirectory
    ) throws -> (Ingest.Summary, StoreGroup, [String]) {
        let command = try IngestCommand.parse(
            inputs + ["--store", dir.path, "--jobs", String(jobs), "--quiet"] + extra)
        var messages: [String] = []
        var ingest = try Ingest(parameters: command.parameters, options: command.common)
        ingest.report = { messages.append($0) }
        let summary = try ingest.run()
        return (summary, try StoreFile.open(dir.file("store.h5")).group("crystals"), messages)
    }

    func rejects(_ crystals: StoreGroup) throws -> [(file: String, record: String, id: String, reason: String)] {
        let group = try crystals.group("rejects")
        let files = try group.readStrings("source_file")
        let records = try group.readStrings("record")
        let ids = try group.readStrings("id")
        let reasons = try group.readStrings("reason")
        return files.indices.map { (($0 < files.count ? files[$0] : ""), records[$0], ids[$0], reasons[$0]) }
    }

    @Test func embeddedDielectricSetWithLabels() throws {
        let dir = try TemporaryDirectory()
        let data = Self.repository.appendingPathComponent("data/matbench_dielectric.json.gz").path
        let (summary, crystals, _) = try ingest([data], in: dir)
        #expect(summary.crystals == 4764 && summary.rejects == 0)
        try crystals.requireEncoding("crystals", supported: ["1"])
        #expect(summary.labels == ["n"])
        let n = try crystals.group("labels").dataset("n")
        #expect(try n.stringAttribute("units") == "1")
        let values = try n.read(as: Double.self).values
        #expect(values.count == 4764 && values.allSatisfy { $0 >= 1 && $0 < 63 })
        #expect(values[0] == 1.7520636404)
        let ids = try crystals.readStrings("graph_id")
        #expect(ids[0] == "matbench_dielectric:0" && ids[4763] == "matbench_dielectric:4763")
        let ptr = try crystals.read("node_ptr", as: Int64.self).values
        #expect(ptr.count == 4765)
        #expect(try crystals.dataset("node_frac_coords").shape() == [Int(ptr[4764]), 3])
        #expect(try crystals.dataset("graph_lattice").shape() == [4764, 3, 3])
    }

    @Test func manifestLabelsAndIDPropTargetsTogether() throws {
        let dir = try TemporaryDirectory()
        let data = Self.repository.appendingPathComponent("data/matbench_dielectric.json.gz").path
        let (summary, crystals, _) = try ingest([data, Self.shared + "/cgcnn-sample/sample-regression"], in: dir)
        #expect(summary.labels == ["n", "target"])
        let target = try crystals.group("labels").read("target", as: Double.self).values
        #expect(target[0].isNaN && Array(target.suffix(10)) == (1...10).map(Double.init))
    }

    @Test func realFilesOfEveryFormat() throws {
        let dir = try TemporaryDirectory()
        let inputs = [
            "matbench-phonons-pymatviz/matbench-phonons.csv", "matbench-jdft2d-zhangnjlab/matbench_jdft2d.csv",
            "cgcnn-sample/sample-regression", "mt-cgcnn-sample/sample", "alignn-sample-data",
            "megnet-bulk-moduli/bulk_moduli.json",
        ].map { Self.shared + "/" + $0 }
        let (summary, crystals, messages) = try ingest(inputs, in: dir)
        #expect(messages.isEmpty, "\(messages)")
        #expect(summary.rejects == 0)
        #expect(summary.crystals == 1265 + 636 + 10 + 100 + 50 + 100)
        let ids = try crystals.readStrings("graph_id")
        #expect(ids.contains("1000041") && ids.contains("POSCAR-JVASP-10") && ids.contains("bulk_moduli:99"))
        let labels = try crystals.group("labels")
        let peak = try labels.read("last_phdos_peak", as: Double.self).values
        #expect(abs(peak[0] - 98.58577122703691) < 1e-9)
        #expect(peak[1265].isNaN)
        let target = try labels.read("target", as: Double.self).values
        let first = try #require(ids.firstIndex(of: "1000041"))
        #expect(target[first] == 1.0)
    }

    @Test func badInputsAreRejectedWithReasonsAndGoodRecordsLand() throws {
        let dir = try TemporaryDirectory()
        let (summary, crystals, messages) = try ingest(
            [Self.badInputs], ["--max-reject-fraction", "0.9"], in: dir)
        let found = try rejects(crystals)
        func reason(_ file: String, _ id: String? = nil) -> String {
            found.first { $0.file.hasSuffix(file) && (id == nil || $0.id == id) }?.reason ?? "(no reject)"
        }
        #expect(reason("mixed.jsonl", "bad-element") == "unknown element 'Xx'")
        #expect(reason("mixed.jsonl", "bad-occupancy").hasPrefix("partial occupancy on site 0"))
        #expect(reason("mixed.jsonl", "bad-nan") == "non-finite number in coordinates of site 1")
        #expect(reason("mixed.jsonl", "bad-overlap").hasPrefix("atoms 0 and 1 are"))
        #expect(reason("mixed.jsonl", "mixed:7").hasPrefix("malformed JSON"))
        #expect(reason("truncated.jsonl.gz").contains("truncated gzip"))
        #expect(reason("truncated.jsonl.zst").contains("truncated zstd"))
        #expect(reason("broken-loop.cif").contains("CIF"))
        // Line numbers are the file's, not the block's: the broken block's loop_ is line 24.
        #expect(reason("broken-loop.cif").hasPrefix("malformed CIF at line 24:"))
        #expect(reason("overlap.cif").hasPrefix("atoms 0 and 1 are"))
        #expect(reason("unknown-element.vasp") == "unknown element 'Xx'")
        #expect(reason("nan.vasp").contains("non-finite"))
        #expect(reason("garbage.cif") != "(no reject)")
        let ids = try crystals.readStrings("graph_id")
        // Good records next to the damage still land: 6 from mixed.jsonl, 2 CIF blocks, and the records
        // the truncated streams delivered before they broke off.
        #expect(ids.filter { $0.hasPrefix("mb-dielectric-") }.count >= 6 + 2)
        #expect(ids.contains("good1") && ids.contains("good2"))
        #expect(summary.crystals == ids.count)
        // One line per reject, saying where: a record, where a file broke off, or the whole file.
        #expect(messages.contains { $0.contains("mixed.jsonl: record 3 (bad-element): unknown element 'Xx'") })
        #expect(messages.contains { $0.contains("truncated.jsonl.gz: from record ") && $0.contains("truncated gzip") })
        #expect(messages.contains { $0.contains("empty.cif: no structures found") })
    }

    @Test func tenThousandAtomCellIsRejectedByDefaultAndReadWhenAllowed() throws {
        let dir = try TemporaryDirectory()
        let n = 22
        var text =
            "10648 atoms\n1.0\n\(2.5 * Double(n)) 0 0\n0 \(2.5 * Double(n)) 0\n0 0 \(2.5 * Double(n))\nPo\n10648\nDirect\n"
        for x in 0..<n {
            for y in 0..<n {
                for z in 0..<n {
                    text += "\(Double(x) / Double(n)) \(Double(y) / Double(n)) \(Double(z) / Double(n))\n"
                }
            }
        }
        try text.write(toFile: dir.file("big.vasp"), atomically: true, encoding: .utf8)
        try "good\n1.0\n3.147 0 0\n0 3.147 0\n0 0 3.147\nMo\n2\nDirect\n0 0 0\n0.5 0.5 0.5\n".write(
            toFile: dir.file("mo.vasp"), atomically: true, encoding: .utf8)
        let run = try TemporaryDirectory()
        let (summary, crystals, _) = try ingest([dir.file("big.vasp"), dir.file("mo.vasp")], in: run)
        #expect(summary.crystals == 1)
        #expect(try rejects(crystals).map(\.reason) == ["10648 atoms, more than the limit of 5000 (--max-atoms)"])
        let again = try TemporaryDirectory()
        let (allowed, _, _) = try ingest([dir.file("big.vasp")], ["--max-atoms", "20000"], in: again)
        #expect(allowed.crystals == 1)
    }

    @Test func outputDoesNotDependOnJobs() throws {
        let inputs = [Self.shared + "/mt-cgcnn-sample/sample", Self.badInputs + "/mixed.jsonl"]
        var snapshots: [[String]] = []
        for jobs in [1, 3] {
            let dir = try TemporaryDirectory()
            let (_, crystals, _) = try ingest(inputs, jobs: jobs, in: dir)
            let coords: [Double] = try crystals.read("node_frac_coords", as: Double.self).values
            let ids: [String] = try crystals.readStrings("graph_id")
            let reasons: [String] = try rejects(crystals).map { $0.reason }
            snapshots.append(ids + [coords.map { String($0) }.joined(separator: ",")] + reasons)
        }
        #expect(snapshots[0] == snapshots[1])
    }

    @Test func duplicateIDsAreRejectedNotOverwritten() throws {
        let dir = try TemporaryDirectory()
        let mixed = Self.badInputs + "/mixed.jsonl"
        let (summary, crystals, _) = try ingest([mixed, mixed], ["--max-reject-fraction", "0.9"], in: dir)
        let duplicates = try rejects(crystals).filter { $0.reason.hasPrefix("duplicate id") }
        #expect(duplicates.count == summary.crystals)
        #expect(duplicates.first?.reason == "duplicate id 'mb-dielectric-0001' (first seen in \(mixed):0)")
    }

    @Test func tooManyRejectsFailsAndWritesNothing() throws {
        let dir = try TemporaryDirectory()
        #expect(throws: IngestError.tooManyRejects(rejects: 6, total: 14, limit: 0.4)) {
            try ingest(
                [Self.badInputs + "/mixed.jsonl", Self.badInputs + "/broken-loop.cif"],
                ["--max-reject-fraction", "0.4"], in: dir)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test func existingOutputNeedsForce() throws {
        let dir = try TemporaryDirectory()
        let input = Self.badInputs + "/broken-loop.cif"
        _ = try ingest([input], ["--max-reject-fraction", "0.9"], in: dir)
        #expect(throws: StageError.outputExists(dir.file("crystals.h5"))) { try ingest([input], in: dir) }
        _ = try ingest([input], ["--force", "--max-reject-fraction", "0.9"], in: dir)
    }

    @Test func manifestChecksumIsVerified() throws {
        let dir = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.file("data"), withIntermediateDirectories: true)
        var bytes = try Data(contentsOf: Self.repository.appendingPathComponent("data/matbench_dielectric.json.gz"))
        bytes[1000] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: dir.file("data/matbench_dielectric.json.gz")))
        try FileManager.default.copyItem(
            atPath: Self.repository.appendingPathComponent("data-manifest.json").path,
            toPath: dir.file("data-manifest.json"))
        let run = try TemporaryDirectory()
        #expect(throws: IngestError.nothingIngested(rejects: 2)) {
            try ingest([dir.file("data/matbench_dielectric.json.gz"), Self.badInputs + "/empty.cif"], in: run)
        }
    }

    /// The manifest covering a file is found however its path is spelled (with `.`, `..` or `//`, in a
    /// subfolder of the manifest's folder or not), and files it does not list are not covered.
    @Test func manifestEntriesAreFoundForAnySpellingOfThePath() throws {
        let dir = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.file("data/cgcnn"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: Self.repository.appendingPathComponent("data-manifest.json").path,
            toPath: dir.file("data-manifest.json"))
        var index = DataManifestIndex()
        for path in [
            dir.file("data/cgcnn/band-gap.h5"), dir.file("data/./cgcnn/../cgcnn/band-gap.h5"),
            dir.file("data/cgcnn/") + "band-gap.h5",
        ] {
            #expect(try index.entry(for: path)?.path == "data/cgcnn/band-gap.h5", "\(path)")
        }
        #expect(
            try index.entry(for: dir.file("data/matbench_dielectric.json.gz"))?.path
                == "data/matbench_dielectric.json.gz")
        #expect(try index.entry(for: dir.file("data/cgcnn/unlisted.h5")) == nil)
        #expect(try index.entry(for: dir.file("band-gap.h5")) == nil)
    }

    @Test func integerIDsArePrefixedWithTheFileStem() throws {
        let dir = try TemporaryDirectory()
        let document = """
            {"material_id": 7, "structure": {"lattice": {"matrix": [[3.147, 0, 0], [0, 3.147, 0], [0, 0, 3.147]]}, \
            "sites": [{"species": [{"element": "Mo", "occu": 1}], "abc": [0, 0, 0]}, \
            {"species": [{"element": "Mo", "occu": 1}], "abc": [0.5, 0.5, 0.5]}]}}
            """
        try (document + "\n").write(toFile: dir.file("table.jsonl"), atomically: true, encoding: .utf8)
        try "7\n1.0\n4.12 0 0\n0 4.12 0\n0 0 4.12\nCs Cl\n1 1\nDirect\n0 0 0\n0.5 0.5 0.5\n".write(
            toFile: dir.file("7.vasp"), atomically: true, encoding: .utf8)
        let run = try TemporaryDirectory()
        let (summary, crystals, _) = try ingest([dir.file("table.jsonl"), dir.file("7.vasp")], in: run)
        #expect(summary.crystals == 2 && summary.rejects == 0)
        #expect(try crystals.readStrings("graph_id") == ["\(Ingest.stem(dir.file("table.jsonl"))):7", "7"])
    }

    @Test func aFolderIsOneProvenanceInputHoweverManyFilesItHolds() throws {
        // 1100 file names and hashes, one attribute each, would pass HDF5's 64 KiB limit on an attribute.
        let folder = try TemporaryDirectory()
        for k in 0..<1100 {
            let a = 3.0 + Double(k) / 1000
            try "Mo\n1.0\n\(a) 0 0\n0 \(a) 0\n0 0 \(a)\nMo\n2\nDirect\n0 0 0\n0.5 0.5 0.5\n".write(
                toFile: folder.file(String(format: "mo-%04d.vasp", k)), atomically: false, encoding: .utf8)
        }
        let run = try TemporaryDirectory()
        let (summary, crystals, _) = try ingest([folder.path], in: run)
        #expect(summary.crystals == 1100)
        #expect(try crystals.stringArrayAttribute("provenance_input_names") == [folder.path])
        #expect(try crystals.stringArrayAttribute("provenance_input_hashes").first?.count == 64)
    }
}
