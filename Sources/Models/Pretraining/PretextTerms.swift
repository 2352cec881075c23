import Tensor

/// What one step of a self-supervised objective is made of, for logs and history.
public struct PretextTerms {
    /// The weighted total, on the tape.
    public var total: Tensor<Float>
    /// Each part's unweighted loss by name (`mask`, `contrast`, `group`, `bond`, …).
    public var losses: [String: Float]
    /// Classification pretexts' predictions ranked first, by name: (right, asked).
    public var hits: [String: (right: Int, count: Int)]

    public init(total: Tensor<Float>, losses: [String: Float], hits: [String: (right: Int, count: Int)] = [:]) {
        self.total = total
        self.losses = losses
        self.hits = hits
    }

    /// How many rows of `logits` [n, classes] rank `classes[row]` first.
    static func right(_ logits: Tensor<Float>, _ classes: [Int]) -> Int {
        let width = logits.shape[1]
        var right = 0
        for (row, target) in classes.enumerated() {
            let scores = logits.values[(row * width)..<((row + 1) * width)]
            if scores.indices.max(by: { scores[$0] < scores[$1] }) == row * width + target { right += 1 }
        }
        return right
    }
}
