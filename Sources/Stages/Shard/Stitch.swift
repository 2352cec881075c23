import Foundation
import Store

/// Joins the shard files of one stage output (`shards/graphs/<i>-of-<n>.h5`) into the output itself
/// (`graphs.h5`), whose datasets are HDF5 virtual datasets over the shards' (docs/store-format.md §12).
///
/// Before writing, every shard must exist, be complete (no `.partial`), agree on the stage, encoding and
/// parameters, and the shards' items (`shard_first`…`shard_end`) must tile the work. Rows are then laid
/// out in shard order, which is the unsharded order: later stages, and h5py, read one dataset. Offsets
/// (`*_ptr`) are rewritten as real datasets, each shard's shifted by the rows before it. Crystals a later
/// shard ingested under an id an earlier one holds are left out and listed in `rejects`, as unsharded
/// ingest does; the rejects, small, are copied rather than mapped.
struct Stitch {
    /// What stitching did.
    struct Summary: Sendable {
        var shards = 0
        var rows = 0
        /// Crystals left out as duplicate ids across shards.
        var excluded = 0
        var output = ""
    }

    /// The stage outputs that can be sharded, by the stage that writes them.
    static let outputs = [
        "ingest": "crystals.h5", "graph": "graphs.h5", "embed": "embeddings.h5", "predict": "predictions.h5",
    ]

    let directory: RunDirectory
    /// The output to stitch (`graphs.h5`).
    let fileName: String

    /// The shard files present, checked: every `i` of one `n`, none partial.
    ///
    /// - Throws: `StitchError` naming the shard missing, partial or of another count.
    func shardFiles() throws -> [String] {
        let folder = Shard.folder(of: fileName)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.file(folder))) ?? []
        if let partial = names.sorted().first(where: { $0.hasSuffix(AtomicStoreFile.partialSuffix) }) {
            throw StitchError.partial(folder + "/" + partial)
        }
        var counts = Set<Int>()
        var present = Set<String>()
        for name in names where name.hasSuffix(".h5") {
            let stem = name.dropLast(3).split(separator: "-of-", omittingEmptySubsequences: false)
            guard stem.count == 2, Int(stem[0]) != nil, let count = Int(stem[1]) else { continue }
            counts.insert(count)
            present.insert(name)
        }
        guard let count = counts.first else { throw StitchError.noShards(folder) }
        guard counts.count == 1 else {
            throw StitchError.mixedCounts(folder, counts.sorted())
        }
        return try (0..<count).map { index in
            let shard = Shard(index: index, count: count)
            guard present.contains(shard.fileName) else { throw StitchError.missing(shard.path(of: fileName)) }
            return shard.path(of: fileName)
        }
    }

    /// Checks the shards and writes the stitched file, linked from `store.h5`.
    func run() throws -> Summary {
        let paths = try shardFiles()
        let roots = try paths.map { try StoreFile.open(directory.file($0)).root }
        let provenances = try check(roots, paths: paths)
        let crystals = try roots.map { try $0.dataset("graph_id").shape().first ?? 0 }
        let excluded = try duplicateIDs(roots)
        let layout = RowLayout(counts: crystals, excluded: excluded.rows)
        // Where each family's rows go (nil: crystals; else `node_ptr`, `edge_ptr`, …), each offsets array read once.
        var placements: [String?: RowLayout.Pieces] = [nil: layout.pieces(pointers: nil)]
        for family in Set(try roots[0].childNames().compactMap(Self.family(of:))) where roots[0].contains(family) {
            placements[family] = layout.pieces(pointers: try roots.map { try $0.read(family, as: Int64.self).values })
        }

        let outputPath = directory.file(fileName)
        let output = try AtomicStoreFile(creating: outputPath)
        let root = try output.file.root
        try root.copyAttributes(from: roots[0]) {
            $0.hasPrefix("provenance_") || $0.hasPrefix("shard_") || $0 == "max_reject_fraction"
        }
        try root.setAttribute(StoreFile.stitchedShardsAttribute, paths)
        try copy(
            group: "/", from: roots, paths: paths, into: root, layout: layout, placements: placements,
            extraRejects: excluded.rejects)
        if roots[0].hasAttribute("max_reject_fraction") {
            let rejects = try roots.reduce(0) { $0 + (try Self.errorRejects(in: $1)) } + excluded.rejects.count
            try Ingest.checkRejects(
                crystals: layout.total, rejects: rejects,
                limit: try roots[0].attribute("max_reject_fraction", as: Double.self))
        }
        try output.commit(Self.merged(provenances))
        let link = (fileName as NSString).deletingPathExtension
        try directory.link(link, to: fileName, toolVersion: XtalVersion.current)
        return Summary(shards: paths.count, rows: layout.total, excluded: excluded.rejects.count, output: outputPath)
    }

    /// Checks that the shards agree and tile the work; returns their provenance.
    private func check(_ roots: [StoreGroup], paths: [String]) throws -> [Provenance] {
        let provenances = try roots.map { try Provenance(readingFrom: $0) }
        let encoding = try roots[0].stringAttribute("encoding_type")
        var next: Int64 = 0
        for (index, (root, path)) in zip(roots, paths).enumerated() {
            for (name, expected) in [("shard_index", Int64(index)), ("shard_count", Int64(roots.count))] {
                guard root.hasAttribute(name), try root.attribute(name, as: Int64.self) == expected else {
                    throw StitchError.disagrees(path, "\(name) is not \(expected)")
                }
            }
            guard try root.stringAttribute("encoding_type") == encoding else {
                throw StitchError.disagrees(
                    path, "it holds \(try root.stringAttribute("encoding_type")), not \(encoding)")
            }
            let first = provenances[0]
            guard provenances[index].stage == first.stage, provenances[index].parameterHash == first.parameterHash
            else {
                throw StitchError.disagrees(path, "it was made by another stage or other parameters than \(paths[0])")
            }
            guard try root.attribute("shard_first", as: Int64.self) == next else {
                throw StitchError.disagrees(
                    path, "its items do not start where \(index == 0 ? "0" : paths[index - 1])'s end")
            }
            next = try root.attribute("shard_end", as: Int64.self)
            guard
                try root.attribute("shard_total", as: Int64.self)
                    == (try roots[0].attribute("shard_total", as: Int64.self))
            else { throw StitchError.disagrees(path, "its item count differs from \(paths[0])'s") }
        }
        let total = try roots[0].attribute("shard_total", as: Int64.self)
        guard next == total else {
            throw StitchError.disagrees(paths[paths.count - 1], "the shards end at item \(next) of \(total)")
        }
        return provenances
    }

    /// Crystals whose id an earlier shard holds (ingest shards only check their own ids): their rows per shard,
    /// and their `rejects` rows (source file, record, id, reason), as unsharded ingest words them.
    private func duplicateIDs(_ roots: [StoreGroup]) throws -> (rows: [Set<Int>], rejects: [[String]]) {
        var rows = [Set<Int>](repeating: [], count: roots.count)
        var rejects: [[String]] = []
        guard try roots[0].stringAttribute("encoding_type") == "crystals" else { return (rows, rejects) }
        var seen: [String: (file: String, record: String)] = [:]
        for (shard, root) in roots.enumerated() {
            let ids = try root.readStrings("graph_id")
            let files = try root.readStrings("graph_source_file")
            let records = try root.read("graph_source_record", as: Int64.self).values
            for (row, id) in ids.enumerated() {
                let place = (files[row], String(records[row]))
                if let first = seen[id] {
                    rows[shard].insert(row)
                    let reason = "duplicate id '\(id)' (first seen in \(first.file):\(first.record))"
                    rejects.append([place.0, place.1, id, reason, "error"])
                } else {
                    seen[id] = place
                }
            }
        }
        return (rows, rejects)
    }

    /// Recreates group `path` of the shards in `group`: attributes from the first shard that has it, then each
    /// child group, and each dataset as a virtual one, offsets and rejects as real ones.
    private func copy(
        group path: String, from roots: [StoreGroup], paths: [String], into group: StoreGroup, layout: RowLayout,
        placements: [String?: RowLayout.Pieces], extraRejects: [[String]]
    ) throws {
        let sources: [StoreGroup?] = roots.map { root in path == "/" ? root : try? root.file.group(path) }
        var names = Set<String>()
        for source in sources.compactMap({ $0 }) { names.formUnion(try source.childNames()) }
        for name in names.sorted() {
            let childPath = path == "/" ? "/" + name : path + "/" + name
            guard let template = sources.compactMap({ $0 }).first(where: { $0.contains(name) }) else { continue }
            if template.isGroup(name) {
                let child = try group.createGroup(name)
                try child.copyAttributes(from: try template.group(name))
                if childPath == "/rejects" {
                    try copyRejects(sources.map { try $0?.group(name) }, into: child, extra: extraRejects)
                } else {
                    try copy(
                        group: childPath, from: roots, paths: paths, into: child, layout: layout,
                        placements: placements, extraRejects: [])
                }
                continue
            }
            if name.hasSuffix("_ptr") {
                let pointers = try sources.map { try $0?.read(name, as: Int64.self).values ?? [0] }
                try group.write(name, layout.offsets(pointers), options: DatasetOptions())
            } else {
                let dataset = try template.dataset(name)
                let family = path == "/" ? Self.family(of: name) : nil
                guard let pieces = placements[family] else {
                    throw StitchError.disagrees(
                        paths[0], "\(childPath) has no \(family ?? "graph_id") to place its rows")
                }
                var virtual: [VirtualSource] = []
                for (shard, source) in sources.enumerated() where source?.contains(name) == true {
                    for piece in pieces.shards[shard] {
                        virtual.append(
                            VirtualSource(
                                file: paths[shard], dataset: childPath, rows: piece.rows, destination: piece.destination
                            ))
                    }
                }
                let float = try dataset.typeName().hasPrefix("float")
                let created = try group.createVirtualDataset(
                    name, like: dataset, rows: pieces.total, sources: virtual, fill: float ? .nan : nil)
                try created.copyAttributes(from: dataset)
            }
        }
    }

    /// The rejects of every shard in shard order, then `extra`, as real datasets.
    private func copyRejects(_ groups: [StoreGroup?], into group: StoreGroup, extra: [[String]]) throws {
        let columns = ["source_file", "record", "id", "reason", "kind"]
        for (column, name) in columns.enumerated() {
            guard groups.contains(where: { $0?.contains(name) == true }) else { continue }
            var values: [String] = []
            for source in groups.compactMap({ $0 }) where source.contains(name) {
                values += try source.readStrings(name)
            }
            values += extra.map { $0[column] }
            try group.write(name, strings: values)
        }
    }

    /// The rejects of kind `error` in a crystals file's root.
    static func errorRejects(in root: StoreGroup) throws -> Int {
        guard root.contains("rejects") else { return 0 }
        let rejects = try root.group("rejects")
        guard rejects.contains("kind") else { return try rejects.dataset("reason").shape().first ?? 0 }
        return try rejects.readStrings("kind").filter { $0 == "error" }.count
    }

    /// The offsets dataset whose rows a dataset's rows are (`node_atomic_number` → `node_ptr`), nil for one
    /// row per crystal.
    static func family(of name: String) -> String? {
        for prefix in ["node_", "edge_", "triplet_"] where name.hasPrefix(prefix) { return prefix + "ptr" }
        return nil
    }

    /// One provenance for the stitched file: the shards' stage and parameters, every input they read (an input
    /// two shards hashed differently, such as a folder each read part of, once per shard: `NAME [i/n]`), the
    /// first start.
    static func merged(_ provenances: [Provenance]) -> Provenance {
        var inputs: [String: String] = [:]
        for provenance in provenances {
            for (name, hash) in provenance.inputHashes where inputs[name] == nil || inputs[name] == hash {
                inputs[name] = hash
            }
        }
        for (index, provenance) in provenances.enumerated() {
            for (name, hash) in provenance.inputHashes where inputs[name] != hash {
                inputs["\(name) [\(index)/\(provenances.count)]"] = hash
            }
        }
        let first = provenances[0]
        return Provenance(
            stage: first.stage, parameterHash: first.parameterHash, inputHashes: inputs,
            toolVersion: XtalVersion.current, startedAt: provenances.map(\.startedAt).min() ?? Date())
    }
}

/// Where each shard's rows go in the stitched file, for crystals and for the rows of an offsets dataset.
struct RowLayout {
    /// Per shard, the crystal rows kept, as runs.
    let kept: [[Range<Int>]]

    init(counts: [Int], excluded: [Set<Int>]) {
        kept = zip(counts, excluded).map { count, excluded in
            var runs: [Range<Int>] = []
            var start = 0
            for row in excluded.sorted() {
                if row > start { runs.append(start..<row) }
                start = row + 1
            }
            if count > start { runs.append(start..<count) }
            return runs
        }
    }

    /// Crystals kept in all.
    var total: Int { kept.joined().reduce(0) { $0 + $1.count } }

    /// Per shard, each run of source rows and the stitched row where it starts; and the stitched rows in all.
    typealias Pieces = (shards: [[(rows: Range<Int>, destination: Int)]], total: Int)

    /// The source rows and destinations of each shard: crystal rows (`pointers` nil), or the rows `pointers`
    /// (per shard, `X_ptr`) give the kept crystals.
    func pieces(pointers: [[Int64]]?) -> Pieces {
        var destination = 0
        var shards: [[(rows: Range<Int>, destination: Int)]] = []
        for (shard, runs) in kept.enumerated() {
            var pieces: [(rows: Range<Int>, destination: Int)] = []
            for run in runs {
                let rows = pointers.map { Int($0[shard][run.lowerBound])..<Int($0[shard][run.upperBound]) } ?? run
                pieces.append((rows, destination))
                destination += rows.count
            }
            shards.append(pieces)
        }
        return (shards, destination)
    }

    /// The stitched offsets: each kept crystal's row count, accumulated across shards.
    func offsets(_ pointers: [[Int64]]) -> [Int64] {
        var result: [Int64] = [0]
        for (shard, runs) in kept.enumerated() {
            for run in runs {
                for crystal in run {
                    let rows = pointers[shard][crystal + 1] - pointers[shard][crystal]
                    result.append(result[result.count - 1] + rows)
                }
            }
        }
        return result
    }
}

/// Why shards cannot be stitched; one line each, naming the shard file.
enum StitchError: Error, CustomStringConvertible, Equatable {
    case noShards(String)
    case missing(String)
    case partial(String)
    case mixedCounts(String, [Int])
    case disagrees(String, String)

    var description: String {
        switch self {
        case .noShards(let folder): "\(folder): no shard files to stitch"
        case .missing(let path): "shard \(path) is missing; run that shard (or all of them) again"
        case .partial(let path): "shard \(path) is incomplete (still being written, or its process was killed)"
        case .mixedCounts(let folder, let counts):
            "\(folder) holds shards of \(counts.map(String.init).joined(separator: " and ")) ways; "
                + "remove the stale ones (or rerun every shard)"
        case .disagrees(let path, let reason): "shard \(path) does not fit the others: \(reason)"
        }
    }
}
