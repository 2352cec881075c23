import CHDF5

/// Writing and reading whole datasets of numbers and strings.
///
/// Every dataset of rank ≥ 1 is chunked along the first axis (whole rows per chunk, about
/// `options.chunkBytes` per chunk, or the whole dataset when it is smaller), compressed per `options.compression`, and has an unlimited first axis
/// so it can be appended to. Rank-0 datasets are stored contiguous and uncompressed.
extension StoreGroup {
    /// Writes `array` as a new dataset `name`, replacing none: the name must be free.
    ///
    /// zstd datasets are compressed chunk by chunk on `options.threads` threads (`ChunkedIO`).
    @discardableResult
    public func write<T: StoreScalar>(
        _ name: String, _ array: NDArray<T>, options: DatasetOptions = DatasetOptions()
    ) throws -> StoreDataset {
        let dataset = try createDataset(
            name, fileType: T.fileType, shape: array.shape, elementBytes: MemoryLayout<T>.stride, options: options)
        guard !array.values.isEmpty else { return dataset }
        try array.values.withUnsafeBytes { bytes in
            if case .zstd(let level) = options.compression, !array.shape.isEmpty, hostIsLittleEndian {
                let rowBytes = array.rowSize * MemoryLayout<T>.stride
                let chunks = ChunkedIO(
                    dataset: dataset, shape: array.shape,
                    chunkRows: options.chunkRows(rowBytes: rowBytes, rows: array.shape[0]),
                    rowBytes: rowBytes, threads: options.threads)
                try chunks.write(bytes, level: level)
            } else {
                try dataset.call("H5Dwrite") {
                    H5Dwrite(
                        dataset.objectID, T.memoryType, xs_H5S_ALL(), xs_H5S_ALL(), xs_H5P_DEFAULT(), bytes.baseAddress)
                }
            }
        }
        return dataset
    }

    /// Writes a rank-1 dataset `name` of `values`.
    @discardableResult
    public func write<T: StoreScalar>(
        _ name: String, _ values: [T], options: DatasetOptions = DatasetOptions()
    ) throws -> StoreDataset {
        try write(name, NDArray(values), options: options)
    }

    /// Writes a dataset of variable-length UTF-8 strings with `shape` (default: rank 1).
    ///
    /// String datasets are chunked but never filtered: HDF5 1.10 refuses filters on variable-length types,
    /// and their characters live in the global heap, where chunk filters would not reach them anyway.
    @discardableResult
    public func write(
        _ name: String, strings: [String], shape: [Int]? = nil, options: DatasetOptions = DatasetOptions()
    ) throws -> StoreDataset {
        let shape = shape ?? [strings.count]
        precondition(
            shape.reduce(1, *) == strings.count, "StoreGroup.write: \(strings.count) strings for shape \(shape)")
        let type = try StringCodec.makeType(file: file.path, object: childPath(name))
        defer { H5Tclose(type) }
        var unfiltered = options
        unfiltered.compression = .none
        let dataset = try createDataset(name, fileType: type, shape: shape, elementBytes: 16, options: unfiltered)
        if !strings.isEmpty {
            _ = try StringCodec.withCStrings(strings) { pointers in
                try dataset.call("H5Dwrite") {
                    H5Dwrite(dataset.objectID, type, xs_H5S_ALL(), xs_H5S_ALL(), xs_H5P_DEFAULT(), pointers)
                }
            }
        }
        return dataset
    }

    /// Reads the whole dataset `name` as `T`, decompressing zstd chunks on `threads` threads.
    public func read<T: StoreScalar>(
        _ name: String, as type: T.Type = T.self, threads: Int = DatasetOptions.defaultThreads
    ) throws -> NDArray<T> {
        try dataset(name).read(as: type, threads: threads)
    }

    /// Reads the string dataset `name`, flattened.
    public func readStrings(_ name: String) throws -> [String] {
        try dataset(name).readStrings()
    }

    /// Creates an empty dataset `name` of `shape` with the store's chunking and compression rules.
    func createDataset(
        _ name: String, fileType: hid_t, shape: [Int], elementBytes: Int, options: DatasetOptions
    ) throws -> StoreDataset {
        let object = childPath(name)
        let dcpl = try HDF5Runtime.call(file.path, object, "H5Pcreate") { H5Pcreate(xs_H5P_DATASET_CREATE()) }
        defer { H5Pclose(dcpl) }
        // No modification times in object headers: the same data gives the same bytes on every run.
        try HDF5Runtime.call(file.path, object, "H5Pset_obj_track_times") { H5Pset_obj_track_times(dcpl, false) }
        var maxShape: [hsize_t]?
        if !shape.isEmpty {
            let rowBytes = shape.dropFirst().reduce(elementBytes, *)
            let chunk = [options.chunkRows(rowBytes: rowBytes, rows: shape[0])] + shape.dropFirst().map { max($0, 1) }
            maxShape = [xs_H5S_UNLIMITED()] + shape.dropFirst().map { $0 == 0 ? xs_H5S_UNLIMITED() : hsize_t($0) }
            try HDF5Runtime.call(file.path, object, "H5Pset_chunk") {
                H5Pset_chunk(dcpl, Int32(chunk.count), chunk.map { hsize_t($0) })
            }
            try HDF5Runtime.call(file.path, object, "setting compression \(options.compression)") {
                options.compression.apply(to: dcpl)
            }
            // Raw chunks get HDF5's Fletcher32 checksum, so damage on disk is found as zstd's frame checksums and
            // gzip's Adler-32 find it (variable-length strings take no filter).
            if case .none = options.compression, H5Tis_variable_str(fileType) <= 0 {
                try HDF5Runtime.call(file.path, object, "H5Pset_fletcher32") { H5Pset_fletcher32(dcpl) }
            }
        }
        let space = try makeDataspace(shape.isEmpty ? nil : shape, maxShape: maxShape, file: file.path, object: object)
        defer { H5Sclose(space) }
        let lcpl = try HDF5Runtime.call(file.path, object, "H5Pcreate") { H5Pcreate(xs_H5P_LINK_CREATE()) }
        defer { H5Pclose(lcpl) }
        try HDF5Runtime.call(file.path, object, "H5Pset_create_intermediate_group") {
            H5Pset_create_intermediate_group(lcpl, 1)
        }
        let id = try HDF5Runtime.call(file.path, object, "creating dataset") {
            H5Dcreate2(objectID, name, fileType, space, lcpl, dcpl, xs_H5P_DEFAULT())
        }
        return StoreDataset(file: file, handle: H5Handle(id, closer: H5Dclose), path: object)
    }
}
