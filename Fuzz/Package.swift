// swift-tools-version: 6.1
//
// libFuzzer targets for XtalScreen's parsers, built apart from the main package because a fuzzer's `main` is
// libFuzzer's: scripts/fuzz builds them with `swift build --sanitize fuzzer --sanitize address` and runs them.
// Seed corpora live in Tests/Fuzz/<target>/; crashers, once fixed, become tests in Tests/CrystalTests and
// Tests/PipelineTests.

import PackageDescription

let package = Package(
    name: "XtalScreenFuzz",
    dependencies: [.package(name: "XtalScreen", path: "..")],
    targets: [
        /** CIF files: block splitting, parsing (symmetry expansion, uncertainties, occupancies), validation. */
        .executableTarget(
            name: "fuzz-cif", dependencies: [.product(name: "Crystal", package: "XtalScreen")], path: "CIF"),
        /** VASP POSCAR/CONTCAR files: parsing and validation. */
        .executableTarget(
            name: "fuzz-poscar", dependencies: [.product(name: "Crystal", package: "XtalScreen")], path: "POSCAR"),
        /** pymatgen Structure JSON and Materials Project documents: the direct decoder against the JSON tree. */
        .executableTarget(
            name: "fuzz-pymatgen-json", dependencies: [.product(name: "Crystal", package: "XtalScreen")],
            path: "PymatgenJSON"),
        /** pymatgen's text rendering of a Structure (MatBench CSV cells): parsing and validation. */
        .executableTarget(
            name: "fuzz-pymatgen-text", dependencies: [.product(name: "Crystal", package: "XtalScreen")],
            path: "PymatgenText"),
        /** Pipeline files (YAML) against the real stage catalogue, then the step graph. */
        .executableTarget(
            name: "fuzz-pipeline-file",
            dependencies: [
                .product(name: "Pipeline", package: "XtalScreen"), .product(name: "Stages", package: "XtalScreen"),
            ],
            path: "PipelineFile"),
    ]
)
