import Foundation
import Models

/// DSSL's per-element micro-property targets (`data/dssl_micro_properties.json`, from the DSSL reference):
/// atomic stiffness and the valence-electron class, by atomic number.
struct MicroPropertyTable {
    private let stiffness: [Int: Float]
    private let valence: [Int: Int]

    /// Reads the table at `path`.
    ///
    /// - Throws: `StageError.incompatibleInput` naming the file when it cannot be read or lacks either table.
    init(path: String) throws {
        struct File: Decodable {
            var atomicStiffness: [String: Double]
            var valenceElectronClass: [String: Int]

            enum CodingKeys: String, CodingKey {
                case atomicStiffness = "atomic_stiffness"
                case valenceElectronClass = "valence_electron_class"
            }
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StageError.missingInput(path, makeWith: "`git checkout data/` (it ships with XtalScreen)")
        }
        do {
            let file = try JSONDecoder().decode(File.self, from: data)
            stiffness = Dictionary(
                file.atomicStiffness.compactMap { key, value in Int(key).map { ($0, Float(value)) } },
                uniquingKeysWith: { first, _ in first })
            valence = Dictionary(
                file.valenceElectronClass.compactMap { key, value in Int(key).map { ($0, value) } },
                uniquingKeysWith: { first, _ in first })
        } catch {
            throw StageError.incompatibleInput(path, reason: "not a micro-property table: \(error)")
        }
    }

    /// The target of `property` for atomic number `z` (a class as a number); nil when the table lacks `z`.
    func target(_ property: DSSL.MicroProperty, of z: Int) -> Float? {
        switch property {
        case .stiffness: stiffness[z]
        case .valence: valence[z].map(Float.init)
        }
    }
}
