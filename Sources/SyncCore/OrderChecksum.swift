import Crypto
import OrderDomain

/// One order as a node shows it: per typed table (`VisibleTable`) its shown rows with every
/// column the checksums cover (synced values, creating stamps, status and derived amounts), plus
/// its integration requests (which have no typed table: their stored fields). A node builds it
/// from its typed tables, or from its confirmed rows; central from its `rows`; all three must
/// give the same value for the same order (SYNC-PROTOCOL.md §4.11).
package struct VisibleOrder: Hashable, Sendable {
    package var orderID: String
    /// Table name → row id → column → value.
    package var tables: [String: [String: [String: FieldValue]]]

    package init(orderID: String, tables: [String: [String: [String: FieldValue]]]) {
        self.orderID = orderID
        self.tables = tables
    }

    /// Pseudo-table of the integration requests (no typed table on a node).
    package static let requestsTable = EntityKind.integrationRequest.rawValue

    /// The columns the checksum covers, in encoding order.
    package static func columns(of table: VisibleTable) -> [String] {
        var columns = table.synced.map(\.name)
        if table.carriesStamp { columns += ["hlc", "node_id"] }
        switch table.entity {
        case .order: columns += ["status", "resume_status", "subtotal_amount", "total_amount"]
        case .orderItem: columns += ["total_price"]
        default: break
        }
        return columns
    }

    /// Stored fields of an integration request, sorted.
    package static let requestColumns = FieldCatalog.integrationRequests.map(\.name)
        .filter { FieldCatalog.isStored(.integrationRequest, $0) }.sorted()

    /// The projection of one order's merged rows and status register, by the rules a node's
    /// typed tables are written with (`OrderStore.project`); nil when the order is not shown (no
    /// live order row with its required fields and a known currency).
    package init?(orderID: String, rows: [RowKey: RowState], register: StatusRegister) {
        guard let order = rows[RowKey(.order, orderID)], !order.isDeleted,
            var orderValues = VisibleTable.orders.values(of: order),
            case .text(let code)? = order.fields["currency"]?.value, (try? Currency(code: code)) != nil
        else { return nil }
        let resolution = register.resolution
        orderValues["status"] = .text(resolution.status.rawValue)
        orderValues["resume_status"] = resolution.resumeStatus.map { .text($0.rawValue) } ?? .null
        var tables: [String: [String: [String: FieldValue]]] = [:]
        var items: [RowState] = []
        for (key, row) in rows where !row.isDeleted && key != order.key {
            if key.entity == .integrationRequest {
                var values: [String: FieldValue] = [:]
                for name in Self.requestColumns { values[name] = row.fields[name]?.value ?? .null }
                tables[Self.requestsTable, default: [:]][key.rowID] = values
                continue
            }
            guard let table = VisibleTable.table(for: key.entity), let values = table.values(of: row) else { continue }
            if key.entity == .orderItem { items.append(row) }
            tables[table.name, default: [:]][key.rowID] = values
        }
        let derived = OrderTotalsRule.derive(order: order, items: items)
        for item in items {
            tables[VisibleTable.items.name]?[item.rowID]?["total_price"] = derived[item.key]?["total_price"] ?? .null
        }
        for name in ["subtotal_amount", "total_amount"] { orderValues[name] = derived[order.key]?[name] ?? .null }
        tables[VisibleTable.orders.name] = [orderID: orderValues]
        self.init(orderID: orderID, tables: tables)
    }

    /// The canonical bytes the checksum hashes: the order id, then per table (the typed tables
    /// in `VisibleTable.all` order, then the requests) its name, its row count and its rows by
    /// id, each row's id and then its columns' values in `columns(of:)` order (a column a row
    /// lacks counts as null). Values: `00` null; `01` + 8-byte big-endian integer (booleans are
    /// 0 and 1, and a real with an integral value is that integer, as SQLite stores them); `02` +
    /// the 8-byte big-endian IEEE 754 pattern of any other real; `03` + 4-byte big-endian length
    /// + UTF-8 text. Strings (ids, names) are written as text values.
    package var canonicalBytes: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1024)
        Self.append(.text(orderID), to: &bytes)
        let layout =
            VisibleTable.all.map { (name: $0.name, columns: Self.columns(of: $0)) }
            + [(name: Self.requestsTable, columns: Self.requestColumns)]
        for (name, columns) in layout {
            let rows = tables[name] ?? [:]
            Self.append(.text(name), to: &bytes)
            Self.append(.integer(Int64(rows.count)), to: &bytes)
            for id in rows.keys.sorted() {
                Self.append(.text(id), to: &bytes)
                let values = rows[id]!
                for column in columns { Self.append(values[column] ?? .null, to: &bytes) }
            }
        }
        return bytes
    }

    /// SHA-256 of `canonicalBytes`.
    package var digest: OrderDigest { OrderDigest(SHA256.hash(data: canonicalBytes)) }

    static func append(_ value: FieldValue, to bytes: inout [UInt8]) {
        func integer(_ number: Int64) {
            bytes.append(1)
            withUnsafeBytes(of: number.bigEndian) { bytes.append(contentsOf: $0) }
        }
        switch value {
        case .null: bytes.append(0)
        case .bool(let flag): integer(flag ? 1 : 0)
        case .integer(let number): integer(number)
        case .real(let number):
            if let exact = Int64(exactly: number) {
                integer(exact)
            } else {
                bytes.append(2)
                withUnsafeBytes(of: number.bitPattern.bigEndian) { bytes.append(contentsOf: $0) }
            }
        case .text(let text):
            bytes.append(3)
            let utf8 = Array(text.utf8)
            withUnsafeBytes(of: UInt32(truncatingIfNeeded: utf8.count).bigEndian) { bytes.append(contentsOf: $0) }
            bytes.append(contentsOf: utf8)
        }
    }
}

/// The SHA-256 of one order's canonical bytes, as four big-endian 64-bit lanes.
package struct OrderDigest: Hashable, Sendable {
    package var lanes: (UInt64, UInt64, UInt64, UInt64)

    init(_ digest: SHA256.Digest) {
        var words: [UInt64] = []
        digest.withUnsafeBytes { raw in
            for lane in 0..<4 {
                var word: UInt64 = 0
                for byte in raw[(lane * 8)..<(lane * 8 + 8)] { word = word << 8 | UInt64(byte) }
                words.append(word)
            }
        }
        lanes = (words[0], words[1], words[2], words[3])
    }

    package init(lanes: (UInt64, UInt64, UInt64, UInt64)) { self.lanes = lanes }

    package static func == (lhs: OrderDigest, rhs: OrderDigest) -> Bool { lhs.lanes == rhs.lanes }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(lanes.0)
        hasher.combine(lanes.1)
        hasher.combine(lanes.2)
        hasher.combine(lanes.3)
    }

    package var hex: String { BucketChecksum.hex([lanes.0, lanes.1, lanes.2, lanes.3]) }
}

/// The checksum of one bucket of orders: how many orders it holds and the lane-wise sum (mod
/// 2^64 per lane) of their `OrderDigest`s. A sum does not depend on the order the orders are
/// read in, and an order's contribution can be taken out again, so a store could keep it up to
/// date per change instead of recomputing it.
package struct BucketChecksum: Hashable, Sendable {
    /// Buckets per scope: about 1,000 orders per bucket at a million orders, so a repair moves
    /// one bucket's rows (a few MB), not the scope.
    package static let bucketCount = 1024
    package static let allBuckets = 0...(bucketCount - 1)

    /// Parses `first` and `last` of `GET /v1/checksums?first=A&last=B` (both optional, inclusive).
    package static func range(query: [String: String]) throws(ErrorResponse) -> ClosedRange<Int> {
        func bucket(_ name: String, _ fallback: Int) throws(ErrorResponse) -> Int {
            guard let text = query[name] else { return fallback }
            guard let value = Int(text), allBuckets.contains(value), String(value) == text else {
                throw ErrorResponse(
                    code: .invalidMessage,
                    message: "\(name) must be a bucket from 0 to \(bucketCount - 1), got '\(text)'")
            }
            return value
        }
        if let unknown = query.keys.sorted().first(where: { $0 != "first" && $0 != "last" }) {
            throw ErrorResponse(code: .invalidMessage, message: "checksums take first and last, not '\(unknown)'")
        }
        let first = try bucket("first", 0)
        let last = try bucket("last", bucketCount - 1)
        guard first <= last else {
            throw ErrorResponse(code: .invalidMessage, message: "first (\(first)) must not be after last (\(last))")
        }
        return first...last
    }

    /// `?first=A&last=B`, empty for every bucket.
    package static func query(_ buckets: ClosedRange<Int>) -> String {
        buckets == allBuckets ? "" : "?first=\(buckets.lowerBound)&last=\(buckets.upperBound)"
    }

    package var orders: Int64 = 0
    package var sum: [UInt64] = [0, 0, 0, 0]

    package init() {}

    package init(orders: Int64, sum: [UInt64]) {
        self.orders = orders
        self.sum = sum
    }

    package var isEmpty: Bool { orders == 0 && sum == [0, 0, 0, 0] }

    package mutating func add(_ digest: OrderDigest) {
        orders += 1
        sum[0] &+= digest.lanes.0
        sum[1] &+= digest.lanes.1
        sum[2] &+= digest.lanes.2
        sum[3] &+= digest.lanes.3
    }

    /// The sum as 64 lower-case hex digits (the wire form).
    package var hex: String { Self.hex(sum) }

    /// The bucket of an order: the first two bytes of the SHA-256 of its id's UTF-8, big-endian,
    /// modulo `bucketCount`. Stable across versions and platforms: node and central must agree.
    package static func bucket(ofOrder orderID: String) -> Int {
        let digest = SHA256.hash(data: Array(orderID.utf8))
        return digest.withUnsafeBytes { raw in (Int(raw[0]) << 8 | Int(raw[1])) % bucketCount }
    }

    static func hex(_ words: [UInt64]) -> String {
        words.map { word in
            let digits = String(word, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }.joined()
    }

    /// Reads the wire form back; nil unless 64 hex digits.
    package static func sum(hex text: String) -> [UInt64]? {
        guard text.utf8.count == 64, text.utf8.allSatisfy({ $0 < 128 }) else { return nil }
        var words: [UInt64] = []
        var index = text.startIndex
        for _ in 0..<4 {
            let end = text.index(index, offsetBy: 16)
            guard let word = UInt64(text[index..<end], radix: 16), !text[index..<end].hasPrefix("+") else {
                return nil
            }
            words.append(word)
            index = end
        }
        return words
    }
}

/// Bucket checksums of a scope, computed one order at a time (bounded memory).
package struct ScopeChecksums: Hashable, Sendable {
    package var buckets: [Int: BucketChecksum] = [:]

    package init() {}

    package mutating func add(orderID: String, digest: OrderDigest) {
        buckets[BucketChecksum.bucket(ofOrder: orderID), default: BucketChecksum()].add(digest)
    }

    package func checksum(ofBucket bucket: Int) -> BucketChecksum { buckets[bucket] ?? BucketChecksum() }
}
