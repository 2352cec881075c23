import Stages

@main
struct Entrypoint {
    static func main() { PredictCommand.main() }
}
