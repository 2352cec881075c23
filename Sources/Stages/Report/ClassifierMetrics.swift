/// ROC AUC and accuracy of predicted probabilities against 0/1 classes, for classifier targets (shown as a
/// table rather than a parity plot).
enum ClassifierMetrics {
    /// The area under the ROC curve (the Mann–Whitney statistic, ties counted half); NaN when one class is
    /// absent.
    static func auc(probabilities: [Double], classes: [Bool]) -> Double {
        let order = probabilities.indices.sorted { probabilities[$0] < probabilities[$1] }
        var ranks = [Double](repeating: 0, count: order.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && probabilities[order[end + 1]] == probabilities[order[start]] { end += 1 }
            let average = Double(start + end) / 2 + 1
            for k in start...end { ranks[order[k]] = average }
            start = end + 1
        }
        let positives = classes.filter { $0 }.count
        let negatives = classes.count - positives
        guard positives > 0, negatives > 0 else { return .nan }
        let sum = zip(ranks, classes).filter(\.1).map(\.0).reduce(0, +)
        return (sum - Double(positives * (positives + 1)) / 2) / Double(positives * negatives)
    }

    /// The fraction of crystals whose class is predicted right with the cut P ≥ 0.5.
    static func accuracy(probabilities: [Double], classes: [Bool]) -> Double {
        guard !classes.isEmpty else { return .nan }
        return Double(zip(probabilities, classes).filter { ($0 >= 0.5) == $1 }.count) / Double(classes.count)
    }
}
