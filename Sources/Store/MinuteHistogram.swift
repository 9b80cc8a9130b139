import Foundation

/// `analytics_stage_days.histogram`: how many orders took each number of minutes, as pairs of
/// (minutes − the previous pair's minutes, orders), minutes ascending, each number a zigzag
/// LEB128 varint (so any `Int` fits). A day's stage holds ~80 distinct minutes at a million
/// orders: one small blob instead of ~80 rows, which is what a period's read costs.
enum MinuteHistogram {
    /// `counts` (minutes → orders) without its zeros.
    static func encode(_ counts: [Int: Int]) -> Data {
        var data = Data()
        var previous = 0
        for (minutes, orders) in counts.sorted(by: { $0.key < $1.key }) where orders != 0 {
            append(minutes &- previous, to: &data)
            append(orders, to: &data)
            previous = minutes
        }
        return data
    }

    /// Calls `body` with each (minutes, orders) pair, minutes ascending. Nil if `data` is not one.
    static func decode(_ data: Data, _ body: (_ minutes: Int, _ orders: Int) -> Void) -> Void? {
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> Void? in
            var index = 0
            /// The next varint, or nil at a truncated or over-long one.
            func next() -> Int? {
                var value: UInt64 = 0
                var shift: UInt64 = 0
                while index < bytes.count, shift < 64 {
                    let byte = bytes[index]
                    index += 1
                    value |= UInt64(byte & 0x7f) << shift
                    if byte < 0x80 { return Int(bitPattern: UInt(value >> 1)) ^ -Int(bitPattern: UInt(value & 1)) }
                    shift += 7
                }
                return nil
            }
            var minutes = 0
            while index < bytes.count {
                guard let delta = next(), let orders = next() else { return nil }
                minutes &+= delta
                body(minutes, orders)
            }
            return ()
        }
    }

    /// The counts of `data` (minutes → orders). Nil if `data` is not a histogram.
    static func counts(_ data: Data) -> [Int: Int]? {
        var counts: [Int: Int] = [:]
        return decode(data) { counts[$0] = $1 }.map { counts }
    }

    /// Zigzag (0, -1, 1, -2 … as 0, 1, 2, 3 …), then seven bits a byte, low first.
    static func append(_ value: Int, to data: inout Data) {
        var rest = UInt64(bitPattern: Int64((value << 1) ^ (value >> (Int.bitWidth - 1))))
        while rest >= 0x80 {
            data.append(UInt8(rest & 0x7f) | 0x80)
            rest >>= 7
        }
        data.append(UInt8(rest))
    }
}
