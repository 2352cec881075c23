import Foundation

/// The `encoding_type` / `encoding_version` attributes every store group carries (after AnnData's
/// `encoding-type` / `encoding-version`), and the check readers make before trusting a group's layout.
extension StoreNode {
    /// Stamps `encoding_type` and `encoding_version`.
    public func setEncoding(_ type: String, version: String) throws {
        try setAttribute("encoding_type", type)
        try setAttribute("encoding_version", version)
    }

    /// Checks that the object is encoded as `type` in one of the `supported` versions.
    ///
    /// A stitched file (`StoreFile.stitchedShardsAttribute` on its root) is checked too: its datasets read rows
    /// from shard files, and HDF5 reads the rows of a source it cannot open (missing, truncated, locked) as fill
    /// values, silently.
    ///
    /// - Returns: the version found.
    /// - Throws: `StoreError.wrongEncoding` when `encoding_type` is absent or different;
    ///   `.unsupportedVersion` when `encoding_version` is absent or not in `supported`; `.corrupt` naming a
    ///   stitched file's shard that is missing or that HDF5 cannot open.
    @discardableResult
    public func requireEncoding(_ type: String, supported: [String]) throws -> String {
        let found = hasAttribute("encoding_type") ? try stringAttribute("encoding_type") : nil
        guard found == type else {
            throw StoreError.wrongEncoding(file: file.path, object: path, expected: type, found: found)
        }
        let version = hasAttribute("encoding_version") ? try stringAttribute("encoding_version") : "(absent)"
        guard supported.contains(version) else {
            throw StoreError.unsupportedVersion(
                file: file.path, object: path, encoding: type, version: version, supported: supported)
        }
        if hasAttribute(StoreFile.stitchedShardsAttribute) {
            let directory = (file.path as NSString).deletingLastPathComponent
            for shard in try stringArrayAttribute(StoreFile.stitchedShardsAttribute) {
                let path = (directory as NSString).appendingPathComponent(shard)
                guard FileManager.default.fileExists(atPath: path) else {
                    throw StoreError.corrupt(
                        file: file.path, object: "/", reason: "shard \(shard) it reads is missing; rerun that shard")
                }
                do {
                    try StoreFile.requireOpenableAsSource(path)
                } catch {
                    throw StoreError.corrupt(
                        file: file.path, object: "/", reason: "shard \(shard) it reads cannot be opened (\(error))")
                }
            }
        }
        return version
    }
}

extension StoreFile {
    /// The root attribute of a stitched file listing its shard files, relative to its directory.
    public static let stitchedShardsAttribute = "stitched_shards"
}
