import Foundation
import Testing

@testable import Stages

/// Fronts by the definition, for checking: repeatedly take the points no remaining point dominates (O(N² F)).
private func bruteForceFronts(_ costs: [Double], _ m: Int) -> [Int] {
    let n = costs.count / m
    func dominates(_ q: Int, _ p: Int) -> Bool {
        let pairs = (0..<m).map { (costs[q * m + $0], costs[p * m + $0]) }
        return pairs.allSatisfy { $0.0 <= $0.1 } && pairs.contains { $0.0 < $0.1 }
    }
    var front = [Int](repeating: 0, count: n)
    var remaining = Set(0..<n)
    var number = 0
    while !remaining.isEmpty {
        number += 1
        let current = remaining.filter { p in !remaining.contains { dominates($0, p) } }
        for p in current { front[p] = number }
        remaining.subtract(current)
    }
    return front
}

/// A small deterministic generator (SplitMix64), so failures reproduce.
private struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct ParetoFrontsTests {
    @Test func twoObjectivesGiveTheKnownFronts() {
        // RankFixture's points a…h with both objectives maximised: costs are the negated values.
        let points: [(Double, Double)] = [(1, 9), (5, 5), (9, 1), (4, 4), (8, 0.5), (3, 3), (7, 0.2), (2, 3.5)]
        let fronts = ParetoFronts.fronts(costs: points.flatMap { [-$0.0, -$0.1] }, objectives: 2)
        #expect(fronts == [1, 1, 1, 2, 2, 3, 3, 3])
    }

    @Test func threeObjectivesAndExactTiesGiveTheKnownFronts() {
        // A, B, C are permutations of each other (front 1); D, E, F are each dominated by one of them; G by all;
        // H equals A, and equal points share a front.
        let costs: [[Double]] = [
            [1, 2, 3], [2, 3, 1], [3, 1, 2], [2, 3, 4], [3, 4, 2], [4, 2, 3], [5, 5, 5], [1, 2, 3],
        ]
        #expect(ParetoFronts.fronts(costs: costs.flatMap { $0 }, objectives: 3) == [1, 1, 1, 2, 2, 2, 3, 1])
        // Ties in two objectives: equal points share a front; equal in one cost and worse in the other do not.
        let pairs: [[Double]] = [[1, 1], [1, 1], [1, 2], [2, 1], [0, 3]]
        #expect(ParetoFronts.fronts(costs: pairs.flatMap { $0 }, objectives: 2) == [1, 1, 2, 2, 1])
    }

    @Test(arguments: [1, 2, 3, 4])
    func agreesWithTheDefinitionOnRandomPoints(objectives m: Int) {
        var generator = SplitMix(state: UInt64(m))
        for trial in 0..<8 {
            // Few distinct values, so ties in one or all costs are common.
            let n = 30 + trial * 5
            let costs = (0..<(n * m)).map { _ in Double(Int.random(in: 0..<6, using: &generator)) }
            #expect(ParetoFronts.fronts(costs: costs, objectives: m) == bruteForceFronts(costs, m), "trial \(trial)")
        }
    }

    @Test func everyPointOnALineIsItsOwnFront() {
        // Correlated objectives: every point is its own front, the worst case for a front-by-front sweep (the
        // two-objective path stays O(N log N); its speed is measured in README.md, not here).
        let n = 20_000
        let line = ParetoFronts.fronts(costs: (0..<n).flatMap { [Double($0), Double($0)] }, objectives: 2)
        #expect(line == Array(1...n))
    }
}
