/// Why the processes of a data-parallel run could not be set up; one line each.
public enum DistributedError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The environment shows a launch of several ranks (`mpirun -np n`), but this build has no MPI: each process
    /// would train alone, n identical runs writing the same files.
    case launchedWithoutMPI(rank: Int, size: Int)
    /// `MPI_Init_thread` returned the error code.
    case initializationFailed(code: Int32)
    /// MPI was finalized earlier in this process and cannot start again.
    case alreadyFinalized

    public var description: String {
        switch self {
        case .launchedWithoutMPI(let rank, let size):
            "launched as rank \(rank) of \(size) by mpirun, but this build has no MPI: build with --traits default,MPI"
        case .initializationFailed(let code): "MPI_Init_thread failed with error code \(code)"
        case .alreadyFinalized: "MPI was already finalized in this process"
        }
    }
}
