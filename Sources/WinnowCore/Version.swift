/// Winnow's version, written into every record.
public enum Winnow {
    public static let version = "0.1.0"
}
