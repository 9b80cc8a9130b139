import OrderDomain

/// The query of `GET /v1/snapshot?version=V&after=ORDER&limit=N` (SYNC-PROTOCOL.md §4.9): a page
/// of the token's scope, orders in id order after `after`, for a snapshot pinned at `version`.
/// The first request has neither: central pins the snapshot at its head and says so.
package struct SnapshotRequest: Hashable, Sendable {
    /// The version the snapshot was pinned at by its first page; nil to start one.
    package var version: Int64?
    /// The last order id already received; nil for the first page.
    package var after: String?
    /// Orders per page.
    package var limit: Int

    /// Measured (debug build, 2,000 one-item orders): a node's peak RSS was 77 MiB with pages of
    /// 100 orders, 92 MiB with 250 and 119 MiB with 1,000 (a decoded page holds ~45 KB per
    /// order), against 40 MiB for `kct sync status`; the request count hardly mattered.
    package static let defaultLimit = 250
    package static let maximumLimit = 5000

    package init(version: Int64? = nil, after: String? = nil, limit: Int = defaultLimit) {
        self.version = version
        self.after = after
        self.limit = limit
    }

    package init(query: [String: String]) throws(ErrorResponse) {
        var version: Int64?
        if let text = query["version"] {
            guard let value = Int64(text), value >= 0 else {
                throw ErrorResponse(
                    code: .invalidCursor, message: "version must be a log version (a whole number ≥ 0), got '\(text)'"
                )
            }
            version = value
        }
        let after = query["after"]
        if let after, after.isEmpty || after.utf8.count > Change.maximumIdentifierLength {
            throw ErrorResponse(code: .invalidCursor, message: "after must be an order id")
        }
        if after != nil && version == nil {
            throw ErrorResponse(code: .invalidCursor, message: "a snapshot continued with after= needs its version=")
        }
        var limit = Self.defaultLimit
        if let text = query["limit"] {
            guard let value = Int(text), value >= 1 else {
                throw ErrorResponse(code: .invalidMessage, message: "limit must be a whole number ≥ 1, got '\(text)'")
            }
            limit = min(value, Self.maximumLimit)
        }
        if let unknown = query.keys.sorted().first(where: { !["version", "after", "limit"].contains($0) }) {
            throw ErrorResponse(
                code: .invalidMessage, message: "snapshot takes version, after and limit, not '\(unknown)'")
        }
        self.init(version: version, after: after, limit: limit)
    }

    /// The query string, percent-encoding the order id.
    package var queryString: String {
        var parts: [String] = []
        if let version { parts.append("version=\(version)") }
        if let after {
            // Order ids are UUIDs in practice; anything else is percent-encoded.
            let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~".utf8)
            var encoded = ""
            for byte in after.utf8 {
                if allowed.contains(byte) {
                    encoded.unicodeScalars.append(Unicode.Scalar(byte))
                } else {
                    let hex = String(byte, radix: 16, uppercase: true)
                    encoded += "%" + (hex.count == 1 ? "0" : "") + hex
                }
            }
            parts.append("after=\(encoded)")
        }
        parts.append("limit=\(limit)")
        return parts.joined(separator: "&")
    }
}

/// The form of a snapshot page, chosen by the protocol version the request was sent at
/// (SYNC-PROTOCOL.md §4.9.1): JSON (`SnapshotPage`'s wire form) up to version 3, the compact
/// binary page from version 4.
package enum SnapshotPageForm: Sendable {
    case json, compact

    package init(requestVersion: Int64) {
        self = requestVersion >= ProtocolVersion.compactSnapshotPages ? .compact : .json
    }
}

/// One order of a snapshot: every row of it (tombstoned ones included) as central's merge state,
/// and its status moves. Merging it into a replica is merging every change it contains.
package struct SnapshotOrder: Hashable, Sendable, WireCodable {
    package var orderID: String
    package var rows: [RowState]
    package var moves: [StatusMove]

    package init(orderID: String, rows: [RowState], moves: [StatusMove]) {
        self.orderID = orderID
        self.rows = rows
        self.moves = moves
    }

    package init(wire value: JSONValue, path: String) throws(SyncDecodingError) {
        var reader = try JSONObjectReader(value, path: path)
        let orderID = try reader.identifier("order_id")
        let rows = try reader.list("rows", RowState.init(wire:path:))
        let moves = try reader.list("status_moves", StatusMove.init(wire:path:))
        try reader.finish()
        for (index, row) in rows.enumerated() where row.orderID != orderID {
            throw SyncDecodingError(
                path: "\(path).rows[\(index)].order_id", problem: .invalidValue(row.orderID, expected: orderID))
        }
        self.init(orderID: orderID, rows: rows, moves: moves)
    }

    package var wire: JSONValue {
        .object([
            "order_id": .string(orderID), "rows": .array(rows.map(\.snapshot)),
            "status_moves": .array(moves.map(\.snapshot)),
        ])
    }
}

/// A page of a snapshot. `version` is the version it is pinned at: every change up to it is in
/// the orders sent (later ones may be too: merging them again when pulled changes nothing).
/// After the last page (`has_more` false) the node pulls from `version`.
package struct SnapshotPage: Hashable, Sendable, WireCodable {
    package var version: Int64
    package var orders: [SnapshotOrder]
    /// The id of the last order sent, to ask for the next page with; nil for an empty page.
    package var nextAfter: String?
    package var hasMore: Bool
    package var headVersion: Int64
    /// How many orders the scope holds, on a snapshot's first page only (for progress).
    package var ordersTotal: Int64?

    package init(
        version: Int64, orders: [SnapshotOrder], nextAfter: String?, hasMore: Bool, headVersion: Int64,
        ordersTotal: Int64? = nil
    ) {
        self.version = version
        self.orders = orders
        self.nextAfter = nextAfter
        self.hasMore = hasMore
        self.headVersion = headVersion
        self.ordersTotal = ordersTotal
    }

    package init(wire value: JSONValue, path: String) throws(SyncDecodingError) {
        var reader = try JSONObjectReader(value, path: path)
        try ProtocolVersion.read(&reader)
        let version = try reader.integer("version", in: 0...Int64.max)
        let orders = try reader.list("orders", SnapshotOrder.init(wire:path:))
        let nextAfter = try reader.optionalString("next_after")
        let hasMore = try reader.bool("has_more")
        let head = try reader.integer("head_version", in: version...Int64.max)
        let total = try reader.optionalInteger("orders_total", in: 0...Int64.max)
        try reader.finish()
        self = try SnapshotPage(
            version: version, orders: orders, nextAfter: nextAfter, hasMore: hasMore, headVersion: head,
            ordersTotal: total
        ).checked(path: path)
    }

    /// The page if its orders are in increasing id order and `nextAfter` is the last one's id
    /// (checked on a page of either form; the compact form also checks that `headVersion` ≥
    /// `version`, which the JSON reader does while reading).
    package func checked(path: String = "snapshot page") throws(SyncDecodingError) -> SnapshotPage {
        for index in orders.indices.dropFirst() where orders[index - 1].orderID >= orders[index].orderID {
            throw SyncDecodingError(
                path: "\(path).orders[\(index)].order_id",
                problem: .invalidValue(orders[index].orderID, expected: "order ids in increasing order"))
        }
        if nextAfter != orders.last?.orderID {
            throw SyncDecodingError(
                path: "next_after", problem: .invalidValue(nextAfter ?? "null", expected: "the last order's id"))
        }
        if headVersion < version {
            throw SyncDecodingError(
                path: "head_version", problem: .invalidValue("\(headVersion)", expected: "at least \(version)"))
        }
        return self
    }

    package var wire: JSONValue {
        var object: [String: JSONValue] = [
            "protocol_version": .integer(ProtocolVersion.current), "version": .integer(version),
            "orders": .array(orders.map(\.wire)), "next_after": nextAfter.map(JSONValue.string) ?? .null,
            "has_more": .bool(hasMore), "head_version": .integer(headVersion),
        ]
        if let ordersTotal { object["orders_total"] = .integer(ordersTotal) }
        return .object(object)
    }
}

extension RowState: WireCodable {
    /// The form of `snapshot` (also `replica-snapshot.json`'s rows).
    package init(wire value: JSONValue, path: String) throws(SyncDecodingError) {
        var reader = try JSONObjectReader(value, path: path)
        let entity = try reader.enumeration("entity", as: EntityKind.self)
        let rowID = try reader.identifier("row_id")
        let orderID = try reader.identifier("order_id")
        let fieldsValue = try reader.value("fields")
        let appended = try reader.optionalObject("appended", StampedValue.init(wire:path:))
        let tombstone = try reader.optionalObject("tombstone", StampedValue.init(wire:path:))
        try reader.finish()
        guard case .object(let members) = fieldsValue else {
            throw SyncDecodingError(
                path: reader.childPath("fields"),
                problem: .wrongType(expected: "an object", found: fieldsValue.typeName))
        }
        self.init(entity: entity, rowID: rowID, orderID: orderID)
        fields.reserveCapacity(members.count)
        for (name, member) in members {
            fields[name] = try StampedValue(wire: member, path: "\(reader.childPath("fields")).\(name)")
        }
        self.appended = appended
        self.tombstone = tombstone
    }

    package var wire: JSONValue { snapshot }
}

extension StatusMove: WireCodable {
    /// The form of `snapshot`: `resume_status` is the resume status on the author's replica
    /// (`from_resume_status` of the move's change).
    package init(wire value: JSONValue, path: String) throws(SyncDecodingError) {
        var reader = try JSONObjectReader(value, path: path)
        let hlc = try reader.hlc("hlc")
        let nodeID = try reader.identifier("node_id")
        let sequence = try reader.integer("sequence", in: 1...Int64.max)
        let version = try reader.integer("version", in: 0...Int64.max)
        let from = try reader.enumeration("from_status", as: OrderStatus.self)
        let to = try reader.enumeration("status", as: OrderStatus.self)
        let fromResume = try reader.optionalString("resume_status")
        let note = try reader.optionalString("note")
        try reader.finish()
        var resume: OrderStatus?
        if let fromResume {
            guard let status = OrderStatus(rawValue: fromResume) else {
                throw SyncDecodingError(
                    path: reader.childPath("resume_status"), problem: .invalidValue(fromResume, expected: "a status"))
            }
            resume = status
        }
        self.init(
            stamp: HLCStamp(hlc: hlc, nodeID: nodeID), sequence: sequence, version: version, from: from, to: to,
            fromResume: resume, note: note)
    }

    package var wire: JSONValue { snapshot }
}

extension ReplicaModel {
    /// The reference snapshot page (what central's `snapshotPage` serves from its tables): the
    /// orders after `after` in id order, every row and status move of each.
    package func snapshotPage(
        after: String?, limit: Int, version: Int64, headVersion: Int64, ordersTotal: Int64? = nil
    ) -> SnapshotPage {
        var byOrder: [String: [RowState]] = [:]
        for row in rows.values { byOrder[row.orderID, default: []].append(row) }
        let ids = byOrder.keys.filter { after == nil || $0 > after! }.sorted()
        let orders = ids.prefix(limit).map { orderID in
            SnapshotOrder(
                orderID: orderID, rows: byOrder[orderID]!.sorted { $0.key < $1.key },
                moves: statusRegisters[orderID]?.moves ?? [])
        }
        return SnapshotPage(
            version: version, orders: Array(orders), nextAfter: orders.last?.orderID, hasMore: ids.count > limit,
            headVersion: headVersion, ordersTotal: ordersTotal)
    }
}
