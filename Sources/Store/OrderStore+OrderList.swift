import GRDB
import OrderDomain

/// Filters of `kct orders list`.
package struct OrderFilter: Sendable {
    package var statuses: [OrderStatus] = []
    package var priorities: [OrderPriority] = []
    /// Words matched as prefixes against order number, customer name, e-mail and phone.
    package var search: String?
    package var limit: Int = 50
    /// Where the page starts: the `nextCursor` of the previous page of the same list; nil: the first.
    package var after: OrderListCursor?

    package init(
        statuses: [OrderStatus] = [], priorities: [OrderPriority] = [], search: String? = nil, limit: Int = 50,
        after: OrderListCursor? = nil
    ) {
        self.statuses = statuses
        self.priorities = priorities
        self.search = search
        self.limit = limit
        self.after = after
    }

    /// Whether this is a search (whose cursors differ from a plain list's): a search text with a word.
    package var isSearch: Bool { search.flatMap(OrderStore.searchQuery) != nil }
}

/// Order lists, a page at a time, read in display order from an index so a page costs the same
/// at any depth and with any number of orders (`ReplicaMigrations.listIndexes`):
/// - without search: newest first by (created_at, order_number), a keyset after the cursor;
///   a status or priority filter reads at most a page from each (status, priority) pair it
///   covers and merges them;
/// - with search: most recently added to this replica first (`local_id` descending), streamed from
///   the full-text index, which SQLite stops reading once the page is full.
extension OrderStore {
    /// Orders matching the filter: one page, newest first.
    package func orders(_ filter: OrderFilter) throws(StoreError) -> [OrderRecord] { try orderPage(filter).orders }

    /// One page of orders matching the filter and the cursor of the next page.
    package func orderPage(_ filter: OrderFilter) throws(StoreError) -> OrderPage {
        let limit = max(1, filter.limit)
        if let text = filter.search, case let words = Self.searchWords(text), !words.isEmpty {
            let after: Int64?
            switch filter.after {
            case nil: after = nil
            case .searchRank(let localID): after = localID
            case .created: throw StoreError.unexpected("a list's cursor was given to a search")
            }
            // The index is brought up to date here, not by edits (OrderStore+SearchIndex.swift).
            let indexed = try catchUpSearchIndex()
            return try read { db in
                let rows = try Self.searchRows(
                    db, words: words, indexed: indexed, filter: filter, after: after, limit: limit + 1)
                let orders = try rows.prefix(limit).map(Decode.order)
                let next = rows.count > limit ? OrderListCursor.searchRank(rows[limit - 1]["local_id"]) : nil
                return OrderPage(orders: orders, nextCursor: next)
            }
        }
        let after: (at: String, orderNumber: String)?
        switch filter.after {
        case nil: after = nil
        case .created(let at, let orderNumber): after = (at, orderNumber)
        case .searchRank: throw StoreError.unexpected("a search's cursor was given to a list without search")
        }
        return try read { db in
            let orders =
                filter.statuses.isEmpty && filter.priorities.isEmpty
                ? try Self.newestOrders(db, after: after, limit: limit + 1)
                : try Self.newestOrders(db, filter: filter, after: after, limit: limit + 1)
            let next = orders.count > limit ? orders[limit - 1] : nil
            return OrderPage(
                orders: Array(orders.prefix(limit)),
                nextCursor: next.map { .created(at: $0.createdAt, orderNumber: $0.orderNumber) })
        }
    }

    /// Every order, newest first, from `orders_by_created`.
    static func newestOrders(_ db: Database, after: (at: String, orderNumber: String)?, limit: Int) throws
        -> [OrderRecord]
    {
        let keyset = after == nil ? "" : "WHERE (created_at, order_number) < (?, ?)"
        let statement = try db.cachedStatement(
            sql: """
                SELECT * FROM orders INDEXED BY orders_by_created \(keyset)
                ORDER BY created_at DESC, order_number DESC LIMIT ?
                """)
        let arguments: StatementArguments = after.map { [$0.at, $0.orderNumber, limit] } ?? [limit]
        return try Row.fetchAll(statement, arguments: arguments).map(Decode.order)
    }

    /// The orders of the filter's statuses and priorities (each: all when empty), newest first:
    /// up to `limit` from each (status, priority) pair through `orders_by_status_priority_created`,
    /// merged, the first `limit` of them read whole.
    static func newestOrders(
        _ db: Database, filter: OrderFilter, after: (at: String, orderNumber: String)?, limit: Int
    ) throws -> [OrderRecord] {
        let keyset = after == nil ? "" : "AND (created_at, order_number) < (?, ?)"
        let statement = try db.cachedStatement(
            sql: """
                SELECT local_id, created_at, order_number FROM orders INDEXED BY orders_by_status_priority_created
                WHERE status = ? AND priority = ? \(keyset)
                ORDER BY created_at DESC, order_number DESC LIMIT ?
                """)
        var keys: [(createdAt: String, orderNumber: String, localID: Int64)] = []
        for status in Set(filter.statuses.isEmpty ? OrderStatus.allCases : filter.statuses) {
            for priority in Set(filter.priorities.isEmpty ? OrderPriority.allCases : filter.priorities) {
                var arguments: StatementArguments = [status.rawValue, priority.rawValue]
                if let after { arguments += [after.at, after.orderNumber] }
                arguments += [limit]
                let rows = try Row.fetchCursor(statement, arguments: arguments)
                while let row = try rows.next() {
                    keys.append((row["created_at"], row["order_number"], row["local_id"]))
                }
            }
        }
        keys.sort { ($0.createdAt, $0.orderNumber) > ($1.createdAt, $1.orderNumber) }
        let byLocalID = try db.cachedStatement(sql: "SELECT * FROM orders WHERE local_id = ?")
        return try keys.prefix(limit).compactMap { key in
            try Row.fetchOne(byLocalID, arguments: [key.localID]).map(Decode.order)
        }
    }

    /// Up to `limit` orders matching every word as a prefix and the filter's statuses and
    /// priorities, `local_id` descending below `after`. Through the index when it is up to date
    /// (`indexed`): FTS5 hands out matches in rowid order, so SQLite stops after `limit` matches
    /// that pass the filters instead of collecting and sorting every match (the words as exact
    /// terms where it can: `indexedSearchQuery`). Otherwise the index and this connection's own
    /// index of the orders above the watermark (`pendingSearchCondition`), by the prefix query.
    static func searchRows(
        _ db: Database, words: [Substring], indexed: Bool, filter: OrderFilter, after: Int64?, limit: Int
    ) throws -> [Row] {
        var conditions: [String] = []
        if !filter.statuses.isEmpty {
            conditions.append("orders.status IN (\(ReplicaMigrations.quoted(filter.statuses.map(\.rawValue))))")
        }
        if !filter.priorities.isEmpty {
            conditions.append("orders.priority IN (\(ReplicaMigrations.quoted(filter.priorities.map(\.rawValue))))")
        }
        let below = after ?? Int64.max
        if indexed {
            let filters = conditions.map { " AND " + $0 }.joined()
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT orders.* FROM orders_search CROSS JOIN orders ON orders.local_id = orders_search.rowid
                    WHERE orders_search MATCH ? AND orders_search.rowid < ?\(filters)
                    ORDER BY orders_search.rowid DESC LIMIT ?
                    """, arguments: [try indexedSearchQuery(db, words: words), below, limit])
        }
        conditions.append(try pendingSearchCondition(db))
        let query = prefixQuery(words)
        return try Row.fetchAll(
            db,
            sql: """
                SELECT * FROM orders WHERE local_id < ? AND \(conditions.joined(separator: " AND "))
                ORDER BY local_id DESC LIMIT ?
                """, arguments: [below, query, query, limit])
    }

    /// An FTS5 query from free text: each run of letters and digits becomes a quoted prefix
    /// term, all of which must match. Nil when the text has no such run (matches everything).
    static func searchQuery(_ text: String) -> String? {
        let words = searchWords(text)
        return words.isEmpty ? nil : prefixQuery(words)
    }

    /// Each word a quoted prefix term, all of which must match.
    static func prefixQuery(_ words: [Substring]) -> String { words.map(prefixTerm).joined(separator: " ") }
}
