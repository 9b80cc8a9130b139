import StorageSupport
import SyncCore

/// Which orders a registration's token may read (SYNC-PROTOCOL.md §2 "Scopes"); every token
/// changes only its own shop's.
package enum NodeScope: String, Sendable, CaseIterable {
    /// The orders of the registration's shop (the default).
    case shop
    /// Every shop's orders: an admin workstation, registered so explicitly (`add-node --scope all`).
    case all
}

extension NodeRecord {
    /// The shop whose orders this node reads; nil when it reads every shop's.
    package var readableShop: String? { scope == .all ? nil : shop }
}

extension CentralStore {
    /// A page of the log entries of `shop`'s orders after `request.after`, read through
    /// `log_shops` (no entry of another shop is read). Versions stay global, so the cursor must
    /// move past versions the node may not see, within what the current decoders accept (a
    /// non-empty page ends at its last entry; an empty one may end anywhere):
    /// - a full page ends at its last entry, `has_more` true;
    /// - a shorter page ends at its last entry, with `has_more` true while the head lies beyond
    ///   it, so the node asks once more and gets
    /// - an empty page, which ends at the head: nothing of this shop up to there.
    /// So a caught-up node's cursor equals the head, and a page costs at most `limit` + 1 rows.
    static func shopPage(_ conn: any SQLConnection, _ request: PullRequest, shop: String, head: Int64) throws -> (
        body: [UInt8], entries: Int
    ) {
        var page = try PageSplicer()
        try page.append(
            conn,
            """
            SELECT log.version, log.change, log.displaced FROM log_shops JOIN log ON log.version = log_shops.version
            WHERE log_shops.shop = ? AND log_shops.version > ? ORDER BY log_shops.version LIMIT ?
            """, [.text(shop), .integer(request.after), .integer(Int64(request.limit) + 1)], limit: request.limit)
        guard let last = page.last else {
            return (page.finish(nextCursor: max(request.after, head), hasMore: false, head: head), 0)
        }
        return (page.finish(nextCursor: last, hasMore: page.sawMore || last < head, head: head), page.count)
    }

    /// The shops of `orders` (those of a push's log entries: whom its stream event concerns).
    static func shops(_ conn: any SQLConnection, ofOrders orders: Set<String>) throws -> Set<String> {
        var shops: Set<String> = []
        for order in orders {
            if let shop: String = try conn.fetchValue("SELECT shop FROM order_shops WHERE order_id = ?", [.text(order)])
            {
                shops.insert(shop)
            }
        }
        return shops
    }
}
