import Foundation

/// Random displacements of every site, for DSSL's coordinate-perturbation views (Fu et al. 2024).
extension Crystal {
    /// This crystal with every site moved by its own random Cartesian vector.
    ///
    /// Each vector has a direction uniform on the sphere and a length uniform in `distance` (Å), as pymatgen's
    /// `Structure.perturb(0.5, min_distance=0.1)`, which the DSSL reference calls. The lattice is unchanged;
    /// fractional coordinates are not wrapped.
    public func perturbed<G: RandomNumberGenerator>(distance: ClosedRange<Double>, using generator: inout G) -> Crystal
    {
        precondition(distance.lowerBound >= 0, "perturbed: distance \(distance) must not be negative")
        var moved = self
        for index in sites.indices {
            // Archimedes: z uniform in [-1, 1] and a uniform azimuth give a direction uniform on the sphere.
            let z = Double.random(in: -1...1, using: &generator)
            let phi = Double.random(in: 0..<(2 * Double.pi), using: &generator)
            let r = (1 - z * z).squareRoot()
            let direction = SIMD3(r * cos(phi), r * sin(phi), z)
            let shift = direction * Double.random(in: distance, using: &generator)
            moved.sites[index].fracCoords = lattice.fractional(cartesian(index) + shift)
        }
        return moved
    }
}
