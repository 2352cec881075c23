import Foundation
import Testing

@testable import Store

@Suite struct ExternalLinkTests {
    @Test func storeIndexResolvesRelativeToItsDirectory() throws {
        let dir = try TemporaryDirectory()
        let run = dir.file("run")
        try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
        let crystals = try StoreFile.create(run + "/crystals.h5")
        try crystals.root.setEncoding("crystals", version: "1")
        try crystals.root.write("graph_id", strings: ["mp-1", "mp-2"])
        try crystals.close()
        let index = try StoreFile.create(run + "/store.h5")
        try index.root.createExternalLink("crystals", toFile: "crystals.h5")
        try index.close()

        // Move the whole run directory and read from another working directory.
        try FileManager.default.moveItem(atPath: run, toPath: dir.file("moved"))
        let opened = try StoreFile.open(dir.file("moved/store.h5"))
        #expect(try opened.root.externalLinkTarget("crystals")! == ("crystals.h5", "/"))
        let group = try opened.root.group("crystals")
        try group.requireEncoding("crystals", supported: ["1"])
        #expect(try group.readStrings("graph_id") == ["mp-1", "mp-2"])
    }

    @Test func danglingLinkNamesTheFile() throws {
        let dir = try TemporaryDirectory()
        let index = try StoreFile.create(dir.file("store.h5"))
        try index.root.createExternalLink("graphs", toFile: "graphs.h5")
        #expect(try index.root.contains("graphs"))
        let error = #expect(throws: StoreError.self) { try index.root.group("graphs") }
        #expect(error?.description.contains("store.h5:/graphs") == true)
    }
}
