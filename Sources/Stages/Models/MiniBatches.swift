import Tensor

/// The mini-batches of one epoch: `crystals` shuffled with (seed, epoch) and cut into pieces of `size`.
///
/// A last piece of one crystal joins the one before, since BatchNorm needs two rows. The same seed and epoch
/// always give the same batches, which is what makes `--resume` and any `--jobs` exact.
func miniBatches(of crystals: [Int], size: Int, seed: UInt64, epoch: Int) -> [[Int]] {
    precondition(size > 0, "miniBatches: size \(size)")
    var generator = SeededGenerator(seed: seed ^ (UInt64(epoch + 1) &* 0xD1B5_4A32_D192_ED03))
    let order = crystals.shuffled(using: &generator)
    var pieces = stride(from: 0, to: order.count, by: size).map { Array(order[$0..<min(order.count, $0 + size)]) }
    if pieces.count > 1, let last = pieces.last, last.count == 1 {
        pieces.removeLast()
        pieces[pieces.count - 1] += last
    }
    return pieces
}
