import Foundation
import Testing

@testable import Pipeline

@Suite struct SHA256Tests {
    @Test func knownDigests() throws {
        #expect(SHA256.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sha-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let big = [UInt8](repeating: 0x61, count: 3_000_001)
        try Data(big).write(to: URL(fileURLWithPath: path))
        #expect(try SHA256.hex(fileAt: path) == SHA256.hex(big))
        #expect(throws: PipelineError.self) { try SHA256.hex(fileAt: path + ".missing") }
    }

    @Test func canonicalJSONIgnoresFieldOrder() throws {
        struct A: Encodable {
            var cutoff = 8.0
            var name = "radius"
        }
        struct B: Encodable {
            var name = "radius"
            var cutoff = 8.0
        }
        #expect(try CanonicalJSON.encode(A()) == #"{"cutoff":8,"name":"radius"}"#)
        #expect(try CanonicalJSON.hash(A()) == CanonicalJSON.hash(B()))
    }
}

@Suite struct OrderedBatchQueueTests {
    @Test(arguments: [1, 2, 7])
    func outputKeepsInputOrderForAnyJobCount(jobs: Int) throws {
        var next = 0
        var seen: [Int] = []
        try OrderedBatchQueue(jobs: jobs, batchSize: 16).run(
            next: { () -> Int? in
                defer { next += 1 }
                return next < 1000 ? next : nil
            },
            transform: { $0 * $0 },
            consume: { seen.append($0) })
        #expect(seen == (0..<1000).map { $0 * $0 })
    }

    @Test func producerErrorsComeAfterTheItemsBeforeThem() {
        struct Stop: Error {}
        var next = 0
        var seen: [Int] = []
        #expect(throws: Stop.self) {
            try OrderedBatchQueue(jobs: 2, batchSize: 8).run(
                next: { () -> Int? in
                    defer { next += 1 }
                    if next == 19 { throw Stop() }
                    return next
                },
                transform: { $0 },
                consume: { seen.append($0) })
        }
        #expect(seen == Array(0..<19))
    }

    @Test func consumerErrorStopsTheProducer() {
        struct Full: Error {}
        var produced = 0
        var seen: [Int] = []
        #expect(throws: Full.self) {
            try OrderedBatchQueue(jobs: 2, batchSize: 4).run(
                next: { () -> Int? in
                    produced += 1
                    return produced  // endless: only the consumer's error stops it
                },
                transform: { $0 },
                consume: { value in
                    if value == 50 { throw Full() }
                    seen.append(value)
                })
        }
        #expect(seen == Array(1..<50))
    }
}
