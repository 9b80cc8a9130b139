/// The one way times are written: UTC with milliseconds, fixed width, so text order is time
/// order. `format` is the stored and JSON form (`2026-11-25T14:15:00.123Z`, ISO 8601); `readable`
/// is the form in messages for people (`2026-11-25 14:15:00.123 UTC`). Formatted by hand: this
/// runs several times per edit. (HTTP's `Date` header has its own RFC 9110 form, in HTTPServer.)
package enum Timestamp {
    package static func format(millis: UInt64) -> String {
        format(millis: millis, separator: "T", suffix: "Z")
    }

    package static func readable(millis: UInt64) -> String {
        format(millis: millis, separator: " ", suffix: " UTC")
    }

    private static func format(millis: UInt64, separator: String, suffix: String) -> String {
        let seconds = millis / 1000
        let date = CalendarDate(daysSince1970: Int(seconds / 86_400))
        let secondOfDay = Int(seconds % 86_400)
        let time = "\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
        return "\(date)\(separator)\(time).\(pad(Int(millis % 1000), 3))\(suffix)"
    }

    /// Parses what `format` writes; nil for anything else.
    package static func parseMillis(_ text: String) -> UInt64? {
        let bytes = Array(text.utf8)
        guard bytes.count == 24, bytes[10] == UInt8(ascii: "T"), bytes[23] == UInt8(ascii: "Z"),
            let date = try? CalendarDate(parsing: String(decoding: bytes[0..<10], as: UTF8.self)),
            let hours = number(bytes[11..<13]), let minutes = number(bytes[14..<16]),
            let seconds = number(bytes[17..<19]), let millis = number(bytes[20..<23]),
            date.daysSince1970 >= 0
        else { return nil }
        let total = ((date.daysSince1970 * 24 + hours) * 60 + minutes) * 60 + seconds
        return UInt64(total) * 1000 + UInt64(millis)
    }

    package static func seconds(_ text: String) -> Double? { parseMillis(text).map { Double($0) / 1000 } }

    private static func number(_ digits: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for digit in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) else { return nil }
            value = value * 10 + Int(digit - UInt8(ascii: "0"))
        }
        return value
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
