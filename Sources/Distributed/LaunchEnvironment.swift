/// What a process's environment says about how it was launched: by `mpirun` (Open MPI), a PMI launcher (MPICH's
/// Hydra, Slurm's `srun`) or PMIx, as rank `rank` of `size`; or as a plain process.
///
/// Read from the variables the launchers set: `OMPI_COMM_WORLD_SIZE` and `OMPI_COMM_WORLD_RANK` (Open MPI),
/// `PMI_SIZE` and `PMI_RANK` (PMI), `PMIX_RANK` (PMIx, which names no size).
public struct LaunchEnvironment: Sendable, Equatable {
    /// The number of ranks launched, when a launcher names it.
    public let size: Int?
    /// This process's rank, when a launcher names it.
    public let rank: Int?

    /// Reads `environment` (a process's variables by name).
    public init(_ environment: [String: String]) {
        size = (environment["OMPI_COMM_WORLD_SIZE"] ?? environment["PMI_SIZE"]).flatMap { Int($0) }
        rank = (environment["OMPI_COMM_WORLD_RANK"] ?? environment["PMI_RANK"] ?? environment["PMIX_RANK"])
            .flatMap { Int($0) }
    }

    /// Whether a launcher started this process (so MPI must be initialised to find its peers).
    public var isLaunched: Bool { size != nil || rank != nil }
}
