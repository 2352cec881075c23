import Foundation
import Synchronization
import Testing

@testable import Store

/// HDF5 locks files with `flock`; a lock another open file description holds for a moment (a child process
/// between its fork and `exec`) must not fail an open, and one held for good must be reported.
@Suite struct FileLockTests {
    /// An empty HDF5 file in `dir`, closed.
    static func emptyFile(in dir: TemporaryDirectory) throws -> String {
        let path = dir.file("store.h5")
        try StoreFile.create(path).close()
        return path
    }

    /// Another program's lock on `path`: an exclusive `flock` on a descriptor of its own.
    static func lock(_ path: String) throws -> Int32 {
        let fd = Glibc.open(path, O_RDWR)
        try #require(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
        return fd
    }

    @Test func opensSucceedWhileAnotherThreadStartsChildProcesses() throws {
        let dir = try TemporaryDirectory()
        let path = try Self.emptyFile(in: dir)
        let stop = Mutex(false)
        let spawner = Thread {
            while !stop.withLock({ $0 }) {
                let child = Process()
                child.executableURL = URL(fileURLWithPath: "/bin/true")
                try? child.run()
                child.waitUntilExit()
            }
        }
        spawner.start()
        defer { stop.withLock { $0 = true } }
        // Each child started while the file is open shares its lock until it reaches exec; without the retries
        // about half of these opens failed with EWOULDBLOCK.
        for round in 0..<1000 {
            let file = try StoreFile.open(path, writable: round % 4 != 0)
            try file.close()
        }
    }

    @Test func aLockReleasedWhileWaitingLetsTheOpenSucceed() throws {
        let dir = try TemporaryDirectory()
        let path = try Self.emptyFile(in: dir)
        let fd = try Self.lock(path)
        let releaser = Thread {
            usleep(30_000)
            close(fd)
        }
        releaser.start()
        let file = try StoreFile.open(path, writable: true)
        try file.root.write("x", [Float(1)])
        try file.close()
    }

    @Test func aLockHeldThroughThePatienceIsReported() throws {
        let dir = try TemporaryDirectory()
        let path = try Self.emptyFile(in: dir)
        let fd = try Self.lock(path)
        defer { close(fd) }
        for writable in [true, false] {
            #expect {
                try StoreFile.open(path, writable: writable, lockPatience: 20)
            } throws: { error in
                let reason = "unable to lock file: Resource temporarily unavailable (errno 11)"
                return "\(error)" == "\(path):/: opening failed: \(reason)"
            }
        }
    }
}
