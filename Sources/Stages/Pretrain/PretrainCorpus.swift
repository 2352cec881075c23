import Crystal
import Foundation
import Graph
import Models
import NN
import Parallel
import Tensor

/// The crystals a pretraining run learns from, with their stored graphs, and the per-crystal random streams
/// every view is drawn from.
///
/// A crystal's stream depends on (seed, epoch, crystal, view) alone, so views do not depend on the batch a
/// crystal falls in or on `--jobs`; with `fixedViews` the epoch is left out (drawn once, as the references do).
struct PretrainCorpus {
    let crystals: [Crystal]
    let inputs: StoreGraphs
    let features: AtomFeatures
    let seed: UInt64
    let fixedViews: Bool
    let threads: Int

    /// The seed of crystal `crystal`'s stream for `view` in `epoch`.
    func stream(epoch: Int, crystal: Int, view: UInt64) -> UInt64 {
        var generator = SeededGenerator(seed: seed ^ 0xA076_1D64_78BD_642F)
        var mixed = generator.next()
        for part in [UInt64(fixedViews ? 0 : epoch), UInt64(crystal), view] {
            generator = SeededGenerator(seed: mixed ^ part)
            mixed = generator.next()
        }
        return mixed
    }

    /// One generator per member for `view` in `epoch`.
    func generators(_ members: [Int], epoch: Int, view: UInt64) -> [SeededGenerator] {
        members.map { SeededGenerator(seed: stream(epoch: epoch, crystal: $0, view: view)) }
    }

    /// ⌊fraction·n⌋ + 1 distinct atoms of each member (`ElementMasking`) drawn from its stream for view 0 in
    /// `epoch`, as indices into `batch`, the members' batch: ascending within each crystal, crystals in order.
    func maskedAtoms(_ members: [Int], in batch: GraphBatch, fraction: Double, epoch: Int) -> [Int32] {
        let masking = ElementMasking(fraction: fraction)
        var generators = generators(members, epoch: epoch, view: 0)
        var chosen: [Int32] = []
        for position in members.indices {
            let offsets = [batch.crystalOffsets[position], batch.crystalOffsets[position + 1]]
            chosen += masking.choose(crystalOffsets: offsets, using: &generators[position])
        }
        return chosen
    }

    /// The stored graphs of `members` as one batch.
    func storedBatch(_ members: [Int]) -> GraphBatch { inputs.graphs.batch(members, features: features) }

    /// Members' atomic numbers, batch order.
    func atomicNumbers(_ members: [Int]) -> [Int] {
        members.flatMap { k in inputs.graphs.atoms(of: k).map { Int(inputs.graphs.atomicNumbers[$0]) } }
    }

    /// Graphs rebuilt, as `graphs.h5` was built, from each member's crystal changed by `transform` (drawn from
    /// the member's stream for `view` in `epoch`), as one batch; members are built in parallel.
    func rebuiltBatch(
        _ members: [Int], epoch: Int, view: UInt64,
        transform: (Crystal, inout SeededGenerator) -> Crystal
    ) -> GraphBatch {
        var built = [CrystalGraph](repeating: CrystalGraph(), count: members.count)
        built.withUnsafeMutableBufferPointer { slots in
            parallelFor(members.count, threads: threads) { position in
                var generator = SeededGenerator(seed: stream(epoch: epoch, crystal: members[position], view: view))
                let changed = transform(crystals[members[position]], &generator)
                slots[position] = buildGraph(for: changed, parameters: inputs.graphParameters)
            }
        }
        return GraphSet(graphs: built).batch(Array(0..<members.count), features: features)
    }
}
