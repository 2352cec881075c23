import Graph
import Store

/// Writes `graphs.h5` (encoding `graphs`, version 1; docs/store-format.md §6) one graph at a time, appending
/// in blocks, with memory bounded by a few chunks per dataset (`DatasetAppender`) plus one block of graphs.
final class GraphsWriter {
    /// The encoding written.
    static let encoding = (type: "graphs", version: "1")

    private let output: AtomicStoreFile
    /// The file's root group.
    let root: StoreGroup
    private let ids: StringAppender
    private let spaceGroupSymbols: StringAppender
    private let notes: StringAppender
    private let spaceGroupNumbers: DatasetAppender<Int32>
    private let nodeAtomIndex: RaggedAppender<Int32>
    private let nodeMultiplicity: DatasetAppender<Int32>
    private let nodeAtomicNumber: DatasetAppender<UInt8>
    private let edgeSrc: RaggedAppender<Int32>
    private let edgeDst: DatasetAppender<Int32>
    private let edgeImage: DatasetAppender<Int32>
    private let edgeDistance: DatasetAppender<Double>
    private let edgeVector: DatasetAppender<Double>?
    private let tripletEdgeA: RaggedAppender<Int32>?
    private let tripletEdgeB: DatasetAppender<Int32>?
    private let tripletAngle: DatasetAppender<Double>?
    /// Graphs gathered before they are appended to the datasets.
    static let blockSize = 1024
    private var pending: [CrystalGraph] = []
    /// Graphs written.
    private(set) var count = 0
    /// Nodes, edges and triplets written.
    private(set) var totals = (nodes: 0, edges: 0, triplets: 0)

    /// Starts `path` (through `path.partial`), recording `parameters` (and their canonical JSON) on the root.
    init(path: String, parameters: GraphParameters, parametersJSON: String, options: DatasetOptions) throws {
        output = try AtomicStoreFile(creating: path)
        root = try output.file.root
        try root.setEncoding(Self.encoding.type, version: Self.encoding.version)
        try root.setAttribute("parameters", parametersJSON)
        try root.setAttribute("parameters_version", Int64(GraphParameters.version))
        try root.setAttribute("method", parameters.method.rawValue)
        ids = try StringAppender(root, "graph_id", options: options)
        spaceGroupNumbers = DatasetAppender(root, "graph_spacegroup_number", options: options)
        spaceGroupSymbols = try StringAppender(root, "graph_spacegroup_symbol", options: options)
        notes = try StringAppender(root, "graph_note", options: options)
        nodeAtomIndex = try RaggedAppender(root, "node_atom_index", ptrName: "node_ptr", options: options)
        nodeMultiplicity = DatasetAppender(root, "node_multiplicity", options: options)
        nodeAtomicNumber = DatasetAppender(root, "node_atomic_number", options: options)
        edgeSrc = try RaggedAppender(root, "edge_src", ptrName: "edge_ptr", options: options)
        edgeDst = DatasetAppender(root, "edge_dst", options: options)
        edgeImage = DatasetAppender(root, "edge_image", rowShape: [3], options: options)
        edgeDistance = DatasetAppender(root, "edge_distance", options: options)
        edgeVector =
            Self.storesVectors(parameters) ? DatasetAppender(root, "edge_vector", rowShape: [3], options: options) : nil
        if parameters.lineGraph {
            tripletEdgeA = try RaggedAppender(root, "triplet_edge_a", ptrName: "triplet_ptr", options: options)
            tripletEdgeB = DatasetAppender(root, "triplet_edge_b", options: options)
            tripletAngle = DatasetAppender(root, "triplet_angle", options: options)
        } else {
            (tripletEdgeA, tripletEdgeB, tripletAngle) = (nil, nil, nil)
        }
    }

    /// Whether `edge_vector` is stored: for asymmetric units, idealised crystals and line graphs.
    ///
    /// An asymmetric unit's edge sources are representatives, not the real neighbours, and an idealised crystal
    /// is not the one in `crystals.h5`, so their vectors must be kept; otherwise a full-cell graph's vectors
    /// follow from `crystals.h5`: L · (frac[atom of src] + image − frac[atom of dst]), exactly as they were computed.
    static func storesVectors(_ parameters: GraphParameters) -> Bool {
        parameters.asymmetricUnit || parameters.symmetrize || parameters.lineGraph
    }

    /// Appends the graph of crystal `id`.
    func append(_ graph: CrystalGraph, id: String) throws {
        try ids.append(id)
        try spaceGroupSymbols.append(graph.spaceGroupSymbol)
        try notes.append(graph.note)
        pending.append(graph)
        count += 1
        totals.nodes += graph.nodeCount
        totals.edges += graph.edgeCount
        totals.triplets += graph.tripletCount
        if pending.count == Self.blockSize { try flush() }
    }

    /// Appends the pending graphs, one call per dataset: measured 12 % faster for the whole stage than
    /// appending each graph's arrays on their own.
    private func flush() throws {
        guard !pending.isEmpty else { return }
        func joined<T>(_ part: (CrystalGraph) -> [T]) -> [T] {
            var all: [T] = []
            all.reserveCapacity(pending.reduce(0) { $0 + part($1).count })
            for graph in pending { all += part(graph) }
            return all
        }
        try spaceGroupNumbers.append(contentsOf: pending.map(\.spaceGroupNumber))
        try nodeAtomIndex.append(items: joined(\.nodeAtomIndex), rowCounts: pending.map(\.nodeCount))
        try nodeMultiplicity.append(contentsOf: joined(\.nodeMultiplicity))
        try nodeAtomicNumber.append(contentsOf: joined(\.nodeAtomicNumber))
        try edgeSrc.append(items: joined(\.edgeSrc), rowCounts: pending.map(\.edgeCount))
        try edgeDst.append(contentsOf: joined(\.edgeDst))
        try edgeImage.append(contentsOf: joined(\.edgeImage))
        try edgeDistance.append(contentsOf: joined(\.edgeDistance))
        if let edgeVector { try edgeVector.append(contentsOf: joined(\.edgeVector)) }
        if let tripletEdgeA, let tripletEdgeB, let tripletAngle {
            try tripletEdgeA.append(items: joined(\.tripletEdgeA), rowCounts: pending.map(\.tripletCount))
            try tripletEdgeB.append(contentsOf: joined(\.tripletEdgeB))
            try tripletAngle.append(contentsOf: joined(\.tripletAngle))
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Finishes every dataset, stamps provenance and publishes the file.
    func commit(provenance: Provenance) throws {
        try flush()
        for strings in [ids, spaceGroupSymbols, notes] { try strings.finish() }
        try spaceGroupNumbers.finish()
        try nodeAtomIndex.finish()
        try nodeMultiplicity.finish()
        try nodeAtomicNumber.finish()
        try edgeSrc.finish()
        try edgeDst.finish()
        try edgeImage.finish()
        try edgeDistance.finish().setAttribute("units", "angstrom")
        try edgeVector?.finish().setAttribute("units", "angstrom")
        if let tripletEdgeA, let tripletEdgeB, let tripletAngle {
            try tripletEdgeA.finish()
            try tripletEdgeB.finish()
            try tripletAngle.finish().setAttribute("units", "radian")
        }
        try output.commit(provenance)
    }
}
