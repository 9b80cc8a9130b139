import Foundation
import OrderDomain
import SQLAccess
import SyncCore

/// The compact form of a snapshot page (protocol version 4, SYNC-PROTOCOL.md §4.9.1). A JSON page
/// spells every field of every row with its own stamp object (~4.6 KB an order), and decoding it
/// was over half of a bootstrapping node's CPU. The compact page carries each row's merge state
/// as the `RowStateCodec` bytes central stores in `rows`, copied as stored: central writes no
/// field, the node reads them with the codec it reads its own `confirmed_rows` with.
///
/// `page` = `"KCTS"` `[protocol version]` `[version]` `[head_version]` `[orders_total + 1, 0 when
/// absent]` `[has_more: 0 | 1]` `[order count]` order*; order = `[order_id]` `[row count]` row*
/// `[move count]` move*; row = `[entity]` `[row_id]` `[fields]` `[appended?]` `[tombstone?]`,
/// each of the last three `RowStateCodec` bytes (`[length]` bytes; an absent one is length 0:
/// a stored value is never empty); move = node `[hlc u64 LE]` `[sequence zz]` `[version zz]`
/// `[from_status]` `[status]` `[resume_status?]` `[note?]`, an optional string as `[0]` or `[1]`
/// string. Numbers are `RowStateCodec`'s varints, strings a varint length and UTF-8. `next_after`
/// is the last order's id, so it is not sent.
package enum SnapshotPageCodec {
    package static let contentType = "application/vnd.kct.snapshot-page"
    static let magic = Array("KCTS".utf8)

    /// One stored row of central's `rows`, its merge state as stored.
    package struct StoredRow: Sendable {
        package var entity: EntityKind
        package var rowID: String
        package var fields: Data
        package var appended: Data?
        package var tombstone: Data?

        /// From a row holding `RowCodec`'s columns; a row still in the layout before
        /// 2026-12-08 is re-encoded, so a page carries only the compact layout.
        package init(_ row: some ColumnReading, table: String) throws(CorruptStoredValue) {
            entity = try row.read("entity", table: table, as: EntityKind.self)
            rowID = try row.read("row_id", table: table)
            fields = try row.read("fields", table: table, as: Data.self)
            appended = try row.read("appended", table: table, as: Data?.self)
            tombstone = try row.read("tombstone", table: table, as: Data?.self)
            if RowStateCodec.isLegacy(fields) || appended.map(RowStateCodec.isLegacy) == true
                || tombstone.map(RowStateCodec.isLegacy) == true
            {
                let columns = RowStateCodec.columns(
                    of: try RowStateCodec.decode(row, key: RowKey(entity, rowID), table: table))
                (fields, appended, tombstone) = (columns.fields, columns.appended, columns.tombstone)
            }
        }

        package init(_ state: RowState) {
            entity = state.entity
            rowID = state.rowID
            (fields, appended, tombstone) = RowStateCodec.columns(of: state)
        }
    }

    /// Appends orders one at a time (central holds one order's rows at a time), then frames them.
    package struct Encoder {
        private var body = CompactWriter()
        package private(set) var orderCount = 0

        package init() {}

        package mutating func append(orderID: String, rows: [StoredRow], moves: [StatusMove]) {
            orderCount += 1
            body.string(orderID)
            body.varint(UInt64(rows.count))
            for row in rows {
                body.string(row.entity.rawValue)
                body.string(row.rowID)
                body.data(row.fields)
                body.data(row.appended ?? Data())
                body.data(row.tombstone ?? Data())
            }
            body.varint(UInt64(moves.count))
            for move in moves {
                body.node(move.stamp.nodeID)
                body.fixed(move.stamp.hlc.packed)
                body.signed(move.sequence)
                body.signed(move.version)
                body.string(move.from.rawValue)
                body.string(move.to.rawValue)
                body.optionalString(move.fromResume?.rawValue)
                body.optionalString(move.note)
            }
        }

        package func encoded(version: Int64, hasMore: Bool, headVersion: Int64, ordersTotal: Int64?) -> [UInt8] {
            var page = CompactWriter()
            page.bytes.reserveCapacity(body.bytes.count + 48)
            page.bytes += SnapshotPageCodec.magic
            page.varint(UInt64(SnapshotPageCodec.protocolVersion))
            page.varint(UInt64(version))
            page.varint(UInt64(headVersion))
            page.varint(ordersTotal.map { UInt64($0) + 1 } ?? 0)
            page.bytes.append(hasMore ? 1 : 0)
            page.varint(UInt64(orderCount))
            page.bytes += body.bytes
            return page.bytes
        }
    }

    static var protocolVersion: Int64 { ProtocolVersion.compactSnapshotPages }

    /// `page`'s compact form (what central sends, from `StoredRow`s of the same states).
    package static func encode(_ page: SnapshotPage) -> [UInt8] {
        var encoder = Encoder()
        for order in page.orders {
            encoder.append(orderID: order.orderID, rows: order.rows.map(StoredRow.init), moves: order.moves)
        }
        return encoder.encoded(
            version: page.version, hasMore: page.hasMore, headVersion: page.headVersion, ordersTotal: page.ordersTotal)
    }

    /// Decodes and checks a compact page as `SnapshotPage(wire:)` checks a JSON one.
    package static func decode(_ bytes: [UInt8]) throws(SyncDecodingError) -> SnapshotPage {
        let decoded: Result<SnapshotPage, SyncDecodingError> = bytes.withUnsafeBytes { buffer in
            var reader = CompactReader(buffer: buffer, offset: 0)
            var path = "snapshot page"
            do {
                guard buffer.count >= magic.count, Array(buffer.prefix(magic.count)) == magic else {
                    return .failure(SyncDecodingError(path: path, problem: .invalidValue("?", expected: "KCTS")))
                }
                reader.offset = magic.count
                let peerVersion = Int64(truncatingIfNeeded: try reader.varint())
                do throws(VersionMismatch) {
                    try ProtocolVersion.check(peerVersion, accepting: ProtocolVersion.snapshotVersions)
                } catch {
                    return .failure(SyncDecodingError(path: "protocol_version", problem: .unsupportedVersion(error)))
                }
                let version = try reader.integer()
                let head = try reader.integer()
                let total = try reader.varint()
                let hasMore = try reader.byte()
                guard hasMore <= 1 else { throw RowStateCodec.Truncated() }
                let orderCount = try reader.count()
                var orders: [SnapshotOrder] = []
                orders.reserveCapacity(orderCount)
                for index in 0..<orderCount {
                    path = "orders[\(index)]"
                    orders.append(try order(&reader))
                }
                path = "snapshot page"
                guard reader.offset == buffer.count else { throw RowStateCodec.Truncated() }
                return .success(
                    try SnapshotPage(
                        version: version, orders: orders, nextAfter: orders.last?.orderID, hasMore: hasMore == 1,
                        headVersion: head, ordersTotal: total == 0 ? nil : Int64(truncatingIfNeeded: total - 1)
                    ).checked())
            } catch let error as SyncDecodingError {
                return .failure(error)
            } catch {
                return .failure(
                    SyncDecodingError(
                        path: path, problem: .invalidValue("byte \(reader.offset)", expected: "a compact snapshot page")
                    ))
            }
        }
        return try decoded.get()
    }

    private static func order(_ reader: inout CompactReader) throws -> SnapshotOrder {
        let orderID = try reader.identifier()
        let rowCount = try reader.count()
        var rows: [RowState] = []
        rows.reserveCapacity(rowCount)
        for _ in 0..<rowCount {
            guard let entity = EntityKind(rawValue: try reader.string()) else { throw RowStateCodec.Truncated() }
            var row = RowState(entity: entity, rowID: try reader.identifier(), orderID: orderID)
            row.fields = try RowStateCodec.decodeFields(try reader.slice())
            let appended = try reader.slice()
            if !appended.isEmpty { row.appended = try RowStateCodec.decodeStamp(appended) }
            let tombstone = try reader.slice()
            if !tombstone.isEmpty { row.tombstone = try RowStateCodec.decodeStamp(tombstone) }
            rows.append(row)
        }
        let moveCount = try reader.count()
        var moves: [StatusMove] = []
        moves.reserveCapacity(moveCount)
        for _ in 0..<moveCount {
            let node = try reader.node()
            let hlc = HLC(packed: try reader.fixed())
            let sequence = try reader.signed()
            let version = try reader.signed()
            guard let from = OrderStatus(rawValue: try reader.string()),
                let to = OrderStatus(rawValue: try reader.string())
            else { throw RowStateCodec.Truncated() }
            var resume: OrderStatus?
            if let text = try reader.optionalString() {
                guard let status = OrderStatus(rawValue: text) else { throw RowStateCodec.Truncated() }
                resume = status
            }
            moves.append(
                StatusMove(
                    stamp: HLCStamp(hlc: hlc, nodeID: node), sequence: sequence, version: version, from: from, to: to,
                    fromResume: resume, note: try reader.optionalString()))
        }
        return SnapshotOrder(orderID: orderID, rows: rows, moves: moves)
    }
}

extension CompactWriter {
    /// A length and the bytes (a stored `RowStateCodec` value).
    mutating func data(_ data: Data) {
        varint(UInt64(data.count))
        bytes.append(contentsOf: data)
    }

    mutating func optionalString(_ text: String?) {
        guard let text else { return bytes.append(0) }
        bytes.append(1)
        string(text)
    }
}

extension CompactReader {
    /// The bytes `CompactWriter.data` wrote, in place.
    mutating func slice() throws -> UnsafeRawBufferPointer {
        let length = try count()
        guard offset + length <= buffer.count else { throw RowStateCodec.Truncated() }
        defer { offset += length }
        return UnsafeRawBufferPointer(rebasing: buffer[offset..<offset + length])
    }

    mutating func optionalString() throws -> String? {
        switch try byte() {
        case 0: return nil
        case 1: return try string()
        default: throw RowStateCodec.Truncated()
        }
    }

    /// A non-negative number (a version or count) that fits in an Int64.
    mutating func integer() throws -> Int64 {
        let number = try varint()
        guard number <= UInt64(Int64.max) else { throw RowStateCodec.Truncated() }
        return Int64(number)
    }

    /// An id as the JSON decoder accepts it: 1 to `Change.maximumIdentifierLength` bytes.
    mutating func identifier() throws -> String {
        let text = try string()
        guard !text.isEmpty, text.utf8.count <= Change.maximumIdentifierLength else {
            throw RowStateCodec.Truncated()
        }
        return text
    }
}
