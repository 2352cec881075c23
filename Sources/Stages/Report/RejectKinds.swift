/// Groups reject reasons by kind: the reason with its numbers, quoted names and file positions replaced by
/// `#` or `…`, so that `atoms 0 and 2 are 0.08 Å apart` and `atoms 1 and 5 are 0.3 Å apart` count together.
enum RejectKinds {
    /// The kind of `reason`.
    static func kind(of reason: String) -> String {
        reason
            .replacing(#/'[^']*'/#, with: "'…'")
            .replacing(#/"[^"]*"/#, with: "\"…\"")
            .replacing(#/[^\s()\[\],;]*[0-9][^\s()\[\],;]*/#, with: "#")
    }

    /// Each kind with its count, most frequent first (ties by kind).
    static func count(_ reasons: [String]) -> [(kind: String, count: Int)] {
        var counts: [String: Int] = [:]
        for reason in reasons { counts[kind(of: reason), default: 0] += 1 }
        return counts.map { (kind: $0.key, count: $0.value) }.sorted {
            $0.count != $1.count ? $0.count > $1.count : $0.kind < $1.kind
        }
    }
}
