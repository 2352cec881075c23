import CBLAS
import Foundation
import NN
import Tensor

// Forward + backward time of the engine's GNN-sized ops, one JSON line per op and repeat; scripts/bench/ops
// runs the same ops in PyTorch and prints the ratios.
//   ops-bench [--threads T] [--repeats R] [--edges E] [--atoms N] [--only NAME]   (NAME: an op's first word)
let arguments = CommandLine.arguments
/// The argument after `name`, if any.
func value(_ name: String) -> String? {
    arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
}
func option(_ name: String, _ fallback: Int) -> Int { value(name).flatMap { Int($0) } ?? fallback }
let threads = option("--threads", 1)
let repeats = option("--repeats", 5)
let edges = option("--edges", 300_000)
let atoms = option("--atoms", 25_000)
let only = value("--only")

var generator = SeededGenerator(seed: 1)
let wide = Tensor<Float>.uniform([edges, 128], bound: 1, using: &generator)
let weight = Tensor<Float>.uniform([128, 128], bound: 0.1, using: &generator)
let nodes = Tensor<Float>.uniform([atoms, 64], bound: 1, using: &generator)
let messages = Tensor<Float>.uniform([edges, 64], bound: 1, using: &generator)
let index = (0..<edges).map { _ in Int32.random(in: 0..<Int32(atoms), using: &generator) }
var parameters = Parameters<Float>()
var buffers = Parameters<Float>()
let norm = BatchNorm("bn", features: 128)
norm.initialize(&parameters, buffers: &buffers)

/// Times forward + backward of `op` on tracked `inputs`, seeding the backward with ones.
func time(_ name: String, _ inputs: [Tensor<Float>], _ op: ([Tensor<Float>]) -> Tensor<Float>) {
    if let only, !name.hasPrefix(only + " ") { return }
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        Parallelism.$threads.withValue(threads) {
            let tape = Tape<Float>()
            let tracked = inputs.map(tape.track)
            let output = op(tracked)
            _ = tape.gradients(of: output, seed: Tensor(repeating: 1, shape: output.shape))
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        print("{\"impl\": \"xtalscreen\", \"op\": \"\(name)\", \"threads\": \(threads), \"seconds\": \(seconds)}")
    }
}

let core = String(cString: openblas_get_corename())
FileHandle.standardError.write(Data("ops-bench: OpenBLAS core \(core), \(threads) threads\n".utf8))
time("matmul [E,128]x[128,128]", [wide, weight]) { $0[0].matmul($0[1], transposeOther: true) }
time("gather [N,64] -> [E,64]", [nodes]) { $0[0].gather(rows: index) }
time("scatter_add [E,64] -> [N,64]", [messages]) { $0[0].scatterAdd(rows: index, count: atoms) }
time("softplus [E,128]", [wide]) { $0[0].softplus() }
time("sigmoid [E,128]", [wide]) { $0[0].sigmoid() }
time("batchnorm [E,128]", [wide, parameters["bn.weight"], parameters["bn.bias"]]) { inputs in
    var bound = Parameters<Float>()
    bound["bn.weight"] = inputs[1]
    bound["bn.bias"] = inputs[2]
    var scratch = buffers
    return norm(inputs[0], bound, buffers: &scratch, training: true)
}
