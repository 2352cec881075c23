#if MPI
    import CMPI

    /// The MPI side of `Communicator`: initialisation and the collectives on an `MPI_Comm`.
    ///
    /// MPI's default error handler (`MPI_ERRORS_ARE_FATAL`) ends the job on a failed collective, so their return
    /// codes need no checks here.
    extension Communicator {
        /// `MPI_COMM_WORLD`, initialising MPI first unless this process already did.
        static func mpiWorld() throws -> Communicator {
            var finalized: Int32 = 0
            MPI_Finalized(&finalized)
            guard finalized == 0 else { throw DistributedError.alreadyFinalized }
            var initialized: Int32 = 0
            MPI_Initialized(&initialized)
            if initialized == 0 {
                var provided: Int32 = 0
                let code = MPI_Init_thread(nil, nil, xs_MPI_THREAD_SERIALIZED(), &provided)
                guard code == xs_MPI_SUCCESS() else { throw DistributedError.initializationFailed(code: code) }
            }
            let world = xs_MPI_COMM_WORLD()
            var rank: Int32 = 0
            var size: Int32 = 0
            MPI_Comm_rank(world, &rank)
            MPI_Comm_size(world, &size)
            return Communicator(rank: Int(rank), size: Int(size), backend: .mpi(world))
        }

        /// `MPI_Allgatherv` of `bytes` after an `MPI_Allgather` of the counts.
        static func allgather(_ bytes: [UInt8], size: Int, on handle: MPI_Comm?) -> [[UInt8]] {
            var count = Int64(bytes.count)
            var counts = [Int64](repeating: 0, count: size)
            MPI_Allgather(&count, 1, xs_MPI_INT64_T(), &counts, 1, xs_MPI_INT64_T(), handle)
            let total = counts.reduce(0, +)
            precondition(total < Int64(Int32.max), "Communicator.allgather: \(total) bytes in all, over 2^31")
            let sizes = counts.map { Int32($0) }
            var offsets = [Int32](repeating: 0, count: size)
            for r in 1..<max(size, 1) { offsets[r] = offsets[r - 1] + sizes[r - 1] }
            // At least one byte each, so that no buffer address is null.
            let send = bytes.isEmpty ? [0] : bytes
            var received = [UInt8](repeating: 0, count: max(Int(total), 1))
            send.withUnsafeBytes { sendBuffer in
                received.withUnsafeMutableBytes { receiveBuffer in
                    _ = MPI_Allgatherv(
                        sendBuffer.baseAddress, Int32(bytes.count), xs_MPI_BYTE(), receiveBuffer.baseAddress, sizes,
                        offsets, xs_MPI_BYTE(), handle)
                }
            }
            return (0..<size).map { r in Array(received[Int(offsets[r])..<Int(offsets[r] + sizes[r])]) }
        }

        /// `MPI_Bcast` of the count, then of the bytes.
        static func broadcast(_ bytes: [UInt8], from root: Int, isRoot: Bool, on handle: MPI_Comm?) -> [UInt8] {
            var count = Int64(bytes.count)
            MPI_Bcast(&count, 1, xs_MPI_INT64_T(), Int32(root), handle)
            precondition(count < Int64(Int32.max), "Communicator.broadcast: \(count) bytes, over 2^31")
            var buffer = isRoot ? bytes : [UInt8](repeating: 0, count: Int(count))
            guard count > 0 else { return buffer }
            buffer.withUnsafeMutableBytes { pointer in
                _ = MPI_Bcast(pointer.baseAddress, Int32(count), xs_MPI_BYTE(), Int32(root), handle)
            }
            return buffer
        }

        /// `MPI_Finalize` unless it already ran.
        static func finalizeMPI() {
            var finalized: Int32 = 0
            MPI_Finalized(&finalized)
            if finalized == 0 { MPI_Finalize() }
        }
    }
#endif
