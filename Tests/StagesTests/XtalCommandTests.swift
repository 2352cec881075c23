import Foundation
import Testing
import _TestSupport

@testable import Stages

/// `xtal --help`, `xtal --version`, and `xtal foo …` running `xtal-foo` from beside `xtal` or from PATH.
@Suite struct XtalCommandTests {
    /// The built `xtal` executable, found beside this test bundle.
    var xtal: String { productsDirectory(containing: "xtal") + "/xtal" }

    func run(_ arguments: [String], path: String = "/usr/bin:/bin") throws -> (status: Int32, out: String, err: String)
    {
        let result = try runProcess(xtal, arguments, environment: ["PATH": path])
        return (result.status, result.stdout, result.stderr)
    }

    @Test func helpAndVersion() throws {
        let help = try run(["--help"])
        #expect(help.status == 0)
        #expect(help.out.contains("USAGE: xtal <command> [<arguments>…]"))
        #expect(help.out.contains("xtal-STAGE"))
        let version = try run(["--version"])
        #expect(version.status == 0)
        #expect(version.out == "xtal \(XtalVersion.current)\n")
        let usage = try run(["--bogus"])
        #expect(usage.status == 64)
    }

    @Test func unknownCommandIsAUsageError() throws {
        let result = try run(["frobnicate", "--store", "run/"])
        #expect(result.status == 64)
        #expect(
            result.err
                == "xtal: 'frobnicate' is not an xtal command: no xtal-frobnicate next to xtal or on PATH. See 'xtal --help'.\n"
        )
    }

    @Test func externalCommandRunsFromPathWithItsArgumentsAndStatus() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xtal-path-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = dir.appendingPathComponent("xtal-echo")
        try "#!/bin/sh\necho \"echo:$#:$1:$2\"\nexit 3\n".write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)

        let result = try run(["echo", "--store", "run dir/"], path: "/usr/bin:/bin:\(dir.path)")
        #expect(result.out == "echo:2:--store:run dir/\n")
        #expect(result.status == 3)
    }

    @Test func besideXtalComesBeforePath() {
        let directory = (xtal as NSString).deletingLastPathComponent
        #expect(ExternalCommand.locate("xtal", besides: directory, path: "/usr/bin") == xtal)
        #expect(ExternalCommand.locate("xtal-none", besides: directory, path: "/usr/bin:/bin") == nil)
    }
}
