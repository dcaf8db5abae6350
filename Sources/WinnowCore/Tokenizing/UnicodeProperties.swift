/// Per-code-point properties for segmentation, from the generated `UnicodeTables.swift`.
///
/// The ranges are expanded once into a flat table of 16-bit values (2.2 MB, built in about a millisecond), so
/// a lookup is one load; ASCII, which dominates news text, stays in a few cache lines.
@usableFromInline
struct UnicodeProperties {
    @usableFromInline
    static let table: [UInt16] = {
        var table = [UInt16](repeating: 0, count: 0x110000)
        table.withUnsafeMutableBufferPointer { t in
            for packed in unicodePropertyRanges {
                let start = Int(packed & 0x1F_FFFF)
                let end = Int((packed >> 21) & 0x1F_FFFF)
                let value = UInt16(truncatingIfNeeded: packed >> 42)
                for cp in start...end { t[cp] = value }
            }
        }
        return table
    }()

    @inlinable @inline(__always)
    static func wordBreak(_ value: UInt16) -> WordBreakProperty {
        WordBreakProperty(rawValue: UInt8(value & 0x1F)).unsafelyUnwrapped
    }

    @inlinable @inline(__always)
    static func sentenceBreak(_ value: UInt16) -> SentenceBreakProperty {
        SentenceBreakProperty(rawValue: UInt8((value >> 5) & 0xF)).unsafelyUnwrapped
    }

    @inlinable @inline(__always)
    static func isExtendedPictographic(_ value: UInt16) -> Bool { value & 0x200 != 0 }

    @inlinable @inline(__always)
    static func category(_ value: UInt16) -> CategoryClass {
        CategoryClass(rawValue: UInt8((value >> 10) & 0x7)).unsafelyUnwrapped
    }

    /// Simple case folding of one scalar (CaseFolding.txt statuses C and S).
    static let folding: [UInt32: UInt32] = {
        var map: [UInt32: UInt32] = [:]
        map.reserveCapacity(simpleCaseFoldingPairs.count)
        for pair in simpleCaseFoldingPairs {
            map[UInt32(pair >> 21)] = UInt32(pair & 0x1F_FFFF)
        }
        return map
    }()

    /// Folded forms below U+3000 as a direct table (0 = unchanged): the cased scripts live there.
    static let smallFolding: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 0x3000)
        for pair in simpleCaseFoldingPairs where pair >> 21 < 0x3000 {
            table[Int(pair >> 21)] = UInt32(pair & 0x1F_FFFF)
        }
        return table
    }()

    @inline(__always)
    static func fold(_ scalar: UInt32) -> UInt32 {
        if scalar < 0x3000 {
            let folded = smallFolding[Int(scalar)]
            return folded == 0 ? scalar : folded
        }
        return folding[scalar] ?? scalar
    }
}
