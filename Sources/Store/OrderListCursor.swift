import Foundation
import OrderDomain

/// Where the next page of an order list starts: just after the last order of the page before
/// (keyset paging, so page 1,000 costs what page 1 does and an order created meanwhile shifts
/// nothing). Clients see it as an opaque text: `kct orders list --after`, `GET /api/orders?cursor=`.
package enum OrderListCursor: Hashable, Sendable {
    /// A list without search, newest first: the (created_at, order_number) of the page's last order.
    case created(at: String, orderNumber: String)
    /// Search results, most recently added to this replica first: the page's last `local_id`.
    case searchRank(Int64)

    /// The opaque text: `t` or `s`, then the key in unpadded base64url.
    package var encoded: String {
        switch self {
        case .created(let at, let orderNumber): "t" + Self.base64URL(at + " " + orderNumber)
        case .searchRank(let localID): "s" + Self.base64URL(String(localID))
        }
    }

    /// Parses a cursor that a page of the same kind of list returned (`search`: a list with a
    /// search text, whose cursors differ from the others').
    package init(parsing text: String, search: Bool) throws(InvalidOrderListCursor) {
        guard let kind = text.first, let key = Self.decodeBase64URL(String(text.dropFirst())) else {
            throw InvalidOrderListCursor(text: text)
        }
        switch (kind, search) {
        case ("t", false):
            let parts = key.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2, Timestamp.parseMillis(parts[0]) != nil, (1...20).contains(parts[1].count) else {
                throw InvalidOrderListCursor(text: text)
            }
            self = .created(at: parts[0], orderNumber: parts[1])
        case ("s", true):
            guard let localID = Int64(key), localID > 0 else { throw InvalidOrderListCursor(text: text) }
            self = .searchRank(localID)
        default:
            throw InvalidOrderListCursor(text: text)
        }
    }

    static func base64URL(_ text: String) -> String {
        Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func decodeBase64URL(_ text: String) -> String? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard !text.isEmpty, let data = Data(base64Encoded: base64) else { return nil }
        return String(data: data, encoding: .utf8)
    }
}

/// A cursor that no page of this list returned (mistyped, truncated, or from a list with or
/// without a search text when this one is the other).
package struct InvalidOrderListCursor: Error, CustomStringConvertible {
    package var text: String
    package var description: String {
        "'\(text)' is not a cursor of this list: pass the next cursor that the previous page of the same "
            + "list (same search) returned"
    }
}

/// One page of an order list and where the next one starts (nil: this is the last page).
package struct OrderPage: Sendable {
    package var orders: [OrderRecord]
    package var nextCursor: OrderListCursor?
}
