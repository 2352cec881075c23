/// Non-dominated sorting: the Pareto front of every point when all objectives are minimised.
///
/// Point `q` dominates `p` when `q` is no worse in every objective and better in at least one. Front 1 is the
/// set of points no point dominates; front `k + 1` is the non-dominated set once fronts 1…k are removed. Equal
/// points never dominate each other, so they share a front.
///
/// Points are visited in lexicographic order of their costs, so only an earlier point can dominate a later
/// one, and each point joins the first front none of whose members dominates it (Zhang et al.'s efficient
/// non-dominated sort with binary search over fronts, ENS-BS: if front `k` does not dominate a point, neither
/// does any later front). Memory is O(N) — no N × N dominance matrix.
/// - Two objectives: a front dominates a point exactly when its smallest second cost does (ties resolved by the
///   first cost), so the test is O(1) and the whole sort O(N log N), however many fronts there are.
/// - Other counts: the test compares the point with the front's members, newest first (they are the likeliest
///   to dominate it); O(M · N · front size · log F) in the worst case.
enum ParetoFronts {
    /// The 1-based front of every point.
    ///
    /// - Parameters:
    ///   - costs: `[N, M]` row-major, every value finite (or ±infinity); smaller is better in every column.
    ///   - objectives: `M`, at least 1.
    /// - Returns: `[N]` front numbers, 1 for the non-dominated set.
    static func fronts(costs: [Double], objectives: Int) -> [Int] {
        precondition(objectives > 0, "ParetoFronts.fronts: \(objectives) objectives")
        precondition(
            costs.count % objectives == 0, "ParetoFronts.fronts: \(costs.count) costs, \(objectives) per point")
        precondition(!costs.contains { $0.isNaN }, "ParetoFronts.fronts: NaN cost")
        let count = costs.count / objectives
        let order = (0..<count).sorted { lexicographicallyPrecedes($0, $1, costs, objectives) }
        return objectives == 2 ? twoObjectiveFronts(costs, order) : generalFronts(costs, objectives, order)
    }

    /// Whether point `i` comes before point `j` in lexicographic cost order (ties by index).
    private static func lexicographicallyPrecedes(_ i: Int, _ j: Int, _ costs: [Double], _ m: Int) -> Bool {
        for k in 0..<m where costs[i * m + k] != costs[j * m + k] { return costs[i * m + k] < costs[j * m + k] }
        return i < j
    }

    /// Two objectives: each front keeps its least second cost and the first cost of the first member that had it.
    private static func twoObjectiveFronts(_ costs: [Double], _ order: [Int]) -> [Int] {
        var result = [Int](repeating: 0, count: order.count)
        var leastSecond: [Double] = []
        var firstAtLeast: [Double] = []
        for point in order {
            let (first, second) = (costs[2 * point], costs[2 * point + 1])
            // Front k dominates the point iff a member is better in the second cost, or as good there and
            // better in the first (all members come earlier, so none is worse in the first).
            func dominated(by k: Int) -> Bool {
                leastSecond[k] < second || (leastSecond[k] == second && firstAtLeast[k] < first)
            }
            let front = firstFront(count: leastSecond.count, dominatedBy: dominated)
            if front == leastSecond.count {
                leastSecond.append(second)
                firstAtLeast.append(first)
            } else if second < leastSecond[front] {
                leastSecond[front] = second
                firstAtLeast[front] = first
            }
            result[point] = front + 1
        }
        return result
    }

    /// Any number of objectives: a front dominates the point iff one of its members does.
    ///
    /// Each front keeps its members' costs side by side (`[members, M]`), scanned newest first.
    private static func generalFronts(_ costs: [Double], _ m: Int, _ order: [Int]) -> [Int] {
        var result = [Int](repeating: 0, count: order.count)
        var fronts: [[Double]] = []
        costs.withUnsafeBufferPointer { costs in
            for point in order {
                func dominated(by k: Int) -> Bool {
                    fronts[k].withUnsafeBufferPointer { members in
                        var q = members.count - m
                        while q >= 0 {
                            var noWorse = true
                            var better = false
                            for j in 0..<m {
                                let (a, b) = (members[q + j], costs[point * m + j])
                                if a > b {
                                    noWorse = false
                                    break
                                }
                                if a < b { better = true }
                            }
                            if noWorse && better { return true }
                            q -= m
                        }
                        return false
                    }
                }
                let front = firstFront(count: fronts.count, dominatedBy: dominated)
                if front == fronts.count { fronts.append([]) }
                fronts[front].append(contentsOf: costs[(point * m)..<(point * m + m)])
                result[point] = front + 1
            }
        }
        return result
    }

    /// The first of fronts `0..<count` that does not dominate the point (`count` when all do), by binary
    /// search: `dominated(by:)` holds for a prefix of the fronts only.
    private static func firstFront(count: Int, dominatedBy dominated: (Int) -> Bool) -> Int {
        var (low, high) = (0, count)
        while low < high {
            let middle = (low + high) / 2
            if dominated(middle) { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
