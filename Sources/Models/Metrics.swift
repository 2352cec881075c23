import Foundation

/// Evaluation metrics over paired predictions and labels; pairs whose label is NaN are skipped.
public enum Metrics {
    /// Mean |prediction − label|; NaN when no label is present.
    public static func meanAbsoluteError(_ predictions: [Double], _ labels: [Double]) -> Double {
        precondition(predictions.count == labels.count, "meanAbsoluteError: \(predictions.count) vs \(labels.count)")
        var sum = 0.0
        var n = 0
        for (p, y) in zip(predictions, labels) where !y.isNaN {
            sum += abs(p - y)
            n += 1
        }
        return n > 0 ? sum / Double(n) : .nan
    }

    /// √(mean (prediction − label)²); NaN when no label is present.
    public static func rootMeanSquareError(_ predictions: [Double], _ labels: [Double]) -> Double {
        precondition(predictions.count == labels.count, "rootMeanSquareError: \(predictions.count) vs \(labels.count)")
        var sum = 0.0
        var n = 0
        for (p, y) in zip(predictions, labels) where !y.isNaN {
            sum += (p - y) * (p - y)
            n += 1
        }
        return n > 0 ? (sum / Double(n)).squareRoot() : .nan
    }

    /// The area under the ROC curve of scores (probabilities of class 1) against 0/1 labels.
    ///
    /// The probability that a random positive scores above a random negative, ties counting one half
    /// (Mann–Whitney U with average ranks). NaN unless both classes are present.
    public static func rocAUC(_ scores: [Double], _ labels: [Double]) -> Double {
        precondition(scores.count == labels.count, "rocAUC: \(scores.count) vs \(labels.count)")
        let pairs = zip(scores, labels).filter { !$0.1.isNaN }.sorted { $0.0 < $1.0 }
        let positives = pairs.filter { $0.1 >= 0.5 }.count
        let negatives = pairs.count - positives
        guard positives > 0, negatives > 0 else { return .nan }
        var rankSum = 0.0
        var start = 0
        while start < pairs.count {
            var end = start
            while end < pairs.count && pairs[end].0 == pairs[start].0 { end += 1 }
            // Ranks start..<end (1-based start+1 … end) share their average.
            let averageRank = Double(start + 1 + end) / 2
            for k in start..<end where pairs[k].1 >= 0.5 { rankSum += averageRank }
            start = end
        }
        let u = rankSum - Double(positives) * Double(positives + 1) / 2
        return u / (Double(positives) * Double(negatives))
    }

    /// The fraction of pairs where the score's side of 0.5 matches the 0/1 label; NaN when none.
    public static func accuracy(_ scores: [Double], _ labels: [Double]) -> Double {
        precondition(scores.count == labels.count, "accuracy: \(scores.count) vs \(labels.count)")
        let present = zip(scores, labels).filter { !$0.1.isNaN }
        guard !present.isEmpty else { return .nan }
        return Double(present.filter { ($0.0 >= 0.5) == ($0.1 >= 0.5) }.count) / Double(present.count)
    }
}
