import Foundation

/// Paths to the real datasets in `../shared/data` beside the repository (see its SOURCES.md).
enum SharedData {
    /// `<repository>/../shared/data`.
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // CrystalTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // repository
        .deletingLastPathComponent()
        .appendingPathComponent("shared/data")

    /// The path of `relative` inside the shared data folder.
    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// The text of a shared data file.
    static func text(_ relative: String) throws -> String {
        try String(contentsOfFile: path(relative), encoding: .utf8)
    }
}
