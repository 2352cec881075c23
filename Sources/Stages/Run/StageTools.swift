import Foundation
import Pipeline

/// The stage executables a pipeline runs and their identities for the lock file.
struct StageTools {
    /// The executable of each stage kind that was found.
    let executables: [String: String]
    /// `xtal-<kind> <version> sha256:<first 16 hex digits of the executable>`, by kind: a rebuilt stage reruns.
    let identities: [String: String]
    /// The running `xtal` (which stitches sharded outputs).
    let xtal: String

    /// Finds `xtal-<kind>` for every kind in `kinds`, next to the running `xtal` first, then on `PATH`.
    init(kinds: [String]) throws {
        let own =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let directory = (own as NSString).deletingLastPathComponent
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        var executables: [String: String] = [:]
        var identities: [String: String] = [:]
        for kind in Set(kinds) {
            guard let executable = ExternalCommand.locate("xtal-\(kind)", besides: directory, path: path) else {
                continue
            }
            executables[kind] = executable
            let digest = try SHA256.hex(fileAt: executable)
            identities[kind] = "xtal-\(kind) \(XtalVersion.current) sha256:\(digest.prefix(16))"
        }
        self.executables = executables
        self.identities = identities
        xtal = own
    }
}
