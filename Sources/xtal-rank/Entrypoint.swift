import Stages

@main
struct Entrypoint {
    static func main() { RankCommand.main() }
}
