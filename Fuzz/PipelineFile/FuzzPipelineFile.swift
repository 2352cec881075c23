import Pipeline
import Stages

/// One libFuzzer input: bytes as a pipeline file, read against the real stage catalogue; when it reads, its
/// step graph is built too (ordering, cycles, two steps writing one file).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPipelineFile(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: count), as: UTF8.self)
    guard let spec = try? PipelineSpec(file: "fuzz.yaml", text: text, catalogue: StageCatalogue.all) else { return 0 }
    _ = try? PipelineGraph(spec)
    for step in spec.steps {
        _ = step.arguments(runDirectory: spec.runDirectory, jobs: spec.jobs, force: false)
        _ = step.parameterHash
    }
    return 0
}
