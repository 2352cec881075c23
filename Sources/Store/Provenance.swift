import Foundation

/// Where a store file came from.
///
/// The stage that wrote it, the hash of its parameters, the hashes of its inputs, the tool version, and
/// when it ran; stamped on the root group of every committed stage file.
public struct Provenance: Sendable, Hashable {
    /// The stage name, such as `graph`.
    public var stage: String
    /// SHA-256 (hex) of the stage's canonical parameter JSON.
    public var parameterHash: String
    /// Input name → content hash, such as `crystals.h5` → `sha256:…`.
    public var inputHashes: [String: String]
    /// The XtalScreen version that wrote the file.
    public var toolVersion: String
    /// When the stage started.
    public var startedAt: Date
    /// When the file was committed (set by `AtomicStoreFile.commit`).
    public var finishedAt: Date?

    public init(
        stage: String, parameterHash: String, inputHashes: [String: String] = [:], toolVersion: String,
        startedAt: Date = Date(), finishedAt: Date? = nil
    ) {
        self.stage = stage
        self.parameterHash = parameterHash
        self.inputHashes = inputHashes
        self.toolVersion = toolVersion
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }

    /// Writes the `provenance_*` attributes on `node` (input hashes as two name-sorted string arrays).
    public func stamp(on node: some StoreNode) throws {
        let names = inputHashes.keys.sorted()
        try node.setAttribute("provenance_stage", stage)
        try node.setAttribute("provenance_parameter_hash", parameterHash)
        try node.setAttribute("provenance_input_names", names)
        try node.setAttribute("provenance_input_hashes", names.map { inputHashes[$0] ?? "" })
        try node.setAttribute("provenance_tool_version", toolVersion)
        try node.setAttribute("provenance_started_at", Self.format(startedAt))
        if let finishedAt { try node.setAttribute("provenance_finished_at", Self.format(finishedAt)) }
    }

    /// Reads the `provenance_*` attributes of `node`.
    ///
    /// - Throws: `StoreError.missing` if an attribute is absent, `.corrupt` if a time does not parse.
    public init(readingFrom node: some StoreNode) throws {
        let names = try node.stringArrayAttribute("provenance_input_names")
        let hashes = try node.stringArrayAttribute("provenance_input_hashes")
        guard names.count == hashes.count else {
            throw StoreError.corrupt(
                file: node.file.path, object: node.path, reason: "provenance input names and hashes differ in length")
        }
        func date(_ name: String) throws -> Date {
            let text = try node.stringAttribute(name)
            guard let date = Self.parse(text) else {
                throw StoreError.corrupt(
                    file: node.file.path, object: node.path, reason: "\(name) '\(text)' is not ISO 8601")
            }
            return date
        }
        self.init(
            stage: try node.stringAttribute("provenance_stage"),
            parameterHash: try node.stringAttribute("provenance_parameter_hash"),
            inputHashes: Dictionary(uniqueKeysWithValues: zip(names, hashes)),
            toolVersion: try node.stringAttribute("provenance_tool_version"),
            startedAt: try date("provenance_started_at"),
            finishedAt: node.hasAttribute("provenance_finished_at") ? try date("provenance_finished_at") : nil
        )
    }

    private static func format(_ date: Date) -> String {
        date.formatted(
            .iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }

    private static func parse(_ text: String) -> Date? {
        try? Date(
            text,
            strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)
        )
    }
}
