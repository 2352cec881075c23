import ArgumentParser
import Crystal
import Foundation

/// `xtal-ingest`: reads crystal structure files into the run directory's `crystals.h5`.
public struct IngestCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "xtal-ingest",
        abstract: "Read crystal structures into the store (crystals.h5).",
        discussion: """
            Reads CIF (symmetry-expanded), VASP POSCAR/CONTCAR, extended XYZ, pymatgen Structure JSON, Materials \
            Project documents (JSON array or JSON Lines), MatBench files (.json.gz, pandas split/columns), and CSV \
            files whose structure column holds pymatgen's text rendering or CIF text; any of them plain, .gz or .zst; \
            folders of such files, with a CGCNN id_prop.csv for labels. Every structure is validated; rejected \
            records are listed with their reason in crystals.h5 /rejects and the rest go on. With --unique, copies of \
            a crystal already read are dropped and listed there too, as duplicates (not errors).
            """,
        version: XtalVersion.current
    )

    @Argument(help: ArgumentHelp("Input files or folders.", valueName: "INPUT"))
    var inputs: [String] = []

    @OptionGroup var common: StageOptions
    @OptionGroup var sharding: ShardOptions

    @Option(help: "Input format: auto, \(InputFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format = "auto"

    @Option(name: .customLong("id-field"), help: "The JSON key or CSV column holding each structure's id.")
    var idField: String?

    @Option(name: .customLong("structure-field"), help: "The JSON key or CSV column holding the structure.")
    var structureField: String?

    @Option(
        name: .customLong("label"),
        help: ArgumentHelp(
            "Store field FIELD as label NAME (repeatable). Default: every numeric MatBench/CSV/id_prop.csv column.",
            valueName: "NAME=FIELD[:UNIT]"))
    var labels: [String] = []

    @Option(name: .customLong("max-reject-fraction"), help: "Fail when more than this fraction of records is rejected.")
    var maxRejectFraction = 0.5

    @Option(name: .customLong("min-distance"), help: "Reject structures with atoms closer than this (Å).")
    var minDistance = 0.5

    @Option(name: .customLong("max-atoms"), help: "Reject structures with more atoms than this.")
    var maxAtoms = 5000

    @Flag(
        help: """
            Drop a crystal whose structure matches one kept earlier (same reduced formula and atoms per primitive \
            cell, volume per atom within 1 %, mean neighbour distances within 0.02 Å, whatever the cell setting or \
            atom order); each is listed in crystals.h5 /rejects with kind 'duplicate'.
            """)
    var unique = false

    public init() {}

    public mutating func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("give at least one INPUT file or folder") }
        guard format == "auto" || InputFormat(rawValue: format) != nil else {
            throw ValidationError(
                "--format must be auto or one of \(InputFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        for label in labels where LabelSpec(parsing: label) == nil {
            throw ValidationError("--label '\(label)' is not NAME=FIELD[:UNIT]")
        }
        guard (0...1).contains(maxRejectFraction) else { throw ValidationError("--max-reject-fraction must be in 0…1") }
        guard minDistance >= 0, maxAtoms > 0 else { throw ValidationError("--min-distance ≥ 0 and --max-atoms > 0") }
    }

    /// The stage parameters these flags give.
    var parameters: IngestParameters {
        var parameters = IngestParameters(inputs: inputs)
        parameters.format = format
        parameters.idField = idField
        parameters.structureField = structureField
        parameters.labels = labels.compactMap(LabelSpec.init(parsing:))
        parameters.maxRejectFraction = maxRejectFraction
        parameters.validation = ValidationRules(minDistance: minDistance, maxAtoms: maxAtoms)
        parameters.unique = unique
        return parameters
    }

    public func run() throws {
        do {
            _ = try Ingest(parameters: parameters, options: common, shard: try sharding.resolved()).run()
        } catch {
            FileHandle.standardError.write(Data("xtal-ingest: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
