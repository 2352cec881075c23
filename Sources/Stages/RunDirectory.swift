import Foundation
import Store

/// A run directory: one HDF5 file per stage output plus `store.h5`, whose external links make them one store.
public struct RunDirectory: Sendable {
    /// The directory path.
    public let path: String

    /// The run directory at `path`, created if missing.
    ///
    /// - Throws: `StoreError.io` if it cannot be created.
    public init(_ path: String) throws {
        self.path = path
        // mkdir -p with mkdir(2), so a failure reports its real cause (a file in the way, no permission).
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw StoreError.io(file: path, operation: "creating the run directory", errno: errno)
            }
        }
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw StoreError.io(file: path, operation: "creating the run directory", errno: ENOTDIR)
        }
    }

    /// The path of `name` inside the run directory.
    public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    /// Makes `store.h5` link `/link` to the root of `fileName` (relative to the run directory).
    ///
    /// `link` is a name (`crystals`) or a group and a name (`models/mt-cgcnn`: one link per trained model in
    /// the group `models`). Other links are kept; the index is rewritten atomically.
    public func link(_ link: String, to fileName: String, toolVersion: String) throws {
        var links: [String: String] = [:]
        let index = file("store.h5")
        if FileManager.default.fileExists(atPath: index) {
            let root = try StoreFile.open(index).root
            for name in try root.childNames() {
                if let target = try root.externalLinkTarget(name) {
                    links[name] = target.file
                } else if let group = try? root.group(name) {
                    for child in try group.childNames() {
                        if let target = try group.externalLinkTarget(child) { links["\(name)/\(child)"] = target.file }
                    }
                }
            }
        }
        links[link] = fileName
        let output = try AtomicStoreFile(creating: index)
        let root = try output.file.root
        try root.setEncoding("store_index", version: "1")
        var groups: [String: StoreGroup] = [:]
        for (name, target) in links.sorted(by: { $0.key < $1.key }) {
            let parts = name.split(separator: "/", maxSplits: 1).map(String.init)
            if parts.count == 2 {
                if groups[parts[0]] == nil { groups[parts[0]] = try root.createGroup(parts[0]) }
                try groups[parts[0]]?.createExternalLink(parts[1], toFile: target)
            } else {
                try root.createExternalLink(name, toFile: target)
            }
        }
        try output.commit(Provenance(stage: "index", parameterHash: "", toolVersion: toolVersion))
    }
}
