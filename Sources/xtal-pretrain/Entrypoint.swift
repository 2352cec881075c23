import Stages

@main
struct Entrypoint {
    static func main() { PretrainCommand.main() }
}
