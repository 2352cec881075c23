import Foundation
import Store
import _TestSupport

@testable import Stages

/// A hand-made run directory for the rank tests: nine small crystals with known predictions.
///
/// Model `m1` predicts `x` and `y` (maximised in the tests), model `m2` predicts `y` (so a bare `y` is
/// ambiguous) and `z`. In (x, y) the Pareto fronts are {a, b, c}, {d, e}, {f, g, h}:
///
/// ```
///  y                      a (1, 9)   b (5, 5)   c (9, 1)
///  9 a                    d (4, 4)   e (8, 0.5)
///  5       b              f (3, 3)   g (7, 0.2) h (2, 3.5)
///  4      d
///  3.5  h
///  3     f
///  1               c
///  0.5           e
///  0.2         g
///    ------------------ x
/// ```
/// Crystal `i` has no prediction (it is missing from `predictions.h5`) and so NaN; `b` has `m1/x` std 3, every
/// other std is 0. Label `n` is NaN for `c`. Crystals are stored in the order `h c a g e b i d f`, and
/// `predictions.h5` lists them in the reverse order, so the stage must match rows by id.
enum RankFixture {
    /// Crystal ids in store order.
    static let ids = ["h", "c", "a", "g", "e", "b", "i", "d", "f"]
    /// Element symbols of each crystal (atoms at (0,0,0), (½,½,½), (¼,¼,¼), (¾,¾,¾) of a cubic cell).
    static let atoms: [String: [UInt8]] = [
        "a": [26, 82], "b": [11, 17], "c": [14, 8, 8], "d": [48, 52], "e": [3, 26, 8, 8], "f": [12, 8],
        "g": [80, 16], "h": [20, 8], "i": [19, 35],
    ]
    static let formulas: [String: String] = [
        "a": "FePb", "b": "NaCl", "c": "SiO2", "d": "CdTe", "e": "LiFeO2", "f": "MgO", "g": "HgS", "h": "CaO",
        "i": "KBr",
    ]
    /// Cubic cell edge of each crystal, Å.
    static func edge(_ id: String) -> Double { 3 + Double(ids.firstIndex(of: id) ?? 0) * 0.5 }
    /// `m1/x` and `m1/y`.
    static let xy: [String: (Double, Double)] = [
        "a": (1, 9), "b": (5, 5), "c": (9, 1), "d": (4, 4), "e": (8, 0.5), "f": (3, 3), "g": (7, 0.2),
        "h": (2, 3.5),
    ]
    /// `m2/z` (minimised in the tests): d and h are better in z than every point that dominates them in (x, y).
    static let z: [String: Double] = ["a": 5, "b": 5, "c": 5, "d": 1, "e": 5, "f": 5, "g": 5, "h": 0]
    /// Label `n`.
    static let n: [String: Double] = [
        "a": 1.5, "b": 2.5, "c": .nan, "d": 3.5, "e": 1.5, "f": 2, "g": 4, "h": 1, "i": 2.2,
    ]
    static let fractions: [SIMD3<Double>] = [
        SIMD3(0, 0, 0), SIMD3(0.5, 0.5, 0.5), SIMD3(0.25, 0.25, 0.25), SIMD3(0.75, 0.75, 0.75),
    ]

    /// Writes `crystals.h5` and `predictions.h5` (and `graphs.h5` with space groups when asked) into `dir`.
    static func write(in dir: TemporaryDirectory, spaceGroups: Bool = false) throws {
        let crystals = try StoreFile.create(dir.file("crystals.h5"))
        let root = try crystals.root
        try root.setEncoding("crystals", version: "1")
        try root.write("graph_id", strings: ids)
        try root.write("graph_formula", strings: ids.map { formulas[$0] ?? "" })
        try root.write(
            "graph_lattice",
            NDArray(
                shape: [ids.count, 3, 3],
                values: ids.flatMap { id in [edge(id), 0, 0, 0, edge(id), 0, 0, 0, edge(id)] }))
        var ptr: [Int64] = [0]
        var numbers: [UInt8] = []
        var coords: [Double] = []
        for id in ids {
            let z = atoms[id] ?? []
            numbers += z
            for k in z.indices { coords += [fractions[k].x, fractions[k].y, fractions[k].z] }
            ptr.append(Int64(numbers.count))
        }
        try root.write("node_ptr", ptr)
        try root.write("node_atomic_number", numbers)
        try root.write("node_frac_coords", NDArray(shape: [numbers.count, 3], values: coords))
        let labels = try root.createGroup("labels")
        try labels.setEncoding("labels", version: "1")
        try labels.write("n", ids.map { n[$0] ?? .nan }).setAttribute("units", "1")
        try crystals.close()

        let predicted = ids.filter { $0 != "i" }.reversed()
        let predictions = try StoreFile.create(dir.file("predictions.h5"))
        let top = try predictions.root
        try top.setEncoding("predictions", version: "2")
        try top.write("graph_id", strings: Array(predicted))
        try top.write("graph_note", strings: predicted.map { _ in "" })
        func target(_ path: String, mean: [Double], std: [Double], units: String) throws {
            let group = try top.createGroup(path)
            try group.setAttribute("task", "regression")
            try group.setAttribute("units", units)
            try group.write("mean", mean)
            try group.write("std", std)
        }
        let zeros = predicted.map { _ in 0.0 }
        try target(
            "m1/x", mean: predicted.map { xy[$0]?.0 ?? .nan }, std: predicted.map { $0 == "b" ? 3 : 0 }, units: "eV")
        try target("m1/y", mean: predicted.map { xy[$0]?.1 ?? .nan }, std: zeros, units: "eV/atom")
        try target("m2/y", mean: predicted.map { -(xy[$0]?.1 ?? .nan) }, std: zeros, units: "eV/atom")
        try target("m2/z", mean: predicted.map { z[$0] ?? .nan }, std: zeros, units: "1")
        try predictions.close()

        guard spaceGroups else { return }
        let graphs = try StoreFile.create(dir.file("graphs.h5"))
        try graphs.root.setEncoding("graphs", version: "1")
        try graphs.root.write("graph_id", strings: ids)
        try graphs.root.write("graph_spacegroup_number", ids.map { Int32($0 == "i" ? 0 : 221) })
        try graphs.close()
    }

    /// Runs `xtal-rank` in-process with `arguments` (after `--store DIR --quiet`); the objectives keep the
    /// order of `arguments`.
    static func rank(_ arguments: [String], in dir: TemporaryDirectory) throws -> RankStage.Summary {
        let command = try RankCommand.parse(["--store", dir.path, "--quiet"] + arguments)
        let exports = try command.exports.map(RankExport.init(parsing:))
        return try RankStage(
            parameters: command.parameters(arguments: arguments), exports: exports, options: command.common
        )
        .run()
    }
}
