import Crystal

/// The crystals `--unique` has kept so far, as fingerprints: finds the earlier copy of a crystal.
///
/// Fingerprints are grouped by their invariants (formula and primitive cell), so a lookup compares
/// only with crystals that share them, in the order they were kept; the first match is the one reported. It
/// holds one fingerprint (a few hundred bytes) and one id per kept crystal, never the structures.
struct DuplicateIndex {
    private var kept: [StructureFingerprint.Invariants: [(fingerprint: StructureFingerprint, id: String)]] = [:]

    /// The id of the first kept crystal that `fingerprint` matches, if any.
    func original(of fingerprint: StructureFingerprint) -> String? {
        kept[fingerprint.invariants]?.first { $0.fingerprint.matches(fingerprint) }?.id
    }

    /// Remembers a kept crystal.
    mutating func insert(_ fingerprint: StructureFingerprint, id: String) {
        kept[fingerprint.invariants, default: []].append((fingerprint, id))
    }
}
