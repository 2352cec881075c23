import Crystal
import Foundation
import Tensor

/// Which crystals train, validate and test a model.
struct DataSplit: Sendable, Equatable {
    /// How the split is made.
    enum Kind: Sendable, Hashable, Codable {
        /// Fractions of the labelled crystals, shuffled with the seed.
        case random(train: Double, validation: Double, test: Double)
        /// MatBench v0.1's official fold (0–4) of `task` (nil: inferred from the crystals' source files):
        /// the fold's test set, and its training set less a seeded validation fraction.
        case matbench(task: String?, fold: Int)

        /// Parses `random:TRAIN,VALIDATION,TEST`, `matbench:FOLD` or `matbench:TASK:FOLD`.
        init?(parsing text: String) {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            switch (parts.first, parts.count) {
            case ("random", 2):
                let fractions = parts[1].split(separator: ",").compactMap { Double($0) }
                guard fractions.count == 3, fractions.allSatisfy({ $0 >= 0 }), fractions[0] > 0,
                    abs(fractions.reduce(0, +) - 1) < 1e-6
                else { return nil }
                self = .random(train: fractions[0], validation: fractions[1], test: fractions[2])
            case ("matbench", 2), ("matbench", 3):
                guard let fold = Int(parts[parts.count - 1]), (0..<5).contains(fold) else { return nil }
                self = .matbench(task: parts.count == 3 ? parts[1] : nil, fold: fold)
            default: return nil
            }
        }
    }

    /// Crystal indices (positions in the store), each list ascending.
    var train: [Int]
    var validation: [Int]
    var test: [Int]

    /// Splits the crystals `eligible` (ascending store positions) with `seed`: the same crystals and seed give
    /// the same split.
    static func random(
        _ eligible: [Int], train: Double, validation: Double, seed: UInt64
    ) -> DataSplit {
        var generator = SeededGenerator(seed: seed ^ 0x5EED_5B11)
        let shuffled = eligible.shuffled(using: &generator)
        let trainCount = Int((train * Double(eligible.count)).rounded())
        let validationCount = min(Int((validation * Double(eligible.count)).rounded()), eligible.count - trainCount)
        return DataSplit(
            train: shuffled[..<trainCount].sorted(),
            validation: shuffled[trainCount..<(trainCount + validationCount)].sorted(),
            test: shuffled[(trainCount + validationCount)...].sorted())
    }

    /// The MatBench fold `fold` of `task` over crystals identified by (source file, record); crystals of other
    /// files, and those not `eligible` (no label), are left out.
    ///
    /// - Throws: `TrainError.matbench` when the splits file lacks the task, or no crystal maps into it.
    static func matbench(
        task: String?, fold: Int, folds: MatbenchFolds, sources: [String], records: [Int], eligible: Set<Int>,
        validationFraction: Double, seed: UInt64
    ) throws -> DataSplit {
        var trainRows: [Int] = []
        var test: [Int] = []
        var assignments: [String: [Int: MatbenchFolds.Side]] = [:]
        for crystal in eligible.sorted() {
            guard let name = task ?? MatbenchFolds.task(forSource: sources[crystal]) else { continue }
            if assignments[name] == nil { assignments[name] = try folds.assignment(task: name, fold: fold) ?? [:] }
            switch assignments[name]?[records[crystal]] {
            case .train: trainRows.append(crystal)
            case .test: test.append(crystal)
            case nil: continue
            }
        }
        guard !trainRows.isEmpty && !test.isEmpty else {
            throw TrainError.matbench(
                "no labelled crystal of the store belongs to MatBench fold \(fold) of "
                    + (task ?? "a task named by its source file (matbench_<task>…)"))
        }
        let inner = random(trainRows, train: 1 - validationFraction, validation: validationFraction, seed: seed)
        // Rounding can leave a crystal in neither part: it trains.
        return DataSplit(train: (inner.train + inner.test).sorted(), validation: inner.validation, test: test)
    }
}

/// MatBench v0.1's official folds (`matbench_v0.1_validation.json[.gz]` from the `matbench` package).
struct MatbenchFolds {
    enum Side { case train, test }
    private let splits: [String: Any]
    let path: String

    /// Reads the validation file at `path` (plain or compressed).
    init(path: String) throws {
        self.path = path
        var reader = ByteReader(try openByteSource(path))
        let object = try JSONSerialization.jsonObject(with: Data(try reader.readToEnd()))
        guard let root = object as? [String: Any], let splits = root["splits"] as? [String: Any] else {
            throw TrainError.matbench("\(path): no \"splits\" object (not a MatBench validation file)")
        }
        self.splits = splits
    }

    /// The MatBench task a source file holds, from its name: `matbench_dielectric.json.gz`,
    /// `matbench-phonons.csv` → `matbench_dielectric`, `matbench_phonons`.
    static func task(forSource path: String) -> String? {
        var stem = ((path as NSString).lastPathComponent).lowercased().replacingOccurrences(of: "-", with: "_")
        while let dot = stem.lastIndex(of: ".") { stem = String(stem[..<dot]) }
        return stem.hasPrefix("matbench_") ? stem : nil
    }

    /// Row (0-based record) → side, for `fold` of `task`; nil when the file has no such task.
    func assignment(task: String, fold: Int) throws -> [Int: Side]? {
        guard let folds = splits[task] as? [String: Any] else { return nil }
        guard let entry = folds["fold_\(fold)"] as? [String: Any], let train = entry["train"] as? [String],
            let test = entry["test"] as? [String]
        else { throw TrainError.matbench("\(path): \(task) has no fold_\(fold) with train and test ids") }
        var sides: [Int: Side] = [:]
        // Ids are mb-<task>-<1-based row, zero-padded>.
        for (ids, side) in [(train, Side.train), (test, Side.test)] {
            for id in ids {
                guard let dash = id.lastIndex(of: "-"), let row = Int(id[id.index(after: dash)...]) else {
                    throw TrainError.matbench("\(path): unexpected MatBench id '\(id)'")
                }
                sides[row - 1] = side
            }
        }
        return sides
    }
}
