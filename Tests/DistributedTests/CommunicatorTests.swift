import Distributed
import Testing

/// The communicator of a process not started by an MPI launcher, and what the launchers' variables say.
@Suite struct CommunicatorTests {
    @Test func aPlainProcessIsRankZeroOfOne() throws {
        let world = try Communicator.world(environment: ["PATH": "/usr/bin"])
        #expect(world.rank == 0 && world.size == 1)
        #expect(world.allgather([1, 2, 3]) == [[1, 2, 3]])
        #expect(world.broadcast([4, 5]) == [4, 5])
        world.finalize()
    }

    @Test func launchersAreRecognisedByTheirVariables() {
        let openMPI = LaunchEnvironment(["OMPI_COMM_WORLD_SIZE": "4", "OMPI_COMM_WORLD_RANK": "3", "PMIX_RANK": "3"])
        #expect(openMPI == LaunchEnvironment(["PMI_SIZE": "4", "PMI_RANK": "3"]))
        #expect(openMPI.isLaunched && openMPI.size == 4 && openMPI.rank == 3)
        #expect(LaunchEnvironment(["PMIX_RANK": "0"]).isLaunched)
        #expect(!LaunchEnvironment(["HOME": "/root"]).isLaunched)
    }

    /// A build without MPI under `mpirun -np 2` would train twice, alone; it refuses instead.
    @Test(.enabled(if: !Communicator.isMPIBuild))
    func aBuildWithoutMPIRefusesALaunchOfSeveralRanks() throws {
        #expect(throws: DistributedError.launchedWithoutMPI(rank: 1, size: 2)) {
            try Communicator.world(environment: ["OMPI_COMM_WORLD_SIZE": "2", "OMPI_COMM_WORLD_RANK": "1"])
        }
        #expect(
            DistributedError.launchedWithoutMPI(rank: 1, size: 2).description
                == "launched as rank 1 of 2 by mpirun, but this build has no MPI: build with --traits default,MPI")
        #expect(try Communicator.world(environment: ["OMPI_COMM_WORLD_SIZE": "1"]).size == 1)
    }
}
