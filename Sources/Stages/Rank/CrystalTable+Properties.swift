/// The property names of `--where` and the objectives, and the column each names.
///
/// A name is looked up in this order:
/// 1. a structure property: `nsites` (atoms in the cell), `nelements`, `volume` (Å³), `density` (g/cm³),
///    `spacegroup` (number; needs `graphs.h5` built with `--spacegroup`). These names are reserved: a label or
///    target of the same name is reached through its full name;
/// 2. a full name: `label/NAME`, or `MODEL/TARGET` with MODEL the group of `predictions.h5`
///    (`published_band-gap/band_gap`, `mt-cgcnn/n`);
/// 3. a bare target (`band_gap`, `n`): the prediction when exactly one model predicts it (an error listing the
///    full names when several do), else the label of that name.
extension CrystalTable {
    /// The structure properties, in the order they are listed.
    static let structureProperties = ["nsites", "nelements", "volume", "density", "spacegroup"]

    /// Every name `column(_:)` accepts (full names; bare targets resolve to these).
    var propertyNames: [String] {
        Self.structureProperties.filter { $0 != "spacegroup" || spaceGroups != nil } + predictions.map(\.name)
            + labels.map(\.name)
    }

    /// The column named `name`.
    ///
    /// - Throws: `RankError.unknownProperty` (listing every available name), `.ambiguousProperty` for a bare
    ///   target of several models, `.noSpaceGroups` for `spacegroup` without space groups in the store.
    func column(_ name: String) throws -> Column {
        switch name {
        case "nsites": return Column(name: name, units: "1", mean: siteCounts.map(Double.init), std: nil)
        case "nelements": return Column(name: name, units: "1", mean: elements.map { Double($0.count) }, std: nil)
        case "volume": return Column(name: name, units: "angstrom^3", mean: volumes, std: nil)
        case "density": return Column(name: name, units: "g/cm^3", mean: densities, std: nil)
        case "spacegroup":
            guard let spaceGroups else { throw RankError.noSpaceGroups("graphs.h5") }
            return Column(name: name, units: "1", mean: spaceGroups.map { $0 == 0 ? .nan : Double($0) }, std: nil)
        default: break
        }
        if let column = (predictions + labels).first(where: { $0.name == name }) { return column }
        let predicted = predictions.filter { $0.name.split(separator: "/").last.map(String.init) == name }
        if predicted.count > 1 { throw RankError.ambiguousProperty(name, candidates: predicted.map(\.name)) }
        if let column = predicted.first ?? labels.first(where: { $0.name == "label/\(name)" }) { return column }
        throw RankError.unknownProperty(
            name, available: propertyNames, predictionsMissing: !inputs.contains("predictions.h5"))
    }
}
