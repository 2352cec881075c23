import Foundation

/// A crystal lattice: three basis vectors `a`, `b`, `c` in Cartesian ångström, stored as rows (the
/// pymatgen and ASE convention; spglib wants columns, see `Graph`).
///
/// Fractional coordinates `f` and Cartesian `r` are related by `r = f₁·a + f₂·b + f₃·c`.
public struct Lattice: Sendable, Hashable {
    /// First basis vector, Å.
    public var a: SIMD3<Double>
    /// Second basis vector, Å.
    public var b: SIMD3<Double>
    /// Third basis vector, Å.
    public var c: SIMD3<Double>

    /// A lattice with rows `a`, `b`, `c` (Å).
    public init(a: SIMD3<Double>, b: SIMD3<Double>, c: SIMD3<Double>) {
        self.a = a
        self.b = b
        self.c = c
    }

    /// A lattice from a row-major 3×3 matrix (rows are the basis vectors, Å).
    ///
    /// - Precondition: `matrix` has 9 entries.
    public init(rowMajor matrix: [Double]) {
        precondition(matrix.count == 9, "Lattice(rowMajor:): \(matrix.count) entries, need 9")
        self.init(
            a: SIMD3(matrix[0], matrix[1], matrix[2]), b: SIMD3(matrix[3], matrix[4], matrix[5]),
            c: SIMD3(matrix[6], matrix[7], matrix[8]))
    }

    /// A lattice from lengths (Å) and angles (degrees), oriented as pymatgen's `Lattice.from_parameters`:
    /// `c` along z, `a` in the xz plane.
    ///
    /// ```
    /// cos γ* = (cos α cos β − cos γ) / (sin α sin β)
    /// a = (a sin β, 0, a cos β)
    /// b = (−b sin α cos γ*, b sin α sin γ*, b cos α)
    /// c = (0, 0, c)
    /// ```
    public init(lengths: SIMD3<Double>, anglesInDegrees angles: SIMD3<Double>) {
        let radians = angles * (Double.pi / 180)
        let (cosAlpha, cosBeta, cosGamma) = (cos(radians.x), cos(radians.y), cos(radians.z))
        let (sinAlpha, sinBeta) = (sin(radians.x), sin(radians.y))
        let value = (cosAlpha * cosBeta - cosGamma) / (sinAlpha * sinBeta)
        let gammaStar = acos(min(1, max(-1, value)))
        self.init(
            a: SIMD3(lengths.x * sinBeta, 0, lengths.x * cosBeta),
            b: SIMD3(
                -lengths.y * sinAlpha * cos(gammaStar), lengths.y * sinAlpha * sin(gammaStar), lengths.y * cosAlpha),
            c: SIMD3(0, 0, lengths.z))
    }

    /// The matrix as 9 numbers, row-major (rows are `a`, `b`, `c`).
    public var rowMajor: [Double] { [a.x, a.y, a.z, b.x, b.y, b.z, c.x, c.y, c.z] }

    /// Lengths |a|, |b|, |c| in Å.
    public var lengths: SIMD3<Double> { SIMD3(length(a), length(b), length(c)) }

    /// Angles α (between b and c), β (a, c), γ (a, b) in degrees.
    public var anglesInDegrees: SIMD3<Double> {
        func angle(_ u: SIMD3<Double>, _ v: SIMD3<Double>) -> Double {
            acos(min(1, max(-1, dot(u, v) / (length(u) * length(v))))) * 180 / .pi
        }
        return SIMD3(angle(b, c), angle(a, c), angle(a, b))
    }

    /// The signed triple product a · (b × c), Å³ (negative for a left-handed basis).
    public var determinant: Double { dot(a, cross(b, c)) }

    /// The cell volume |a · (b × c)|, Å³.
    public var volume: Double { abs(determinant) }

    /// The crystallographic reciprocal basis (no 2π), rows `a*`, `b*`, `c*` with `a·a* = 1`, `a·b* = 0`, …; Å⁻¹.
    public var reciprocal: Lattice {
        let det = determinant
        return Lattice(a: cross(b, c) / det, b: cross(c, a) / det, c: cross(a, b) / det)
    }

    /// Distances between adjacent lattice planes (100), (010), (001): `1 / |a*|`, …; Å.
    public var planeSpacings: SIMD3<Double> {
        let r = reciprocal
        return SIMD3(1 / length(r.a), 1 / length(r.b), 1 / length(r.c))
    }

    /// Cartesian coordinates (Å) of fractional coordinates `f`.
    public func cartesian(_ f: SIMD3<Double>) -> SIMD3<Double> { f.x * a + f.y * b + f.z * c }

    /// Fractional coordinates of Cartesian `r` (Å).
    public func fractional(_ r: SIMD3<Double>) -> SIMD3<Double> {
        let inverse = reciprocal
        return SIMD3(dot(r, inverse.a), dot(r, inverse.b), dot(r, inverse.c))
    }

    /// Whether every entry is finite.
    public var isFinite: Bool { rowMajor.allSatisfy(\.isFinite) }
}

/// The dot product of two 3-vectors.
@inlinable public func dot(_ u: SIMD3<Double>, _ v: SIMD3<Double>) -> Double { (u * v).sum() }

/// The cross product of two 3-vectors.
@inlinable public func cross(_ u: SIMD3<Double>, _ v: SIMD3<Double>) -> SIMD3<Double> {
    SIMD3(u.y * v.z - u.z * v.y, u.z * v.x - u.x * v.z, u.x * v.y - u.y * v.x)
}

/// The Euclidean length of a 3-vector.
@inlinable public func length(_ u: SIMD3<Double>) -> Double { dot(u, u).squareRoot() }
