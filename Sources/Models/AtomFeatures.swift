import Foundation
import Tensor

/// CGCNN's per-element input features (`atom_init.json`: atomic number → 92 binary properties).
public struct AtomFeatures: Sendable {
    public let width: Int
    private let table: [Int: [Float]]

    /// Reads `atom_init.json` at `path`.
    ///
    /// - Throws: when the file is unreadable or not an object of equal-length number arrays.
    public init(path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let decoded = try JSONDecoder().decode([String: [Float]].self, from: data)
        var table: [Int: [Float]] = [:]
        for (key, row) in decoded {
            guard let z = Int(key) else { throw AtomFeaturesError.badKey(key, path: path) }
            table[z] = row
        }
        guard let width = table.values.first?.count, table.values.allSatisfy({ $0.count == width }) else {
            throw AtomFeaturesError.ragged(path: path)
        }
        self.width = width
        self.table = table
    }

    /// A table from its rows: `rows[k]` are the features of atomic number `atomicNumbers[k]`.
    ///
    /// - Precondition: one row per atomic number, all of one width.
    public init(atomicNumbers: [Int], rows: [[Float]]) {
        precondition(
            atomicNumbers.count == rows.count && !rows.isEmpty && rows.allSatisfy { $0.count == rows[0].count },
            "AtomFeatures: \(atomicNumbers.count) atomic numbers, \(rows.count) rows")
        width = rows[0].count
        table = Dictionary(uniqueKeysWithValues: zip(atomicNumbers, rows))
    }

    /// The atomic numbers covered, ascending, with their rows (for saving the table with a model).
    public var rows: (atomicNumbers: [Int], rows: [[Float]]) {
        let numbers = table.keys.sorted()
        return (numbers, numbers.map { table[$0] ?? [] })
    }

    /// Whether the table has features for atomic number `z`.
    public func covers(_ z: UInt8) -> Bool { table[Int(z)] != nil }

    /// [atoms, width] features of the given atomic numbers.
    ///
    /// - Throws: `AtomFeaturesError.unknownElement` for an element the table lacks.
    public func features(_ atomicNumbers: [UInt8]) throws -> Tensor<Float> {
        var values: [Float] = []
        values.reserveCapacity(atomicNumbers.count * width)
        for z in atomicNumbers {
            guard let row = table[Int(z)] else { throw AtomFeaturesError.unknownElement(Int(z)) }
            values += row
        }
        return Tensor(shape: [atomicNumbers.count, width], values: values)
    }
}

/// Why atom features could not be read or made; one line each.
public enum AtomFeaturesError: Error, CustomStringConvertible, Equatable {
    case badKey(String, path: String)
    case ragged(path: String)
    case unknownElement(Int)

    public var description: String {
        switch self {
        case .badKey(let key, let path): "\(path): key '\(key)' is not an atomic number"
        case .ragged(let path): "\(path): feature rows differ in length"
        case .unknownElement(let z): "no CGCNN atom features for Z = \(z)"
        }
    }
}
