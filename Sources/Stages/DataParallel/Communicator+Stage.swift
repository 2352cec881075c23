import ArgumentParser
import Distributed
import Foundation

extension Communicator {
    /// Runs a training stage executable's work with this process's communicator (`Communicator.world()`), and
    /// ends MPI when it is done.
    ///
    /// An error is printed as `LABEL: cause` (`LABEL (rank r of n): cause` for several ranks) and exits 1; with
    /// several ranks it aborts them all (`abort(code:)`), since the others may be waiting for this one.
    ///
    /// - Throws: `ExitCode.failure` after printing the error (a single process).
    static func runStage(_ label: String, _ body: (Communicator) throws -> Void) throws {
        let report = { (line: String) in FileHandle.standardError.write(Data((line + "\n").utf8)) }
        let communicator: Communicator
        do {
            communicator = try Communicator.world()
        } catch {
            report("\(label): \(error)")
            throw ExitCode.failure
        }
        do {
            try body(communicator)
        } catch {
            let size = communicator.size
            report(size > 1 ? "\(label) (rank \(communicator.rank) of \(size)): \(error)" : "\(label): \(error)")
            if size > 1 { communicator.abort(code: 1) }
            communicator.finalize()
            throw ExitCode.failure
        }
        communicator.finalize()
    }
}
