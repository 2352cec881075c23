/// The XtalScreen version, printed by `--version` and stamped in every store file's provenance.
public enum XtalVersion {
    public static let current = "0.1.0"
}
