import Foundation

#if MPI
    import CMPI
#endif

/// The processes of one data-parallel run, each knowing its rank, and the collective operations between them.
///
/// `Communicator.world()` is MPI's `MPI_COMM_WORLD` in a build with the package trait `MPI` launched by `mpirun`
/// (or another MPI launcher), and otherwise this process alone (rank 0 of 1, whose collectives return their input).
/// Collectives move bytes: callers pack what they send (same-machine byte order on every rank). Every rank must
/// call the same collectives in the same order, from one thread at a time; `finalize()` once at the end of the
/// process, or `abort(code:)` on an error that only some ranks meet (the others would wait forever).
///
/// The communicator holds no state beyond MPI's own; it is created once by an executable and passed to what needs it.
public struct Communicator {
    /// This process's rank, 0 ..< `size`.
    public let rank: Int
    /// The number of processes.
    public let size: Int
    let backend: Backend

    /// How the collectives are carried out.
    enum Backend {
        /// One process: nothing to exchange.
        case single
        #if MPI
            /// An MPI communicator handle.
            case mpi(MPI_Comm?)
        #endif
    }

    /// This process alone: rank 0 of 1.
    public static var single: Communicator { Communicator(rank: 0, size: 1, backend: .single) }

    /// Whether this build has MPI (built with `--traits default,MPI`).
    public static var isMPIBuild: Bool {
        #if MPI
            true
        #else
            false
        #endif
    }

    /// The processes launched together with this one.
    ///
    /// When no MPI launcher started the process (`LaunchEnvironment.isLaunched` is false), this process alone,
    /// without initialising MPI. Under a launcher, a build with MPI initialises it (once per process,
    /// `MPI_THREAD_SERIALIZED`) and returns `MPI_COMM_WORLD`; a build without MPI returns this process alone for a
    /// launch of one rank and refuses a launch of several.
    ///
    /// - Parameter environment: the process's environment variables.
    /// - Returns: this process's communicator.
    /// - Throws: `DistributedError.launchedWithoutMPI` when several ranks were launched but this build has no MPI;
    ///   `initializationFailed` or `alreadyFinalized` when MPI cannot start.
    public static func world(environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> Communicator
    {
        let launch = LaunchEnvironment(environment)
        guard launch.isLaunched else { return .single }
        #if MPI
            return try mpiWorld()
        #else
            if let size = launch.size, size > 1 {
                throw DistributedError.launchedWithoutMPI(rank: launch.rank ?? 0, size: size)
            }
            return .single
        #endif
    }

    /// Every rank's `bytes`, in rank order; ranks may send different numbers of bytes.
    ///
    /// MPI: the counts are allgathered first, then the bytes with `MPI_Allgatherv`.
    ///
    /// - Precondition: all ranks together send fewer than 2³¹ bytes (MPI's `int` counts).
    public func allgather(_ bytes: [UInt8]) -> [[UInt8]] {
        switch backend {
        case .single: return [bytes]
        #if MPI
            case .mpi(let handle): return Self.allgather(bytes, size: size, on: handle)
        #endif
        }
    }

    /// The root rank's `bytes` on every rank (other ranks' `bytes` are ignored).
    ///
    /// - Precondition: `root` is a rank; the root sends fewer than 2³¹ bytes.
    public func broadcast(_ bytes: [UInt8], from root: Int = 0) -> [UInt8] {
        precondition(root >= 0 && root < size, "Communicator.broadcast: root \(root) of \(size) ranks")
        switch backend {
        case .single: return bytes
        #if MPI
            case .mpi(let handle): return Self.broadcast(bytes, from: root, isRoot: rank == root, on: handle)
        #endif
        }
    }

    /// Ends MPI in this process (`MPI_Finalize`, collective: every rank calls it); nothing for a single process.
    public func finalize() {
        switch backend {
        case .single: return
        #if MPI
            case .mpi: Self.finalizeMPI()
        #endif
        }
    }

    /// Ends every rank of the run with exit status `code` (`MPI_Abort`), so that an error met by some ranks does not
    /// leave the others waiting in a collective; a single process just exits.
    public func abort(code: Int32) -> Never {
        #if MPI
            if case .mpi(let handle) = backend { MPI_Abort(handle, code) }
        #endif
        exit(code)
    }
}
