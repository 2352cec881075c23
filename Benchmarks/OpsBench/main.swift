import Foundation
import NN
import Tensor

// Forward + backward time of the engine's GNN-sized ops; scripts/bench/ops runs the same ops in PyTorch and prints
// the ratios.
//   ops-bench [--threads T] [--repeats R] [--edges E] [--atoms N] [--only NAME]   (NAME: an op's first word)
//     one JSON line per op and repeat;
//   ops-bench --serve [--edges E] [--atoms N]
//     reads lines "NAME THREADS" from standard input and answers each with one timed run as a JSON line, so that a
//     driver can alternate our runs with PyTorch's (scripts/bench/ops_paired.py);
//   ops-bench --blas-core
//     prints the OpenBLAS kernel set the engine's products use (BLASKernels) and nothing else.
let arguments = CommandLine.arguments
if arguments.contains("--blas-core") {
    print(BLASKernels.coreName)
    exit(0)
}
/// The argument after `name`, if any.
func value(_ name: String) -> String? {
    arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
}
func option(_ name: String, _ fallback: Int) -> Int { value(name).flatMap { Int($0) } ?? fallback }
let edges = option("--edges", 300_000)
let atoms = option("--atoms", 25_000)

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

/// An op of the benchmark: its name (the first word names it for `--only` and `--serve`), its inputs, tracked
/// when timed, and the op.
struct Op {
    let name: String
    let inputs: [Tensor<Float>]
    let run: ([Tensor<Float>]) -> Tensor<Float>
}

let ops = [
    Op(name: "matmul [E,128]x[128,128]", inputs: [wide, weight]) { $0[0].matmul($0[1], transposeOther: true) },
    Op(name: "gather [N,64] -> [E,64]", inputs: [nodes]) { $0[0].gather(rows: index) },
    Op(name: "scatter_add [E,64] -> [N,64]", inputs: [messages]) { $0[0].scatterAdd(rows: index, count: atoms) },
    Op(name: "softplus [E,128]", inputs: [wide]) { $0[0].softplus() },
    Op(name: "sigmoid [E,128]", inputs: [wide]) { $0[0].sigmoid() },
    Op(name: "batchnorm [E,128]", inputs: [wide, parameters["bn.weight"], parameters["bn.bias"]]) { inputs in
        var bound = Parameters<Float>()
        bound["bn.weight"] = inputs[1]
        bound["bn.bias"] = inputs[2]
        var scratch = buffers
        return norm(inputs[0], bound, buffers: &scratch, training: true)
    },
]

/// Seconds for one forward + backward of `op` on `threads` threads, its inputs tracked and the backward seeded with
/// ones.
func seconds(_ op: Op, threads: Int) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    Parallelism.$threads.withValue(threads) {
        let tape = Tape<Float>()
        let tracked = op.inputs.map(tape.track)
        let output = op.run(tracked)
        _ = tape.gradients(of: output, seed: Tensor(repeating: 1, shape: output.shape))
    }
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// Prints one timed run of `op` as a JSON line, written at once (a driver waits for it).
func report(_ op: Op, threads: Int) {
    let line =
        "{\"impl\": \"xtalscreen\", \"op\": \"\(op.name)\", \"threads\": \(threads), "
        + "\"seconds\": \(seconds(op, threads: threads))}\n"
    FileHandle.standardOutput.write(Data(line.utf8))
}

let core = BLASKernels.coreName
FileHandle.standardError.write(Data("ops-bench: OpenBLAS core \(core)\n".utf8))
if arguments.contains("--serve") {
    while let line = readLine() {
        let words = line.split(separator: " ")
        guard words.count == 2, let threads = Int(words[1]),
            let op = ops.first(where: { $0.name.hasPrefix(words[0] + " ") })
        else {
            FileHandle.standardError.write(Data("ops-bench: cannot read request '\(line)'\n".utf8))
            exit(64)
        }
        report(op, threads: threads)
    }
} else {
    let (threads, repeats, only) = (option("--threads", 1), option("--repeats", 5), value("--only"))
    for op in ops where only.map({ op.name.hasPrefix($0 + " ") }) ?? true {
        for _ in 0..<repeats { report(op, threads: threads) }
    }
}
