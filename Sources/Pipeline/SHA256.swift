import CCrypto
import Foundation

/// SHA-256 digests (OpenSSL's libcrypto), as lowercase hex: file checksums in `data-manifest.json`,
/// parameter hashes and input hashes in provenance and the lock file.
public enum SHA256 {
    /// The digest of `bytes`.
    public static func hex(_ bytes: some Collection<UInt8>) -> String {
        let digest = Digest()
        Array(bytes).withUnsafeBytes { digest.update($0) }
        return digest.finish()
    }

    /// The digest of a string's UTF-8 bytes.
    public static func hex(_ text: String) -> String { hex(Array(text.utf8)) }

    /// The digest of a file's contents, read in 1 MiB pieces.
    ///
    /// - Throws: `PipelineError.io` if the file cannot be read.
    public static func hex(fileAt path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw PipelineError.io(path: path, message: "cannot open to hash")
        }
        defer { try? handle.close() }
        let digest = Digest()
        while true {
            let chunk: Data
            do {
                chunk = try handle.read(upToCount: 1 << 20) ?? Data()
            } catch {
                throw PipelineError.io(path: path, message: "read failed while hashing: \(error.localizedDescription)")
            }
            if chunk.isEmpty { break }
            chunk.withUnsafeBytes { digest.update($0) }
        }
        return digest.finish()
    }

    private struct Digest {
        private final class Context {
            let pointer: OpaquePointer?
            init() {
                pointer = EVP_MD_CTX_new()
                EVP_DigestInit_ex(pointer, EVP_sha256(), nil)
            }
            deinit { EVP_MD_CTX_free(pointer) }
        }
        private let context = Context()

        func update(_ bytes: UnsafeRawBufferPointer) {
            EVP_DigestUpdate(context.pointer, bytes.baseAddress, bytes.count)
        }

        func finish() -> String {
            var out = [UInt8](repeating: 0, count: 32)
            var length: UInt32 = 0
            EVP_DigestFinal_ex(context.pointer, &out, &length)
            let digits = Array("0123456789abcdef".utf8)
            var hex: [UInt8] = []
            hex.reserveCapacity(Int(length) * 2)
            for byte in out.prefix(Int(length)) { hex += [digits[Int(byte >> 4)], digits[Int(byte & 15)]] }
            return String(decoding: hex, as: UTF8.self)
        }
    }
}

extension SHA256 {
    /// The digest of a file or a folder; `nil` when nothing is at `path`.
    ///
    /// A folder's digest is that of each regular file's relative path and digest, in sorted order, so a folder of
    /// exports hashes the same wherever it lies.
    ///
    /// - Throws: `PipelineError.io` when a file cannot be read.
    public static func hex(contentsAt path: String) throws -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
        guard isDirectory.boolValue else { return try hex(fileAt: path) }
        guard let enumerator = FileManager.default.enumerator(atPath: path) else {
            throw PipelineError.io(path: path, message: "cannot list the folder to hash it")
        }
        var lines: [String] = []
        for case let relative as String in enumerator {
            let full = (path as NSString).appendingPathComponent(relative)
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &isFolder), !isFolder.boolValue {
                lines.append("\(relative)\t\(try hex(fileAt: full))")
            }
        }
        return hex(lines.sorted().joined(separator: "\n"))
    }
}
