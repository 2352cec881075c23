import Parallel
import Synchronization
import Testing

@testable import Tensor

@Suite struct SubnormalFlushingTests {
    /// Work handed to `parallelFor` runs with subnormals flushed on every thread, the caller's included, and the
    /// caller's own mode is back afterwards.
    @Test(arguments: [1, 2])
    func parallelWorkFlushesSubnormalsAndRestoresTheMode(threads: Int) {
        // Read through an opaque function so the products are computed at run time, in the thread's mode.
        let (tiny, scale) = (Self.opaque(1e-38 as Float), Self.opaque(0.01 as Float))
        #expect(tiny * scale != 0, "subnormal products are kept outside parallel work")
        let nonzero = Atomic<Int>(0)
        parallelFor(64, threads: threads) { _ in
            if tiny * scale != 0 || Self.opaque(2e-40 as Float) + 0 != 0 {
                nonzero.wrappingAdd(1, ordering: .relaxed)
            }
        }
        #expect(nonzero.load(ordering: .relaxed) == 0)
        #expect(tiny * scale != 0, "the caller's mode is restored")
    }

    /// A product whose terms are subnormal is zero, the same bits on 1 and 2 threads.
    @Test func matmulOfSubnormalTermsIsZeroOnAnyThreadCount() {
        let x = Tensor<Float>(shape: [3000, 4], values: [Float](repeating: 1e-38, count: 12_000))
        let w = Tensor<Float>(shape: [4, 2], values: [Float](repeating: 0.01, count: 8))
        let one = Parallelism.$threads.withValue(1) { x.matmul(w).values }
        let two = Parallelism.$threads.withValue(2) { x.matmul(w).values }
        #expect(one == two && one.allSatisfy { $0 == 0 })
    }

    @inline(never)
    static func opaque(_ value: Float) -> Float { value }
}
