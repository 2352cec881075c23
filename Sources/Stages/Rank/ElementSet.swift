import Crystal

/// A set of elements (Z 1–103) as a 128-bit mask: the composition of one crystal, or the symbols of an
/// `elements includes/excludes` filter, in 16 bytes whatever the store's size.
struct ElementSet: Sendable, Hashable {
    /// Bit `Z − 1` of the 128-bit mask, low word first.
    private var words = SIMD2<UInt64>(0, 0)

    /// The empty set.
    init() {}

    /// The set of `elements`.
    init(_ elements: some Sequence<Element>) {
        for element in elements { insert(element) }
    }

    /// Adds `element`.
    mutating func insert(_ element: Element) {
        let bit = element.atomicNumber - 1
        words[bit / 64] |= 1 << UInt64(bit % 64)
    }

    /// Number of elements in the set.
    var count: Int { words[0].nonzeroBitCount + words[1].nonzeroBitCount }

    /// Whether every element of `other` is in the set.
    func isSuperset(of other: ElementSet) -> Bool { (words & other.words) == other.words }

    /// Whether the set and `other` have no element in common.
    func isDisjoint(with other: ElementSet) -> Bool { (words & other.words) == SIMD2(0, 0) }
}
