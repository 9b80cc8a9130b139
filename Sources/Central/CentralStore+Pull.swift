import Foundation
import GRDB
import StorageSupport
import SyncCore

extension CentralStore {
    /// `GET /v1/pull`: the encoded `PullResponse` for the log after `request.after`, of the orders
    /// of `shop` only when given (a node's scope, CentralStore+Scopes.swift). The stored log
    /// entries are already canonical JSON, so the page is spliced from them without decoding;
    /// the bytes are exactly `PullResponse.encoded()` (checked by the tests).
    package func pullPage(_ request: PullRequest, shop: String? = nil) throws(ErrorResponse) -> (
        body: [UInt8], entries: Int
    ) {
        do {
            return try pool.read { db in
                let head = try Int64.fetchOne(db, sql: "SELECT head_version FROM central_state") ?? 0
                try Self.checkNotCompacted(db, after: request.after)
                if let shop { return try Self.shopPage(db, request, shop: shop, head: head) }
                var page = PageSplicer()
                let rows = try Row.fetchCursor(
                    db, sql: "SELECT version, change, displaced FROM log WHERE version > ? ORDER BY version LIMIT ?",
                    arguments: [request.after, request.limit + 1])
                try page.append(rows, limit: request.limit)
                return (
                    page.finish(nextCursor: page.last ?? request.after, hasMore: page.sawMore, head: head), page.count
                )
            }
        } catch {
            throw ErrorResponse.wrapping(error)
        }
    }

    /// `GET /v1/pull` decoded, for in-process callers and tests.
    package func pull(_ request: PullRequest) throws(ErrorResponse) -> PullResponse {
        let page = try pullPage(request)
        do {
            return try PullResponse.decode(page.body)
        } catch {
            throw ErrorResponse(code: .internalError, message: "central's log does not decode: \(error)")
        }
    }

    /// Central's replica in `ReplicaModel.snapshot`'s canonical form: equal replicas give equal
    /// bytes, so convergence checks can compare central with a node's reference model.
    package func replicaSnapshot() throws(CentralError) -> JSONValue {
        do {
            return try pool.read { db in
                var rows: [JSONValue] = []
                for row in try Row.fetchAll(
                    db,
                    sql:
                        "SELECT entity, row_id, order_id, fields, appended, tombstone FROM rows ORDER BY entity, row_id"
                ) {
                    rows.append(try RowCodec.decode(row).snapshot)
                }
                var movesByOrder: [String: [StatusMove]] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT \(StatusMoveRows.columns) FROM status_moves") {
                    movesByOrder[row["order_id"], default: []].append(
                        try StatusMoveRows.decode(row, table: "status_moves"))
                }
                let registers = movesByOrder.keys.sorted().map { orderID in
                    let register = StatusRegister(moves: movesByOrder[orderID]!)
                    return JSONValue.object([
                        "order_id": .string(orderID),
                        "status": .string(register.status.rawValue),
                        "resume_status": register.resolution.resumeStatus.map { .string($0.rawValue) } ?? .null,
                        "moves": .array(register.moves.map(\.snapshot)),
                    ])
                }
                return .object(["rows": .array(rows), "status_registers": .array(registers)])
            }
        } catch {
            throw CentralError.wrap(error)
        }
    }

    /// Derived fields of one row (item `total_price`, order `subtotal_amount`/`total_amount`),
    /// computed from its order's rows with OrderDomain's totals, as a node computes them. Nothing
    /// at central reads them on the push path (effects use `OrderFacts`), so they are not stored.
    package func derivedFields(_ key: RowKey) throws(CentralError) -> [String: JSONValue]? {
        do {
            return try pool.read { db -> [String: JSONValue]? in
                guard
                    let orderID = try String.fetchOne(
                        db, sql: "SELECT order_id FROM rows WHERE entity = ? AND row_id = ?",
                        arguments: [key.entity.rawValue, key.rowID])
                else { return nil }
                let rows = try Row.fetchAll(
                    db,
                    sql: "SELECT entity, row_id, order_id, fields, appended, tombstone FROM rows WHERE order_id = ?",
                    arguments: [orderID]
                ).map(RowCodec.decode).filter { !$0.isDeleted }
                let order = rows.first { $0.entity == .order }
                let items = rows.filter { $0.entity == .orderItem }.sorted { $0.key < $1.key }
                return OrderTotalsRule.rule(order, items)[key]?.mapValues(\.wire)
            }
        } catch {
            throw CentralError.wrap(error)
        }
    }
}

/// A `PullResponse` body spliced from stored log rows (version, change, displaced), which are
/// canonical JSON already; the keys are written in canonical (sorted) order.
struct PageSplicer {
    private(set) var body: [UInt8] = Array(#"{"entries":["#.utf8)
    private(set) var count = 0
    /// The version of the last entry appended.
    private(set) var last: Int64?
    /// Whether rows beyond the page's limit exist.
    private(set) var sawMore = false

    init() { body.reserveCapacity(4096) }

    /// Appends rows up to `limit` entries; one row more means more follow.
    mutating func append(_ rows: RowCursor, limit: Int) throws {
        while let row = try rows.next() {
            if count == limit {
                sawMore = true
                return
            }
            let version: Int64 = row[0]
            if count > 0 { body.append(UInt8(ascii: ",")) }
            body += Array(#"{"change":"#.utf8)
            let change: String = row[1]
            body.append(contentsOf: change.utf8)
            body += Array(#","displaced":"#.utf8)
            let displaced: String = row[2]
            body.append(contentsOf: displaced.utf8)
            body += Array(#","version":\#(version)}"#.utf8)
            count += 1
            last = version
        }
    }

    func finish(nextCursor: Int64, hasMore: Bool, head: Int64) -> [UInt8] {
        body
            + Array(
                #"],"has_more":\#(hasMore),"head_version":\#(head),"next_cursor":\#(nextCursor),"#.utf8)
            + Array(#""protocol_version":\#(ProtocolVersion.current)}"#.utf8)
    }
}
