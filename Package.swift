// swift-tools-version: 6.1
//
// XtalScreen: a high-throughput screening pipeline for crystalline materials.
// One library target per layer, thin executables (see docs/architecture.md and each module's README).

import PackageDescription

let package = Package(
    name: "XtalScreen",
    products: [
        .executable(name: "xtal", targets: ["xtal"]),
        .executable(name: "xtal-ingest", targets: ["xtal-ingest"]),
        .executable(name: "xtal-graph", targets: ["xtal-graph"]),
        .executable(name: "xtal-pretrain", targets: ["xtal-pretrain"]),
        .executable(name: "xtal-embed", targets: ["xtal-embed"]),
        .executable(name: "xtal-train", targets: ["xtal-train"]),
        .executable(name: "xtal-predict", targets: ["xtal-predict"]),
        .executable(name: "xtal-rank", targets: ["xtal-rank"]),
        .executable(name: "xtal-report", targets: ["xtal-report"]),
        // Libraries for the fuzz targets of Fuzz/Package.swift (scripts/fuzz).
        .library(name: "Crystal", targets: ["Crystal"]),
        .library(name: "Pipeline", targets: ["Pipeline"]),
        .library(name: "Stages", targets: ["Stages"]),
    ],
    traits: [
        .trait(
            name: "MPI",
            description: "MPI data-parallel training (xtal-train, xtal-pretrain under mpirun); needs Open MPI.")
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // MARK: Concurrency

        /** `parallelFor` and `forEachChunk`: the one wrapper around Dispatch's concurrentPerform. */
        .target(name: "Parallel", exclude: ["README.md"]),

        // MARK: System libraries (Debian packages installed by scripts/bootstrap)

        /** HDF5 1.10 C API, serial build (pkg-config `hdf5-serial`), with accessors for its macro constants. */
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5-serial", providers: [.apt(["libhdf5-dev"])]),
        /** Zstandard compression (libzstd), used by the HDF5 zstd filter 32015. */
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        /** CBLAS from OpenBLAS (pkg-config `openblas`), plus its thread-control functions. */
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        /** spglib 2.x symmetry finder (space groups, crystallographic orbits). */
        .systemLibrary(name: "CSpglib", pkgConfig: "spglib", providers: [.apt(["libsymspg-dev"])]),
        /** Intel ISA-L's igzip: streaming gzip (DEFLATE) decoding for `.gz` inputs, about 3× zlib's speed. */
        .systemLibrary(name: "CIsal", pkgConfig: "libisal", providers: [.apt(["libisal-dev"])]),
        /** OpenSSL's libcrypto, for SHA-256 (checksums, parameter and input hashes). */
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        /** Open MPI's C API (pkg-config `ompi-c`), with accessors for its handle macros; only with the trait `MPI`,
            and only `Distributed` imports it. */
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),

        // MARK: Libraries

        /** Crystals: elements, lattices, sites, compositions, validation, periodic neighbour search, and readers
            for CIF, POSCAR, extended XYZ, pymatgen JSON/text, Materials Project and MatBench files (plain, .gz, .zst). */
        .target(name: "Crystal", dependencies: ["CIsal", "CZstd"], exclude: ["README.md"]),
        /** Crystal graphs: neighbour lists (radius, k nearest, minimum image), asymmetric units (spglib),
            line graphs. */
        .target(name: "Graph", dependencies: ["Crystal", "CSpglib"], exclude: ["README.md"]),
        /** Float32 activation loops in C, compiled for x86-64-v4, v3 and baseline x86-64 and picked at load time
            (bit-identical results on every v3/v4 CPU); `Tensor` calls them for Float. Optimised in debug builds
            too, so the tests run the vectorised loops the release build ships. */
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O2"])]),
        /** Tensors: Float32 (and Float64 for reference checks) arrays, a tape for reverse-mode gradients, the
            primitive ops each with its backward, matrix products on OpenBLAS. */
        .target(name: "Tensor", dependencies: ["CBLAS", "CKernels", "Parallel"], exclude: ["README.md"]),
        /** Layers, losses, optimisers and parameter trees on `Tensor`. */
        .target(name: "NN", dependencies: ["Tensor", "Store"], exclude: ["README.md"]),
        /** Models: CGCNN (published weights), later MT-CGCNN heads, DSSL, NEGNN, coGN/coNGN. */
        .target(
            name: "Models", dependencies: ["Crystal", "NN", "Tensor", "Store", "Parallel"], exclude: ["README.md"]),

        /** `Communicator`: the processes of a data-parallel run (rank, size, allgather, broadcast); MPI with the trait
            `MPI`, otherwise one process. */
        .target(
            name: "Distributed", dependencies: [.target(name: "CMPI", condition: .when(traits: ["MPI"]))],
            exclude: ["README.md"], swiftSettings: [.define("MPI", .when(traits: ["MPI"]))]),
        /** Typed HDF5 access: files, groups, n-d datasets, strings, attributes, ragged (CSR) arrays,
            chunked appends, zstd/gzip compression, external links, atomic output files. */
        .target(name: "Store", dependencies: ["CHDF5", "CZstd", "Parallel"], exclude: ["README.md"]),
        /** Stage machinery: ordered work queue, progress, SHA-256 and canonical parameter hashes; the pipeline
            file (YAML), its DAG, the lock file and the runner that executes stale stages as processes. */
        .target(
            name: "Pipeline", dependencies: ["Store", "CCrypto", "Parallel", .product(name: "Yams", package: "Yams")],
            exclude: ["README.md"]),
        /** One command type per stage, joining the layers; also the `xtal` entry command. */
        .target(
            name: "Stages",
            dependencies: [
                "Crystal", "Distributed", "Graph", "Models", "NN", "Parallel", "Pipeline", "Store", "Tensor",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            exclude: ["README.md"]
        ),

        // MARK: Executables (one @main file each)

        /** `xtal`: entry point; runs `xtal-<stage>` for `xtal <stage> …`. */
        .executableTarget(name: "xtal", dependencies: ["Stages"]),
        /** `xtal-ingest`: reads crystal dumps into `crystals.h5`. */
        .executableTarget(name: "xtal-ingest", dependencies: ["Stages"]),
        /** `xtal-graph`: builds crystal graphs into `graphs.h5`. */
        .executableTarget(name: "xtal-graph", dependencies: ["Stages"]),
        /** `xtal-pretrain`: self-supervised pretraining of an encoder into `models/<name>.h5`. */
        .executableTarget(name: "xtal-pretrain", dependencies: ["Stages"]),
        /** `xtal-embed`: embeds every crystal with an encoder into `embeddings.h5`. */
        .executableTarget(name: "xtal-embed", dependencies: ["Stages"]),
        /** `xtal-train`: trains multitask CGCNN models into `models/<name>.h5`. */
        .executableTarget(name: "xtal-train", dependencies: ["Stages"]),
        /** `xtal-predict`: runs models on the store's graphs into `predictions.h5`. */
        .executableTarget(name: "xtal-predict", dependencies: ["Stages"]),
        /** `xtal-rank`: filters and ranks the store's crystals into `ranking.h5` and exports the shortlist. */
        .executableTarget(name: "xtal-rank", dependencies: ["Stages"]),
        /** `xtal-report`: writes a self-contained HTML report with SVG plots about a run directory. */
        .executableTarget(name: "xtal-report", dependencies: ["Stages"]),

        // MARK: Benchmarks (run by scripts/bench/*)

        /** Times Store writes and reads of one large chunked dataset; scripts/bench/store compares with h5py. */
        .executableTarget(name: "store-bench", dependencies: ["Store"], path: "Benchmarks/StoreBench"),
        /** Times `buildGraph` alone on a store's crystals; scripts/bench/graph reports it next to the whole command. */
        .executableTarget(name: "graph-bench", dependencies: ["Graph", "Store"], path: "Benchmarks/GraphBench"),
        /** Times the engine's ops forward + backward at GNN sizes; scripts/bench/ops compares with PyTorch. */
        .executableTarget(name: "ops-bench", dependencies: ["NN", "Tensor"], path: "Benchmarks/OpsBench"),

        // MARK: Tests

        /** Test helpers shared by the test targets (temporary directories, child processes). */
        .target(name: "_TestSupport", path: "Tests/_TestSupport"),
        .testTarget(name: "CrystalTests", dependencies: ["Crystal"], exclude: ["Fixtures"]),
        .testTarget(name: "GraphTests", dependencies: ["Graph"], exclude: ["Fixtures"]),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "CBLAS", "CKernels", "_TensorTesting"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "Tensor", "Store", "_TensorTesting", "_TestSupport"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "NN", "Graph", "Crystal", "Tensor"]),
        /** Finite-difference gradient checks in Double, shared by the numeric engine's test targets. */
        .target(name: "_TensorTesting", dependencies: ["Tensor"], path: "Tests/_TensorTesting"),
        .testTarget(
            name: "StoreTests", dependencies: ["Store", "StoreFixtureWriter", "_TestSupport"], exclude: ["Python"]),
        .testTarget(
            name: "StagesTests",
            dependencies: [
                "Stages", "xtal", "xtal-ingest", "xtal-graph", "xtal-pretrain", "xtal-embed", "xtal-train",
                "xtal-predict",
                "xtal-rank", "xtal-report", "Distributed", "_TestSupport",
            ],
            exclude: ["Fixtures"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline"]),
        .testTarget(name: "DistributedTests", dependencies: ["Distributed"]),
        .testTarget(name: "SystemLibraryTests", dependencies: ["CBLAS", "CSpglib", "CIsal", "CZstd", "CHDF5"]),
        /** A child process for StoreTests: writes an atomic store file slowly so a test can SIGKILL it. */
        .executableTarget(name: "StoreFixtureWriter", dependencies: ["Store"], path: "Tests/StoreFixtureWriter"),
    ]
)
