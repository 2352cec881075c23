import CHDF5

/// A numeric element type the store reads and writes: Float32/Float64/Int8/Int16/Int32/Int64/UInt8.
///
/// `memoryType` is the native HDF5 type of the Swift value; `fileType` the little-endian type written to
/// disk. Reads check the stored type's class, size and signedness against `Self` and refuse a mismatch
/// instead of converting silently.
public protocol StoreScalar: Sendable, Equatable {
    /// The native in-memory HDF5 type.
    static var memoryType: hid_t { get }
    /// The on-disk HDF5 type.
    static var fileType: hid_t { get }
    /// A short name for messages, e.g. `float32`.
    static var typeName: String { get }
}

extension Float: StoreScalar {
    public static var memoryType: hid_t { xs_H5T_NATIVE_FLOAT() }
    public static var fileType: hid_t { xs_H5T_IEEE_F32LE() }
    public static var typeName: String { "float32" }
}

extension Double: StoreScalar {
    public static var memoryType: hid_t { xs_H5T_NATIVE_DOUBLE() }
    public static var fileType: hid_t { xs_H5T_IEEE_F64LE() }
    public static var typeName: String { "float64" }
}

extension Int8: StoreScalar {
    public static var memoryType: hid_t { xs_H5T_NATIVE_INT8() }
    public static var fileType: hid_t { xs_H5T_STD_I8LE() }
    public static var typeName: String { "int8" }
}

extension Int16: StoreScalar {
    public static var memoryType: hid_t { xs_H5T_NATIVE_INT16() }
    public static var fileType: hid_t { xs_H5T_STD_I16LE() }
    public static var typeName: String { "int16" }
}

extension Int32: StoreScalar {
    public static var memoryType: hid_t { xs_H5T_NATIVE_INT32() }
    public static var fileType: hid_t { xs_H5T_STD_I32LE() }
    public static var typeName: String { "int32" }
}

extension Int64: StoreScalar {
    public static var memoryType: hid_t { xs_H5T_NATIVE_INT64() }
    public static var fileType: hid_t { xs_H5T_STD_I64LE() }
    public static var typeName: String { "int64" }
}

extension UInt8: StoreScalar {
    public static var memoryType: hid_t { xs_H5T_NATIVE_UINT8() }
    public static var fileType: hid_t { xs_H5T_STD_U8LE() }
    public static var typeName: String { "uint8" }
}

/// Describes a stored HDF5 type in the vocabulary of `StoreScalar.typeName`, for messages and type checks.
func describeType(_ type: hid_t) -> String {
    let size = H5Tget_size(type) * 8
    switch H5Tget_class(type) {
    case H5T_FLOAT: return "float\(size)"
    case H5T_INTEGER: return (H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") + "\(size)"
    case H5T_STRING: return "string"
    case H5T_COMPOUND: return "compound"
    case H5T_ENUM: return "enum"
    default: return "unsupported type"
    }
}
