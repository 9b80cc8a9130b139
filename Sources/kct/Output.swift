import Foundation
import OrderDomain
import Store

enum Output {
    /// Pretty, key-sorted JSON on stdout.
    static func json<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// A remark for people, on stderr so stdout stays parseable.
    static func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// A plain text table with a header row, columns padded to their widest cell.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            zip(row, widths).enumerated().map { index, cell in
                index == row.count - 1 ? cell.0 : cell.0.padding(toLength: cell.1, withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// `"1049.00 USD"` for tables.
    static func money(_ money: Money) -> String { "\(money.decimalString) \(money.currency.code)" }

    /// `2026-11-25 14:15` from a stored timestamp.
    static func time(_ stored: String) -> String {
        guard stored.count >= 16 else { return stored }
        return stored.prefix(10) + " " + stored.dropFirst(11).prefix(5)
    }

    static func duration(_ seconds: Int64?) -> String {
        guard let seconds else { return "" }
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return "\(seconds / 60)m" }
        if seconds < 86_400 { return "\(seconds / 3600)h\(seconds % 3600 / 60)m" }
        return "\(seconds / 86_400)d\(seconds % 86_400 / 3600)h"
    }
}
