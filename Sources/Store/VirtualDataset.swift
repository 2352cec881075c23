import CHDF5
import Foundation

/// One piece of a virtual dataset: rows of a dataset in another file, shown at some rows of the virtual one.
public struct VirtualSource: Sendable, Equatable {
    /// The source file, relative to the directory of the file holding the virtual dataset (HDF5 resolves a
    /// relative source there, whatever the reader's working directory), so a run directory moves whole.
    public var file: String
    /// The source dataset's path in that file (`/graph_id`, `/labels/band_gap`).
    public var dataset: String
    /// The source rows (first axis).
    public var rows: Range<Int>
    /// The virtual row where `rows.lowerBound` appears.
    public var destination: Int

    public init(file: String, dataset: String, rows: Range<Int>, destination: Int) {
        self.file = file
        self.dataset = dataset
        self.rows = rows
        self.destination = destination
    }
}

extension StoreGroup {
    /// Creates an HDF5 virtual dataset (VDS) of shape `[rows] + rowShape` that reads its rows from `sources`.
    ///
    /// The element type is `template`'s (a source dataset), copied as stored, so strings stay strings and
    /// readers see one ordinary dataset (in Swift and in h5py alike). Rows no source covers read as
    /// `fill` (a float dataset's missing label is then NaN), or as zero without one. With no rows or no
    /// sources the dataset is an ordinary empty or filled one instead: HDF5 wants at least one mapping.
    ///
    /// - Throws: `StoreError.hdf5` naming this file and the dataset when HDF5 refuses a mapping.
    @discardableResult
    public func createVirtualDataset(
        _ name: String, like template: StoreDataset, rows: Int, sources: [VirtualSource], fill: Double? = nil
    ) throws -> StoreDataset {
        let rowShape = Array(try template.shape().dropFirst())
        let shape = [rows] + rowShape
        for source in sources {
            precondition(
                source.rows.lowerBound >= 0 && source.destination >= 0
                    && source.destination + source.rows.count <= rows,
                "createVirtualDataset: source rows \(source.rows) at \(source.destination) outside 0..<\(rows) of \(name)"
            )
        }
        let fileType = try call("H5Dget_type") { H5Dget_type(template.objectID) }
        defer { H5Tclose(fileType) }
        let space = try makeDataspace(shape, file: file.path, object: childPath(name))
        defer { H5Sclose(space) }
        let dcpl = try call("H5Pcreate") { H5Pcreate(xs_H5P_DATASET_CREATE()) }
        defer { H5Pclose(dcpl) }
        try call("H5Pset_obj_track_times") { H5Pset_obj_track_times(dcpl, false) }
        if var fill {
            try call("H5Pset_fill_value") { H5Pset_fill_value(dcpl, xs_H5T_NATIVE_DOUBLE(), &fill) }
        }
        let mapped = sources.filter { !$0.rows.isEmpty }
        if mapped.isEmpty || rows == 0 {
            // A chunked empty dataset, its rows (if any) all `fill`; chunks of whole rows.
            var chunk = [hsize_t(max(1, min(rows, 1024)))] + rowShape.map { hsize_t(max($0, 1)) }
            try call("H5Pset_chunk") { H5Pset_chunk(dcpl, Int32(chunk.count), &chunk) }
        }
        for source in mapped {
            var sourceShape = [hsize_t(source.rows.upperBound)] + rowShape.map { hsize_t($0) }
            let sourceSpace = try call("H5Screate_simple") {
                H5Screate_simple(Int32(sourceShape.count), &sourceShape, nil)
            }
            defer { H5Sclose(sourceSpace) }
            var start = [hsize_t](repeating: 0, count: shape.count)
            var count = [hsize_t(source.rows.count)] + rowShape.map { hsize_t($0) }
            start[0] = hsize_t(source.rows.lowerBound)
            try call("H5Sselect_hyperslab") {
                H5Sselect_hyperslab(sourceSpace, H5S_SELECT_SET, &start, nil, &count, nil)
            }
            start[0] = hsize_t(source.destination)
            try call("H5Sselect_hyperslab") { H5Sselect_hyperslab(space, H5S_SELECT_SET, &start, nil, &count, nil) }
            try call("H5Pset_virtual \(source.file):\(source.dataset)") {
                H5Pset_virtual(dcpl, space, source.file, source.dataset, sourceSpace)
            }
        }
        H5Sselect_all(space)
        let id = try HDF5Runtime.call(file.path, childPath(name), "creating virtual dataset") {
            H5Dcreate2(objectID, name, fileType, space, xs_H5P_DEFAULT(), dcpl, xs_H5P_DEFAULT())
        }
        return StoreDataset(file: file, handle: H5Handle(id, closer: H5Dclose), path: childPath(name))
    }
}

extension StoreDataset {
    /// Whether the dataset is virtual (its rows live in other files).
    public var isVirtual: Bool {
        let dcpl = H5Dget_create_plist(objectID)
        guard dcpl >= 0 else { return false }
        defer { H5Pclose(dcpl) }
        return H5Pget_layout(dcpl) == H5D_VIRTUAL
    }
}
