import Crystal
import Foundation
import Store

/// The per-crystal properties `xtal-rank` filters and orders by, gathered from one run directory.
///
/// One row per crystal of `crystals.h5`, in its order (`B` rows):
/// - structure, from `crystals.h5`: atom count, element set, cell volume (Å³) and density (g/cm³, from standard
///   atomic masses); the space group number from `graphs.h5` when it was built with `--spacegroup`;
/// - labels, from `crystals.h5` `labels/`;
/// - predictions, from `predictions.h5` when it exists, matched to crystals by `graph_id` (NaN for a crystal it
///   does not list).
///
/// `CrystalTable+Properties.swift` names these columns for `--where` and the objectives.
struct CrystalTable {
    /// One numeric property over all crystals.
    struct Column: Sendable {
        /// The full name (`nsites`, `label/n`, `published_band-gap/band_gap`).
        var name: String
        /// Units (`angstrom^3`, `eV`, `1`; empty when unknown).
        var units: String
        /// `[B]`: the value, or the ensemble mean of a prediction; NaN where unknown.
        var mean: [Double]
        /// `[B]`: the ensemble standard deviation of a prediction; `nil` for labels and structure (no spread).
        var std: [Double]?
    }

    /// `[B]` crystal ids.
    let ids: [String]
    /// `[B]` reduced formulas.
    let formulas: [String]
    /// `[B]` atoms in the cell.
    let siteCounts: [Int]
    /// `[B]` the elements present.
    let elements: [ElementSet]
    /// `[B]` cell volumes, Å³.
    let volumes: [Double]
    /// `[B]` densities, g/cm³.
    let densities: [Double]
    /// `[B]` space group numbers (0 where spglib found none), or `nil` when `graphs.h5` has none.
    let spaceGroups: [Int32]?
    /// Labels `label/NAME`, sorted by name.
    let labels: [Column]
    /// Predictions `MODEL/TARGET`, in the file's order (models, then targets, by name).
    let predictions: [Column]
    /// The store files read, by file name (`crystals.h5`, and `graphs.h5`, `predictions.h5` when read).
    let inputs: [String]

    /// Grams per cm³ of one atomic mass unit per Å³ (1.660 539 066 60 × 10⁻²⁴ g / 10⁻²⁴ cm³).
    static let densityPerMassPerVolume = 1.660_539_066_60

    /// Reads the table from `directory`.
    ///
    /// - Throws: `StageError.missingInput` without `crystals.h5`; `StoreError` for files of another encoding
    ///   or inconsistent ones (naming the file, the dataset and, for a bad atom, the crystal).
    init(directory: RunDirectory, threads: Int) throws {
        let path = directory.file("crystals.h5")
        guard FileManager.default.fileExists(atPath: path) else {
            throw StageError.missingInput(path, makeWith: "ingest")
        }
        let root = try StoreFile.open(path).root
        try root.requireEncoding("crystals", supported: ["1"])
        ids = try root.readStrings("graph_id")
        formulas = try root.readStrings("graph_formula")
        let count = ids.count
        let nodePtr = try root.read("node_ptr", as: Int64.self, threads: threads).values
        let numbers = try root.read("node_atomic_number", as: UInt8.self, threads: threads).values
        let lattices = try root.read("graph_lattice", as: Double.self, threads: threads).values
        guard formulas.count == count, lattices.count == 9 * count else {
            throw StoreError.corrupt(
                file: path, object: "/",
                reason: "\(count) ids, \(formulas.count) formulas, \(lattices.count / 9) lattices")
        }
        guard nodePtr.count == count + 1, nodePtr.first == 0, nodePtr.last == Int64(numbers.count),
            zip(nodePtr, nodePtr.dropFirst()).allSatisfy({ $0 <= $1 })
        else {
            throw StoreError.corrupt(
                file: path, object: "/node_ptr",
                reason: "offsets do not cover the \(numbers.count) atoms of \(count) crystals")
        }
        var siteCounts: [Int] = []
        var elements: [ElementSet] = []
        var volumes: [Double] = []
        var densities: [Double] = []
        for crystal in 0..<count {
            var set = ElementSet()
            var mass = 0.0
            for atom in Int(nodePtr[crystal])..<Int(nodePtr[crystal + 1]) {
                guard let element = Element(atomicNumber: Int(numbers[atom])) else {
                    throw StoreError.corrupt(
                        file: path, object: "/node_atomic_number",
                        reason: "atomic number \(numbers[atom]) in crystal \(ids[crystal])")
                }
                set.insert(element)
                mass += element.mass
            }
            let volume = Lattice(rowMajor: Array(lattices[(9 * crystal)..<(9 * crystal + 9)])).volume
            siteCounts.append(Int(nodePtr[crystal + 1] - nodePtr[crystal]))
            elements.append(set)
            volumes.append(volume)
            densities.append(Self.densityPerMassPerVolume * mass / volume)
        }
        self.siteCounts = siteCounts
        self.elements = elements
        self.volumes = volumes
        self.densities = densities
        labels = try Self.readLabels(root, count: count, threads: threads)

        var inputs = ["crystals.h5"]
        let rows = Dictionary(ids.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { first, _ in first })
        let graphsPath = directory.file("graphs.h5")
        spaceGroups =
            FileManager.default.fileExists(atPath: graphsPath)
            ? try Self.readSpaceGroups(graphsPath, rows: rows, threads: threads) : nil
        if spaceGroups != nil { inputs.append("graphs.h5") }
        let predictionsPath = directory.file("predictions.h5")
        if FileManager.default.fileExists(atPath: predictionsPath) {
            predictions = try Self.readPredictions(predictionsPath, rows: rows, threads: threads)
            inputs.append("predictions.h5")
        } else {
            predictions = []
        }
        self.inputs = inputs
    }

    /// Number of crystals.
    var count: Int { ids.count }

    /// The `labels/` datasets of `crystals.h5` as columns `label/NAME`.
    private static func readLabels(_ root: StoreGroup, count: Int, threads: Int) throws -> [Column] {
        guard root.contains("labels") else { return [] }
        let group = try root.group("labels")
        try group.requireEncoding("labels", supported: ["1"])
        return try group.childNames().sorted().map { name in
            let dataset = try group.dataset(name)
            let values = try dataset.read(as: Double.self, threads: threads).values
            guard values.count == count else {
                throw StoreError.corrupt(
                    file: root.file.path, object: dataset.path, reason: "\(values.count) labels for \(count) crystals")
            }
            let units = dataset.hasAttribute("units") ? try dataset.stringAttribute("units") : ""
            return Column(name: "label/\(name)", units: units, mean: values, std: nil)
        }
    }

    /// The space groups of `graphs.h5` in crystal order, or `nil` when it holds none (built without
    /// `--spacegroup`: every number is 0).
    private static func readSpaceGroups(_ path: String, rows: [String: Int], threads: Int) throws -> [Int32]? {
        let root = try StoreFile.open(path).root
        try root.requireEncoding("graphs", supported: ["1"])
        guard root.contains("graph_spacegroup_number") else { return nil }
        let numbers = try root.read("graph_spacegroup_number", as: Int32.self, threads: threads).values
        guard numbers.contains(where: { $0 != 0 }) else { return nil }
        let ids = try root.readStrings("graph_id")
        guard ids.count == numbers.count else {
            throw StoreError.corrupt(
                file: path, object: "/graph_spacegroup_number",
                reason: "\(numbers.count) values for \(ids.count) graphs")
        }
        var result = [Int32](repeating: 0, count: rows.count)
        for (id, number) in zip(ids, numbers) {
            if let row = rows[id] { result[row] = number }
        }
        return result
    }

    /// Every `MODEL/TARGET` of `predictions.h5` (encoding `predictions` v2), in crystal order.
    private static func readPredictions(_ path: String, rows: [String: Int], threads: Int) throws -> [Column] {
        let root = try StoreFile.open(path).root
        try root.requireEncoding("predictions", supported: ["2"])
        let ids = try root.readStrings("graph_id")
        var columns: [Column] = []
        for model in try root.childNames() where model != "graph_id" && model != "graph_note" {
            let modelGroup = try root.group(model)
            for target in try modelGroup.childNames() {
                let group = try modelGroup.group(target)
                var values: [[Double]] = []
                for name in ["mean", "std"] {
                    let read = try group.read(name, as: Double.self, threads: threads).values
                    guard read.count == ids.count else {
                        throw StoreError.corrupt(
                            file: path, object: "\(group.path)/\(name)",
                            reason: "\(read.count) values for \(ids.count) crystals")
                    }
                    var column = [Double](repeating: .nan, count: rows.count)
                    for (id, value) in zip(ids, read) {
                        if let row = rows[id] { column[row] = value }
                    }
                    values.append(column)
                }
                let units = group.hasAttribute("units") ? try group.stringAttribute("units") : ""
                columns.append(Column(name: "\(model)/\(target)", units: units, mean: values[0], std: values[1]))
            }
        }
        return columns
    }
}
