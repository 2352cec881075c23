/// One atom of a crystal: its element, fractional coordinates and occupancy.
public struct Site: Sendable, Hashable {
    /// The element.
    public var element: Element
    /// Fractional coordinates in the lattice basis.
    public var fracCoords: SIMD3<Double>
    /// Site occupancy (1 for an ordered site; partially occupied sites are rejected by validation).
    public var occupancy: Double

    public init(_ element: Element, _ fracCoords: SIMD3<Double>, occupancy: Double = 1) {
        self.element = element
        self.fracCoords = fracCoords
        self.occupancy = occupancy
    }
}
