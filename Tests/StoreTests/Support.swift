import Foundation
@_exported import _TestSupport

/// The directory holding the test bundle and the package's built executables.
var productsDirectory: String { _TestSupport.productsDirectory(containing: "StoreFixtureWriter") }
