import Models

/// The report's sections after the header: rejects, parity, training curves, ranking and property
/// histograms.
extension HTMLReport {
    /// Rejects shown in full.
    static let rejectsShown = 20
    /// Shortlisted crystals listed.
    static let shortlistShown = 50

    func rejectsSection() -> String {
        var html = "<h2>Rejected inputs</h2>\n"
        guard let crystals = contents.crystals else { return html + Self.missing("crystals.h5", stage: "ingest") }
        if crystals.rejects.isEmpty {
            let dropped = crystals.duplicates.isEmpty ? "" : " or dropped as a duplicate"
            html += "<p>Every input record was ingested\(dropped).</p>\n"
        } else {
            html += "<p>\(crystals.rejects.count) records were rejected, by kind (numbers and names replaced by "
            html += "<code>#</code> and <code>…</code>):</p>\n"
            html += Self.table(
                ["kind", "count"], RejectKinds.count(crystals.rejects.map(\.reason)).map { [$0.kind, "\($0.count)"] })
            let shown = crystals.rejects.prefix(Self.rejectsShown)
            html += "<p>The first \(shown.count):</p>\n"
            html += Self.table(
                ["source file", "record", "id", "reason"], shown.map { [$0.sourceFile, $0.record, $0.id, $0.reason] })
        }
        return html + duplicatesPart(crystals.duplicates)
    }

    /// The crystals `ingest --unique` dropped as copies of earlier ones: a count and the first few.
    private func duplicatesPart(_ duplicates: [CrystalsSummary.Reject]) -> String {
        guard !duplicates.isEmpty else { return "" }
        let shown = duplicates.prefix(Self.rejectsShown)
        return "<p>\(duplicates.count) records were dropped as duplicates: the same structure as a crystal kept "
            + "earlier (<code>ingest --unique</code>; not errors). The first \(shown.count):</p>\n"
            + Self.table(
                ["source file", "record", "id", "reason"], shown.map { [$0.sourceFile, $0.record, $0.id, $0.reason] })
    }

    func paritySection() -> String {
        var html = "<h2>Predicted against labelled</h2>\n"
        guard let crystals = contents.crystals else { return html + Self.missing("crystals.h5", stage: "ingest") }
        guard let predictions = contents.predictions else {
            return html + Self.missing("predictions.h5", stage: "predict")
        }
        let labels = Dictionary(crystals.labels.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let rowOf = Dictionary(crystals.ids.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        var figures: [ReportFigure] = []
        var classifiers: [[String]] = []
        for column in predictions.columns {
            guard let label = labels[column.target] else { continue }
            let test = contents.model(named: column.model)?.testIDs ?? []
            var pairs: [(predicted: Double, labelled: Double, test: Bool)] = []
            for (row, id) in predictions.ids.enumerated() {
                guard let labelRow = rowOf[id] else { continue }
                let (predicted, labelled) = (column.mean[row], label.values[labelRow])
                if predicted.isFinite && labelled.isFinite { pairs.append((predicted, labelled, test.contains(id))) }
            }
            if column.classification {
                let threshold =
                    contents.model(named: column.model)?.targets.first { $0.name == column.target }?.threshold ?? 0.5
                classifiers += classifierRows(column, pairs: pairs, threshold: threshold, hasSplit: !test.isEmpty)
            } else {
                figures.append(ParityPlot.figure(pairs: pairs, column: column, hasSplit: !test.isEmpty))
            }
        }
        if figures.isEmpty && classifiers.isEmpty {
            let names = crystals.labels.isEmpty ? "none" : crystals.labels.map(\.name).joined(separator: ", ")
            return html + "<p class=\"missing\">No predicted target has a label of the same name in crystals.h5 "
                + "(labels: \(Markup.escape(names))): ingest with <code>--label</code> and train with "
                + "<code>xtal train --targets</code> to compare.</p>\n"
        }
        html += Self.figures(figures)
        if !classifiers.isEmpty {
            html += "<p>Classifiers (class 1 when the label reaches the model's threshold; predicted class 1 when "
            html += "P ≥ 0.5):</p>\n"
            html += Self.table(["model → target", "crystals", "n", "ROC AUC", "accuracy at 0.5"], classifiers)
        }
        return html
    }

    private func classifierRows(
        _ column: PredictionsSummary.Column, pairs: [(predicted: Double, labelled: Double, test: Bool)],
        threshold: Double, hasSplit: Bool
    ) -> [[String]] {
        let parts: [(String, [(predicted: Double, labelled: Double, test: Bool)])] =
            hasSplit ? [("test", pairs.filter(\.test)), ("all labelled", pairs)] : [("all labelled", pairs)]
        return parts.map { name, part in
            let probabilities = part.map(\.predicted)
            let classes = part.map { $0.labelled >= threshold ? 1.0 : 0.0 }
            return [
                "\(column.model) → \(column.target)", name, "\(part.count)",
                Markup.number(Metrics.rocAUC(probabilities, classes), digits: 3),
                Markup.number(Metrics.accuracy(probabilities, classes), digits: 3),
            ]
        }
    }

    func trainingSection() -> String {
        let html = "<h2>Training curves</h2>\n"
        guard !contents.models.isEmpty else { return html + Self.missing("models/*.h5", stage: "train") }
        return html
            + contents.models.map { model in
                let targets = model.targets.map(\.name).joined(separator: ", ")
                return "<p>\(Markup.escape(model.name)) (\(Markup.escape(model.architecture)), targets "
                    + "\(Markup.escape(targets)), \(model.histories.count) member"
                    + "\(model.histories.count == 1 ? "" : "s")):</p>\n" + Self.figures(TrainingCurves.figures(model))
            }.joined()
    }

    func rankingSection() -> String {
        var html = "<h2>Ranking</h2>\n"
        guard let ranking = contents.ranking else { return html + Self.missing("ranking.h5", stage: "rank") }
        guard !ranking.objectives.isEmpty else { return html + "<p>The ranking has no objectives.</p>\n" }
        let objectives = ranking.objectives.map { "\($0.direction) \($0.property)" }.joined(separator: ", ")
        html += "<p>\(ranking.candidates) candidates, \(ranking.passed) passed the filters"
        html +=
            ranking.filters.isEmpty ? "" : " (<code>\(Markup.escape(ranking.filters.joined(separator: "; ")))</code>)"
        html += "; objectives: \(Markup.escape(objectives))"
        html += ranking.risk.isEmpty ? "" : "; risk: \(Markup.escape(ranking.risk))"
        html += ".</p>\n" + Self.figures([ParetoPlot.figure(ranking)])
        let listed = (0..<ranking.count).filter { ranking.shortlisted[$0] }
        guard !listed.isEmpty else { return html + "<p>Nothing was shortlisted.</p>\n" }
        html += "<p>Shortlist (\(listed.count) crystals"
        html += listed.count > Self.shortlistShown ? ", the first \(Self.shortlistShown) shown" : ""
        html += "; objective mean ± standard deviation over the ensemble):</p>\n"
        let rows = listed.prefix(Self.shortlistShown).map { row in
            ["\(ranking.rank[row])", ranking.ids[row], ranking.formulas[row]]
                + (0..<ranking.objectives.count).map {
                    "\(Markup.number(ranking.mean[row][$0])) ± \(Markup.number(ranking.std[row][$0], digits: 2))"
                }
        }
        return html + Self.table(["rank", "id", "formula"] + ranking.objectives.map(\.property), rows)
    }

    func histogramSection() -> String {
        let html = "<h2>Predicted properties</h2>\n"
        guard let predictions = contents.predictions else {
            return html + Self.missing("predictions.h5", stage: "predict")
        }
        return html + Self.figures(predictions.columns.map(PropertyHistogram.figure))
    }

    /// The embedding map, coloured by the first label (else the first predicted property) of each crystal.
    func embeddingSection() -> String {
        var html = "<h2>Embedding map</h2>\n"
        guard let embeddings = contents.embeddings else {
            return html + Self.missing("embeddings.h5", stage: "embed --encoder NAME")
        }
        var name = "crystals"
        var property = [Double](repeating: .nan, count: embeddings.ids.count)
        if let crystals = contents.crystals, let label = crystals.labels.first {
            let values = Dictionary(zip(crystals.ids, label.values), uniquingKeysWith: { first, _ in first })
            (name, property) = (label.name, embeddings.ids.map { values[$0] ?? .nan })
        } else if let predictions = contents.predictions, let column = predictions.columns.first {
            let values = Dictionary(zip(predictions.ids, column.mean), uniquingKeysWith: { first, _ in first })
            (name, property) = (column.target, embeddings.ids.map { values[$0] ?? .nan })
        }
        guard let figure = EmbeddingMap.figure(embeddings, property: property, name: name) else {
            return html + "<p class=\"missing\">Too few crystals or features to project.</p>\n"
        }
        html += Self.figures([figure])
        return html
    }
}
