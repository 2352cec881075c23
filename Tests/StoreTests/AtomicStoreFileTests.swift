import Foundation
import Testing

@testable import Store

@Suite struct AtomicStoreFileTests {
    func writeComplete(_ path: String, values: [Float]) throws {
        let output = try AtomicStoreFile(creating: path)
        try output.file.root.write("x", values)
        try output.commit(
            Provenance(stage: "test", parameterHash: "abc", inputHashes: ["in.h5": "sha256:00"], toolVersion: "0.1.0"))
    }

    @Test func commitPublishesWithProvenance() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("graphs.h5")
        let started = Date()
        let output = try AtomicStoreFile(creating: path)
        try output.file.root.write("x", [Float(1), 2, 3])
        #expect(FileManager.default.fileExists(atPath: path + ".partial"))
        #expect(!FileManager.default.fileExists(atPath: path))
        try output.commit(
            Provenance(
                stage: "graph", parameterHash: "f00d", inputHashes: ["crystals.h5": "sha256:1", "a.h5": "sha256:2"],
                toolVersion: "0.1.0", startedAt: started))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["graphs.h5"])

        let root = try StoreFile.open(path).root
        #expect(try root.read("x", as: Float.self).values == [1, 2, 3])
        let provenance = try Provenance(readingFrom: root)
        #expect(provenance.stage == "graph")
        #expect(provenance.parameterHash == "f00d")
        #expect(provenance.inputHashes == ["crystals.h5": "sha256:1", "a.h5": "sha256:2"])
        #expect(try root.stringArrayAttribute("provenance_input_names") == ["a.h5", "crystals.h5"])
        #expect(abs(provenance.startedAt.timeIntervalSince(started)) < 0.01)
        let finished = try #require(provenance.finishedAt)
        #expect(finished >= provenance.startedAt.addingTimeInterval(-0.01))
    }

    @Test func releasingWithoutCommitLeavesNothing() throws {
        let dir = try TemporaryDirectory()
        do {
            let output = try AtomicStoreFile(creating: dir.file("embed.h5"))
            try output.file.root.write("x", [Int64(1)])
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test func killedWriterLeavesOnlyPartialAndOldFileIntact() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("crystals.h5")
        try writeComplete(path, values: [4, 5, 6])
        let before = try Data(contentsOf: URL(fileURLWithPath: path))

        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: productsDirectory + "/StoreFixtureWriter")
        writer.arguments = [path]
        let out = Pipe()
        writer.standardOutput = out
        try writer.run()
        // Wait until the child has written several chunks, then kill it mid-write.
        var seen = ""
        while !seen.contains("progress 5") {
            let data = out.fileHandleForReading.availableData
            #expect(!data.isEmpty, "writer exited early")
            if data.isEmpty { break }
            seen += String(decoding: data, as: UTF8.self)
        }
        kill(writer.processIdentifier, SIGKILL)
        writer.waitUntilExit()
        #expect(writer.terminationReason == .uncaughtSignal)

        #expect(
            try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == [
                "crystals.h5", "crystals.h5.partial",
            ])
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(try StoreFile.open(path).root.read("x", as: Float.self).values == [4, 5, 6])

        #expect(try AtomicStoreFile.removeStalePartials(in: dir.path) == ["crystals.h5.partial"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["crystals.h5"])
    }
}
