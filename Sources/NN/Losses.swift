import Tensor

/// Training losses; each returns a scalar tensor (the mean over what it compares).
public enum Loss {
    /// Mean squared error.
    public static func mse<S>(_ prediction: Tensor<S>, _ target: Tensor<S>) -> Tensor<S> {
        let d = prediction - target
        return (d * d).mean()
    }

    /// Mean absolute error; the gradient at exactly zero is 0.
    public static func l1<S>(_ prediction: Tensor<S>, _ target: Tensor<S>) -> Tensor<S> {
        let d = prediction - target
        return (d.relu() + (-d).relu()).mean()
    }

    /// Huber loss with threshold δ: ½d² where |d| ≤ δ, δ(|d| − ½δ) beyond (PyTorch's `HuberLoss`).
    public static func huber<S>(_ prediction: Tensor<S>, _ target: Tensor<S>, delta: S = 1) -> Tensor<S> {
        let d = prediction - target
        let small = d.values.map { abs($0) <= delta }
        let quadratic = d * d * Tensor(S(0.5))
        let absolute = d.relu() + (-d).relu()
        let linear = (absolute - Tensor(delta / 2)) * Tensor(delta)
        return quadratic.where(small, else: linear).mean()
    }

    /// Multitask MSE over [n, tasks] where missing labels are NaN: Σ_t w_t · MSE_t / T, each task's mean over
    /// the crystals that have its label (MT-CGCNN); a task with no labels in the batch adds nothing.
    public static func maskedMSE<S>(_ prediction: Tensor<S>, _ target: Tensor<S>, weights: [S]? = nil) -> Tensor<S> {
        precondition(
            prediction.shape == target.shape && prediction.rank == 2,
            "maskedMSE: prediction \(prediction.shape), target \(target.shape)")
        let (n, tasks) = (prediction.shape[0], prediction.shape[1])
        let present = target.values.map { !$0.isNaN }
        var perTask = [S](repeating: 0, count: tasks)
        for (index, isPresent) in present.enumerated() where isPresent { perTask[index % tasks] += 1 }
        // Each present entry weighs w_t / (count_t · T); absent entries weigh 0 (and their NaN is replaced).
        let scale = (0..<(n * tasks)).map { index -> S in
            let t = index % tasks
            guard present[index] else { return 0 }
            return (weights?[t] ?? 1) / (perTask[t] * S(tasks))
        }
        let filled = Tensor(shape: target.shape, values: target.values.map { $0.isNaN ? 0 : $0 })
        let d = prediction - filled
        return (d * d * Tensor(shape: target.shape, values: scale)).sum()
    }

    /// Cross-entropy of logits [n, classes] against class indices: mean −log softmax(logits)[class].
    public static func crossEntropy<S>(_ logits: Tensor<S>, classes: [Int]) -> Tensor<S> {
        precondition(
            logits.rank == 2 && logits.shape[0] == classes.count,
            "crossEntropy: logits \(logits.shape), \(classes.count) classes")
        let width = logits.shape[1]
        var oneHot = [S](repeating: 0, count: logits.count)
        for (row, c) in classes.enumerated() {
            precondition(c >= 0 && c < width, "crossEntropy: class \(c) of \(width)")
            oneHot[row * width + c] = 1
        }
        return -(logits.logSoftmax() * Tensor(shape: logits.shape, values: oneHot)).sum() * Tensor(1 / S(classes.count))
    }

    /// Binary cross-entropy of logits x against labels y ∈ {0, 1}: mean softplus(x) − x·y, which is stable
    /// for any x.
    public static func bceWithLogits<S>(_ logits: Tensor<S>, _ labels: Tensor<S>) -> Tensor<S> {
        (logits.softplus() - logits * labels).mean()
    }
}

extension Loss {
    /// Row-wise cosine similarity of [n, d] matrices, as [n] (ε keeps zero rows finite).
    public static func cosineSimilarity<S>(_ a: Tensor<S>, _ b: Tensor<S>, epsilon: S = 1e-8) -> Tensor<S> {
        precondition(a.shape == b.shape && a.rank == 2, "cosineSimilarity: \(a.shape) and \(b.shape)")
        let dot = (a * b).sum(axis: 1)
        let norms = ((a * a).sum(axis: 1) * (b * b).sum(axis: 1) + Tensor(epsilon * epsilon)).sqrt()
        return dot / norms
    }

    /// PyTorch's `CosineEmbeddingLoss`, averaged over pairs.
    ///
    /// 1 − cos(a, b) for pairs labelled similar (true), max(0, cos − margin) for pairs labelled dissimilar.
    /// DSSL's coordinate-perturbation contrast is the all-similar case.
    public static func cosineEmbedding<S>(_ a: Tensor<S>, _ b: Tensor<S>, similar: [Bool], margin: S = 0) -> Tensor<S> {
        let cosine = cosineSimilarity(a, b)
        precondition(
            similar.count == cosine.count, "cosineEmbedding: \(similar.count) labels for \(cosine.count) pairs")
        let pull = Tensor(1) - cosine
        let push = (cosine - Tensor(margin)).relu()
        return pull.where(similar, else: push).mean()
    }

    /// NT-Xent, the normalised temperature-scaled cross-entropy of SimCLR and GraphCL.
    ///
    /// z₁, z₂ [n, d] are two views of the same n items (Kong et al. use τ = 0.1). Rows
    /// are L2-normalised, similarities divided by the temperature τ, and each of the 2n rows is classified
    /// against its partner among the other 2n − 1 rows (self-similarity excluded); the loss is the mean
    /// cross-entropy.
    public static func ntXent<S>(_ z1: Tensor<S>, _ z2: Tensor<S>, temperature: S) -> Tensor<S> {
        precondition(z1.shape == z2.shape && z1.rank == 2, "ntXent: \(z1.shape) and \(z2.shape)")
        let n = z1.shape[0]
        let z = Tensor.concat([z1, z2], axis: 0)
        let norms = ((z * z).sum(axis: 1) + Tensor(S(1e-12))).sqrt().reshaped([2 * n, 1])
        let unit = z / norms
        let similarity = unit.matmul(unit, transposeOther: true) * Tensor(1 / temperature)
        // A large negative constant on the diagonal removes each row's similarity with itself.
        var diagonal = [S](repeating: 0, count: 4 * n * n)
        for i in 0..<(2 * n) { diagonal[i * 2 * n + i] = -1e9 }
        let masked = similarity + Tensor(shape: [2 * n, 2 * n], values: diagonal)
        let partners = (0..<(2 * n)).map { $0 < n ? $0 + n : $0 - n }
        return crossEntropy(masked, classes: partners)
    }

    /// GraphCL's contrastive loss (You and others, 2020) as its reference code and Kong et al.'s compute it.
    ///
    /// With s_ij = cos(z₁ᵢ, z₂ⱼ)/τ over z₁, z₂ [n, d], two views of the same n items, the loss is
    /// mean_i −log(e^{s_ii} / Σ_{j≠i} e^{s_ij}): one direction only (views z₁ against z₂), and the positive pair
    /// left out of the denominator, unlike SimCLR's symmetric NT-Xent (`ntXent`). cos ≤ 1 bounds e^{s} by e^{1/τ}.
    public static func graphCL<S>(_ z1: Tensor<S>, _ z2: Tensor<S>, temperature: S) -> Tensor<S> {
        precondition(z1.shape == z2.shape && z1.rank == 2 && z1.shape[0] >= 2, "graphCL: \(z1.shape) and \(z2.shape)")
        let n = z1.shape[0]
        func unit(_ z: Tensor<S>) -> Tensor<S> {
            z / ((z * z).sum(axis: 1) + Tensor(S(1e-12))).sqrt().reshaped([n, 1])
        }
        let similarity = unit(z1).matmul(unit(z2), transposeOther: true) * Tensor(1 / temperature)
        var identity = [S](repeating: 0, count: n * n)
        for i in 0..<n { identity[i * n + i] = 1 }
        let eye = Tensor(shape: [n, n], values: identity)
        let positive = (similarity * eye).sum(axis: 1)
        let negatives = (similarity.exp() * (Tensor(S(1)) - eye)).sum(axis: 1)
        return (negatives.log() - positive).mean()
    }

    /// cos(aᵢ, bⱼ) [n × n] of row-major [n, width] arrays, off the tape (for accuracies).
    public static func cosineMatrix<S: TensorScalar>(_ a: [S], _ b: [S], rows n: Int, width: Int) -> [S] {
        func norms(_ x: [S]) -> [S] {
            (0..<n).map { i in (0..<width).reduce(S(0)) { $0 + x[i * width + $1] * x[i * width + $1] }.squareRoot() }
        }
        let (na, nb) = (norms(a), norms(b))
        var cosines = [S](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n {
                var dot = S(0)
                for f in 0..<width { dot += a[i * width + f] * b[j * width + f] }
                cosines[i * n + j] = dot / Swift.max(na[i] * nb[j], S(1e-12))
            }
        }
        return cosines
    }
}
