/// Training and validation loss per epoch of each member of a trained model.
enum TrainingCurves {
    /// One figure per member of `model`.
    static func figures(_ model: ModelSummary) -> [ReportFigure] {
        model.histories.enumerated().map { member, history in
            let train = points(history.trainLoss)
            let validation = points(history.validationLoss)
            let losses = (train + validation).map(\.y)
            let logarithmic = AxisScale.spansDecades(losses)
            let epochs = max(history.epochs, 1)
            var plot = SVGPlot(
                x: AxisScale(covering: [1, Double(epochs)]), y: AxisScale(covering: losses, logarithmic: logarithmic),
                xLabel: "epoch", yLabel: "loss (standardised targets)" + (logarithmic ? ", log scale" : ""),
                description: "training curves of \(model.name) member \(member)")
            plot.add(.line(train, colour: SVGPlot.palette[0], dashed: false), label: "train loss")
            plot.add(.points(train, colour: SVGPlot.palette[0], size: 4))
            if !validation.isEmpty {
                plot.add(
                    .line(validation, colour: SVGPlot.palette[1], dashed: true), label: "validation loss")
                plot.add(.points(validation, colour: SVGPlot.palette[1], size: 4))
            }
            var caption = "\(model.name), member \(member): \(history.epochs) epochs"
            if let best = validation.min(by: { $0.y < $1.y }) {
                caption += "; lowest validation loss \(Markup.number(best.y)) at epoch \(Int(best.x))"
            } else {
                caption += "; no validation loss (no validation set)"
            }
            if let rate = history.learningRate.last(where: \.isFinite) {
                caption += "; final learning rate \(Markup.number(rate))"
            }
            return ReportFigure(title: "\(model.name) member \(member)", svg: plot.render(), caption: caption + ".")
        }
    }

    /// (epoch from 1, value) for the finite values of `series`.
    private static func points(_ series: [Double]) -> [(x: Double, y: Double)] {
        series.enumerated().filter { $0.element.isFinite }.map { (Double($0.offset + 1), $0.element) }
    }
}
