import Stages

@main
struct Entrypoint {
    static func main() { TrainCommand.main() }
}
