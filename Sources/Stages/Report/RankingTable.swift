import Foundation
import Store

/// The ranked crystals of `ranking.h5` (written by `xtal-rank`): rows in ranked order with their Pareto front,
/// shortlist flag and objective values, and the objectives that ranked them.
struct RankingTable {
    /// One objective of the ranking.
    struct Objective: Decodable {
        var property: String
        /// `maximize` or `minimize`.
        var direction: String

        /// `band_gap (maximize ↑)`.
        var axisLabel: String { "\(property) (\(direction)\(direction == "maximize" ? " ↑" : " ↓"))" }
    }

    var ids: [String]
    var formulas: [String]
    var rank: [Int64]
    /// Pareto front, from 1; 0 for an unranked row.
    var front: [Int64]
    var shortlisted: [Bool]
    /// `[row][objective]`.
    var value: [[Double]]
    var mean: [[Double]]
    var std: [[Double]]
    var objectives: [Objective]
    var filters: [String]
    var risk: String
    /// Crystals considered, and those that passed the filters.
    var candidates: Int
    var passed: Int

    var count: Int { ids.count }
    var shortlistCount: Int { shortlisted.filter { $0 }.count }

    /// Reads `path`.
    ///
    /// - Throws: `StoreError` when the file is of another encoding or version, a dataset is missing or of the
    ///   wrong length, or an attribute is not the JSON it should be.
    init(path: String) throws {
        let root = try StoreFile.open(path).root
        try root.requireEncoding("ranking", supported: ["1"])
        func decode<T: Decodable>(_ type: T.Type, _ attribute: String) throws -> T {
            do {
                return try JSONDecoder().decode(T.self, from: Data(try root.stringAttribute(attribute).utf8))
            } catch let error as StoreError {
                throw error
            } catch {
                throw StoreError.corrupt(file: path, object: "/\(attribute)", reason: "not valid JSON for it: \(error)")
            }
        }
        objectives = try decode([Objective].self, "objectives")
        filters = root.hasAttribute("filters") ? try decode([String].self, "filters") : []
        risk = root.hasAttribute("risk") ? try root.stringAttribute("risk") : ""
        candidates = root.hasAttribute("candidates") ? Int(try root.attribute("candidates", as: Int64.self)) : 0
        passed = root.hasAttribute("passed") ? Int(try root.attribute("passed", as: Int64.self)) : 0
        ids = try root.readStrings("graph_id")
        let rows = ids.count
        formulas = try root.readStrings("graph_formula")
        rank = try root.read("rank", as: Int64.self).values
        front = try root.read("front", as: Int64.self).values
        shortlisted = try root.read("shortlisted", as: UInt8.self).values.map { $0 != 0 }
        let columns = objectives.count
        func matrix(_ name: String) throws -> [[Double]] {
            let array = try root.read(name, as: Double.self)
            guard array.values.count == rows * columns else {
                throw StoreError.corrupt(
                    file: path, object: "/\(name)",
                    reason: "shape \(array.shape), expected [\(rows), \(columns)] for \(columns) objectives")
            }
            return (0..<rows).map { Array(array.values[($0 * columns)..<(($0 + 1) * columns)]) }
        }
        value = try matrix("objective_value")
        mean = try matrix("objective_mean")
        std = try matrix("objective_std")
        for (name, count) in [
            ("graph_formula", formulas.count), ("rank", rank.count), ("front", front.count),
            ("shortlisted", shortlisted.count),
        ] where count != rows {
            throw StoreError.corrupt(file: path, object: "/\(name)", reason: "\(count) rows, graph_id has \(rows)")
        }
    }
}
