/// Central's statements use SQLite's `?` placeholders; PostgreSQL numbers them (`$1`, `$2`…).
/// Rewrites every `?` outside string literals, quoted identifiers and comments.
package enum PostgresPlaceholders {
    package static func numbered(_ sql: String) -> (text: String, count: Int) {
        var output = ""
        output.reserveCapacity(sql.utf8.count + 16)
        var count = 0
        var iterator = sql.makeIterator()
        var quote: Character?
        var inLineComment = false
        var previous: Character?
        while let character = iterator.next() {
            defer { previous = character }
            if inLineComment {
                if character == "\n" { inLineComment = false }
            } else if let open = quote {
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == "-", previous == "-" {
                inLineComment = true
            } else if character == "?" {
                count += 1
                output += "$\(count)"
                continue
            }
            output.append(character)
        }
        return (output, count)
    }
}
