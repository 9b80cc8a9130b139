import OrderDomain

/// `GET /v1/checksums` (SYNC-PROTOCOL.md §4.11): the bucket checksums of the token's scope, all
/// computed at one log `version`. Only non-empty buckets are listed; a bucket left out holds no
/// order of the scope.
package struct ChecksumsResponse: Hashable, Sendable, WireCodable {
    package var version: Int64
    package var buckets: [Int: BucketChecksum]

    package init(version: Int64, buckets: [Int: BucketChecksum]) {
        self.version = version
        self.buckets = buckets.filter { !$0.value.isEmpty }
    }

    package init(wire value: JSONValue, path: String) throws(SyncDecodingError) {
        var reader = try JSONObjectReader(value, path: path)
        try ProtocolVersion.read(&reader)
        let version = try reader.integer("version", in: 0...Int64.max)
        let count = try reader.integer("bucket_count", in: 1...Int64(Int32.max))
        guard count == BucketChecksum.bucketCount else {
            throw SyncDecodingError(
                path: reader.childPath("bucket_count"),
                problem: .invalidValue(String(count), expected: String(BucketChecksum.bucketCount)))
        }
        let entries = try reader.list("buckets") { value, path throws(SyncDecodingError) in
            var entry = try JSONObjectReader(value, path: path)
            let bucket = Int(try entry.integer("bucket", in: 0...Int64(BucketChecksum.bucketCount - 1)))
            let orders = try entry.integer("orders", in: 1...Int64.max)
            let text = try entry.string("checksum")
            guard let sum = BucketChecksum.sum(hex: text) else {
                throw SyncDecodingError(
                    path: entry.childPath("checksum"), problem: .invalidValue("'\(text)'", expected: "64 hex digits"))
            }
            try entry.finish()
            return (bucket, BucketChecksum(orders: orders, sum: sum))
        }
        try reader.finish()
        var buckets: [Int: BucketChecksum] = [:]
        for (index, (bucket, checksum)) in entries.enumerated() {
            guard buckets.updateValue(checksum, forKey: bucket) == nil else {
                throw SyncDecodingError(
                    path: "buckets[\(index)].bucket", problem: .invalidValue(String(bucket), expected: "no repeats"))
            }
        }
        self.init(version: version, buckets: buckets)
    }

    package var wire: JSONValue {
        .object([
            "protocol_version": .integer(ProtocolVersion.current), "version": .integer(version),
            "bucket_count": .integer(Int64(BucketChecksum.bucketCount)),
            "buckets": .array(
                buckets.keys.sorted().map { bucket in
                    let checksum = buckets[bucket]!
                    return .object([
                        "bucket": .integer(Int64(bucket)), "orders": .integer(checksum.orders),
                        "checksum": .string(checksum.hex),
                    ])
                }),
        ])
    }

    package func checksum(ofBucket bucket: Int) -> BucketChecksum { buckets[bucket] ?? BucketChecksum() }
}

/// One order's confirmed merge state as central holds it: every row (with its stamps and
/// tombstone) and every status move. A node that repairs a bucket replaces its confirmed state
/// of the bucket's orders with these.
package struct OrderState: Hashable, Sendable, WireCodable {
    package var orderID: String
    package var rows: [RowState]
    package var moves: [StatusMove]

    package init(orderID: String, rows: [RowState], moves: [StatusMove]) {
        self.orderID = orderID
        self.rows = rows.sorted { $0.key < $1.key }
        self.moves = moves.sorted { $0.key < $1.key }
    }

    package var register: StatusRegister { StatusRegister(moves: moves) }
    package var rowsByKey: [RowKey: RowState] { Dictionary(rows.map { ($0.key, $0) }) { first, _ in first } }
    package var visible: VisibleOrder? { VisibleOrder(orderID: orderID, rows: rowsByKey, register: register) }

    package init(wire value: JSONValue, path: String) throws(SyncDecodingError) {
        var reader = try JSONObjectReader(value, path: path)
        let orderID = try reader.identifier("order_id")
        let rows = try reader.list("rows", RowState.init(snapshot:path:))
        let moves = try reader.list("moves", StatusMove.init(snapshot:path:))
        try reader.finish()
        var keys: Set<RowKey> = []
        for (index, row) in rows.enumerated() {
            guard row.orderID == orderID else {
                throw SyncDecodingError(
                    path: "\(reader.childPath("rows"))[\(index)].order_id",
                    problem: .invalidValue("'\(row.orderID)'", expected: "'\(orderID)'"))
            }
            guard keys.insert(row.key).inserted else {
                throw SyncDecodingError(
                    path: "\(reader.childPath("rows"))[\(index)].row_id",
                    problem: .invalidValue("'\(row.rowID)'", expected: "each row once"))
            }
        }
        self.init(orderID: orderID, rows: rows, moves: moves)
    }

    package var wire: JSONValue {
        .object([
            "order_id": .string(orderID), "rows": .array(rows.map(\.snapshot)), "moves": .array(moves.map(\.snapshot)),
        ])
    }
}

/// `GET /v1/buckets/N`: the confirmed state of every order of the token's scope in bucket N, at
/// log `version`.
package struct BucketResponse: Hashable, Sendable, WireCodable {
    package var version: Int64
    package var bucket: Int
    package var orders: [OrderState]

    package init(version: Int64, bucket: Int, orders: [OrderState]) {
        self.version = version
        self.bucket = bucket
        self.orders = orders.sorted { $0.orderID < $1.orderID }
    }

    package init(wire value: JSONValue, path: String) throws(SyncDecodingError) {
        var reader = try JSONObjectReader(value, path: path)
        try ProtocolVersion.read(&reader)
        let version = try reader.integer("version", in: 0...Int64.max)
        let bucket = Int(try reader.integer("bucket", in: 0...Int64(BucketChecksum.bucketCount - 1)))
        let orders = try reader.list("orders", OrderState.init(wire:path:))
        try reader.finish()
        var seen: Set<String> = []
        for (index, order) in orders.enumerated() {
            guard BucketChecksum.bucket(ofOrder: order.orderID) == bucket else {
                throw SyncDecodingError(
                    path: "orders[\(index)].order_id",
                    problem: .invalidValue("'\(order.orderID)'", expected: "an order of bucket \(bucket)"))
            }
            guard seen.insert(order.orderID).inserted else {
                throw SyncDecodingError(
                    path: "orders[\(index)].order_id",
                    problem: .invalidValue("'\(order.orderID)'", expected: "each order once"))
            }
        }
        self.init(version: version, bucket: bucket, orders: orders)
    }

    package var wire: JSONValue {
        .object([
            "protocol_version": .integer(ProtocolVersion.current), "version": .integer(version),
            "bucket": .integer(Int64(bucket)), "orders": .array(orders.map(\.wire)),
        ])
    }

    /// The bucket's checksum as central computed it from these orders.
    package var checksum: BucketChecksum {
        var checksum = BucketChecksum()
        for order in orders { if let visible = order.visible { checksum.add(visible.digest) } }
        return checksum
    }

    /// Parses the `N` of `/v1/buckets/N`.
    package static func bucket(path text: String) throws(ErrorResponse) -> Int {
        guard let bucket = Int(text), (0..<BucketChecksum.bucketCount).contains(bucket), String(bucket) == text else {
            throw ErrorResponse(
                code: .invalidMessage,
                message: "a bucket is a whole number from 0 to \(BucketChecksum.bucketCount - 1), got '\(text)'")
        }
        return bucket
    }
}

extension RowState {
    /// Reads `snapshot` back (the form `OrderState` carries rows in).
    package init(snapshot value: JSONValue, path: String) throws(SyncDecodingError) {
        var reader = try JSONObjectReader(value, path: path)
        let entity = try reader.enumeration("entity", as: EntityKind.self)
        let rowID = try reader.identifier("row_id")
        let orderID = try reader.identifier("order_id")
        let fieldsPath = reader.childPath("fields")
        guard case .object(let members) = try reader.value("fields") else {
            throw SyncDecodingError(path: fieldsPath, problem: .wrongType(expected: "object", found: "other"))
        }
        var fields: [String: StampedValue] = [:]
        for (name, member) in members {
            fields[name] = try StampedValue(wire: member, path: "\(fieldsPath).\(name)")
        }
        let appended = try reader.optionalObject("appended", StampedValue.init(wire:path:))
        let tombstone = try reader.optionalObject("tombstone", StampedValue.init(wire:path:))
        try reader.finish()
        self.init(entity: entity, rowID: rowID, orderID: orderID)
        self.fields = fields
        self.appended = appended
        self.tombstone = tombstone
    }
}

extension StatusMove {
    /// Reads `snapshot` back.
    package init(snapshot value: JSONValue, path: String) throws(SyncDecodingError) {
        var reader = try JSONObjectReader(value, path: path)
        let hlc = try reader.hlc("hlc")
        let nodeID = try reader.identifier("node_id")
        let sequence = try reader.integer("sequence", in: 1...Int64.max)
        let version = try reader.integer("version", in: 0...Int64.max)
        let from = try reader.enumeration("from_status", as: OrderStatus.self)
        let to = try reader.enumeration("status", as: OrderStatus.self)
        let fromResume = try reader.optionalObject("resume_status") { value, path throws(SyncDecodingError) in
            try JSONRead.enumeration(value, path: path, as: OrderStatus.self)
        }
        let note = try reader.optionalString("note")
        try reader.finish()
        self.init(
            stamp: HLCStamp(hlc: hlc, nodeID: nodeID), sequence: sequence, version: version, from: from, to: to,
            fromResume: fromResume, note: note)
    }
}
