import Crystal
import Foundation
import Graph
import Store

// Times `buildGraph` alone, in-process, on every crystal of a crystals.h5 (one thread): the builder's own cost,
// without process start or store I/O. Prints one JSON line per repeat.
//   graph-bench RUN_DIR/crystals.h5 [--method radius|knn|min-image] [--repeats R] [--asymmetric-unit]
let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: graph-bench CRYSTALS_H5 [--method M] [--repeats R]\n".utf8))
    exit(64)
}
func option(_ name: String) -> String? {
    arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
}
let method = GraphParameters.Method(rawValue: option("--method") ?? "radius") ?? .radius
let repeats = Int(option("--repeats") ?? "5") ?? 5
let parameters = GraphParameters(method: method, asymmetricUnit: arguments.contains("--asymmetric-unit"))

let root = try StoreFile.open(arguments[1]).root
let ptr = try root.read("node_ptr", as: Int64.self).values
let lattices = try root.read("graph_lattice", as: Double.self).values
let numbers = try root.read("node_atomic_number", as: UInt8.self).values
let coords = try root.read("node_frac_coords", as: Double.self).values
var crystals: [Crystal] = []
for index in 0..<(ptr.count - 1) {
    var sites: [Site] = []
    for atom in Int(ptr[index])..<Int(ptr[index + 1]) {
        guard let element = Element(atomicNumber: Int(numbers[atom])) else { continue }
        let position = SIMD3<Double>(coords[3 * atom], coords[3 * atom + 1], coords[3 * atom + 2])
        sites.append(Site(element, position))
    }
    crystals.append(
        Crystal(
            id: String(index), lattice: Lattice(rowMajor: Array(lattices[(9 * index)..<(9 * index + 9)])), sites: sites)
    )
}
for _ in 0..<repeats {
    let start = DispatchTime.now().uptimeNanoseconds
    var edges = 0
    for crystal in crystals { edges += buildGraph(for: crystal, parameters: parameters).edgeCount }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    print(
        "{\"impl\": \"buildGraph \(method.rawValue)\", \"count\": \(crystals.count), \"seconds\": \(seconds), \"edges\": \(edges)}"
    )
}
