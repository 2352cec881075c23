import CHDF5
import Foundation
import Synchronization
import Testing

@testable import Store

/// Files and HDF5's `flock` on them.
///
/// A child process started while a file is open shares its descriptor until `exec`: the lock must not outlive
/// the file's close through that copy, a lock another program holds for a moment must not fail an open, and one
/// held for good must be reported.
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

    /// A copy of `file`'s descriptor, as a child process started while it is open holds one until `exec`.
    static func inheritedCopy(of file: StoreFile) throws -> Int32 {
        var handle: UnsafeMutableRawPointer?
        try #require(H5Fget_vfd_handle(file.handle.id, xs_H5P_DEFAULT(), &handle) >= 0)
        let copy = dup(try #require(handle).load(as: Int32.self))
        try #require(copy >= 0)
        return copy
    }

    @Test(arguments: [true, false])
    func aClosedFileIsUnlockedThoughACopyOfItsDescriptorLivesOn(writable: Bool) throws {
        let dir = try TemporaryDirectory()
        let path = try Self.emptyFile(in: dir)
        let file = try StoreFile.open(path, writable: writable)
        let copy = try Self.inheritedCopy(of: file)
        defer { close(copy) }
        try file.close()
        close(try Self.lock(path))
        // Released with the last reference, not closed: the same.
        let dropped = try Self.inheritedCopy(of: try StoreFile.open(path, writable: writable))
        defer { close(dropped) }
        close(try Self.lock(path))
    }

    @Test func aFileOpenTwiceStaysLockedUntilItsLastClose() throws {
        let dir = try TemporaryDirectory()
        let path = try Self.emptyFile(in: dir)
        let first = try StoreFile.open(path, writable: true)
        let second = try StoreFile.open(path, writable: true)
        try first.close()
        let other = Glibc.open(path, O_RDWR)
        defer { close(other) }
        #expect(flock(other, LOCK_SH | LOCK_NB) == -1 && errno == EWOULDBLOCK)
        try second.root.write("x", [Int32(7)])
        try second.close()
        #expect(flock(other, LOCK_EX | LOCK_NB) == 0)
    }

    @Test func aVirtualDatasetReadsAShardThatAChildProcessStillHolds() throws {
        let dir = try TemporaryDirectory()
        try VirtualDatasetTests.writeFiles(dir)
        let shard = try StoreFile.open(dir.file("parts/b.h5"), writable: true)
        let copy = try Self.inheritedCopy(of: shard)
        defer { close(copy) }
        try shard.close()
        // HDF5 opens the shard itself; a refused lock would read as fill values, with no error.
        let x = try StoreFile.open(dir.file("joined.h5")).root.dataset("x")
        #expect(VirtualDatasetTests.same(try x.read(as: Double.self).values, VirtualDatasetTests.expected))
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
        // Each child started while the file is open shares its lock until it reaches exec; with neither the
        // unlock at close nor the retries, about half of such opens failed with EWOULDBLOCK (1401 of 3000).
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
