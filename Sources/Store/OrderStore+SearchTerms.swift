import GRDB

/// A search word as the index's own terms. FTS5 answers a prefix term (`"smith"*`) by merging the
/// doclists of every term with that prefix into one list before it hands out the first match, so
/// a page of a common name cost as much as all its matches (~25 ms for the 111,000 orders of a
/// million that match "smith"). An exact term's doclist is read lazily, newest first, and SQLite
/// stops after a page. So a search on an index that is up to date asks the index's vocabulary for
/// the terms that start with each word and, when there are at most `expandedTermsLimit`, matches
/// their OR instead: the same orders, in the same order, read lazily.
///
/// Only for words of ASCII letters and digits whose terms are too: the unicode61 tokenizer makes
/// such a word one term, its lower case, so the vocabulary is read from exactly FTS5's prefix, and
/// each term quoted back is itself again. Other words, and prefixes with more terms than the limit
/// (a digit or two of an order number), keep the prefix term.
extension OrderStore {
    /// Terms a word may become; each adds a doclist that the OR steps through per match.
    static let expandedTermsLimit = 16

    /// Runs of letters and digits: the words of a search text.
    static func searchWords(_ text: String) -> [Substring] {
        text.split(whereSeparator: { !$0.isLetter && !$0.isNumber })
    }

    /// A word as a quoted FTS5 prefix term.
    static func prefixTerm(_ word: some StringProtocol) -> String { "\"\(word)\"*" }

    /// The FTS5 query for `words` against `orders_search` as it is in this transaction: each
    /// word the OR of the index's terms that start with it, or its prefix term (see above).
    static func indexedSearchQuery(_ db: Database, words: [Substring]) throws -> String {
        // A reader's own view of the index's terms (temp: a reader cannot write the replica).
        try db.execute(
            sql: """
                CREATE VIRTUAL TABLE IF NOT EXISTS temp.orders_search_terms
                USING fts5vocab(main, orders_search, instance)
                """)
        // One (term, order) row per match, terms in byte order: the first row at or after a bound is
        // the next term, found without reading its doclist (a `row` vocabulary counts every match).
        let nextTerm = try db.cachedStatement(sql: "SELECT term FROM temp.orders_search_terms WHERE term >= ? LIMIT 1")
        return try words.map { word in
            guard isASCIIAlphanumeric(word) else { return prefixTerm(word) }
            let prefix = word.lowercased()
            var terms: [String] = []
            var bound = prefix
            while terms.count <= expandedTermsLimit, let term = try String.fetchOne(nextTerm, arguments: [bound]),
                term.utf8.starts(with: prefix.utf8)
            {
                guard isASCIIAlphanumeric(term) else { return prefixTerm(word) }
                terms.append(term)
                // The least text after `term`: no term holds a control character.
                bound = term + "\u{1}"
            }
            guard (1...expandedTermsLimit).contains(terms.count) else { return prefixTerm(word) }
            return "(" + terms.map { "\"\($0)\"" }.joined(separator: " OR ") + ")"
        }
        .joined(separator: " AND ")
    }

    static func isASCIIAlphanumeric(_ text: some StringProtocol) -> Bool {
        !text.isEmpty
            && text.utf8.allSatisfy { byte in
                (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
            }
    }
}
