import Foundation
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
            return try database.read { conn in
                let head = try Self.headVersion(conn)
                try Self.checkNotCompacted(conn, after: request.after)
                if let shop { return try Self.shopPage(conn, request, shop: shop, head: head) }
                var page = try PageSplicer()
                try page.append(
                    conn, "SELECT version, change, displaced FROM log WHERE version > ? ORDER BY version LIMIT ?",
                    [.integer(request.after), .integer(Int64(request.limit) + 1)], limit: request.limit)
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
            return try database.read { conn in
                var rows: [JSONValue] = []
                try conn.forEachRow("SELECT \(RowCodec.columns) FROM rows ORDER BY entity, row_id", []) { row in
                    rows.append(try RowCodec.decode(row).snapshot)
                    return true
                }
                var movesByOrder: [String: [StatusMove]] = [:]
                try conn.forEachRow("SELECT \(StatusMoveRows.columns) FROM status_moves", []) { row in
                    movesByOrder[try row.read("order_id", table: "status_moves"), default: []].append(
                        try StatusMoveRows.decode(row, table: "status_moves"))
                    return true
                }
                let registers = movesByOrder.keys.sorted().map { orderID in
                    let register = StatusRegister(moves: movesByOrder[orderID] ?? [])
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
            return try database.read { conn -> [String: JSONValue]? in
                guard let orderID = try RowCodec.orderID(of: key, conn) else { return nil }
                let rows = try conn.fetchAll(RowCodec.selectByOrderSQL, [.text(orderID)]).map(RowCodec.decode)
                    .filter { !$0.isDeleted }
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
/// canonical JSON already (the change packed, `LogChangeCodec`); the keys are written in
/// canonical (sorted) order.
struct PageSplicer {
    private(set) var body: [UInt8] = Array(#"{"entries":["#.utf8)
    private(set) var count = 0
    /// The version of the last entry appended.
    private(set) var last: Int64?
    /// Whether rows beyond the page's limit exist.
    private(set) var sawMore = false
    private let unpacker: LogChangeUnpacker

    init() throws {
        unpacker = try LogChangeUnpacker()
        body.reserveCapacity(4096)
    }

    /// Appends the rows (version, change, displaced) of `sql` up to `limit` entries; one row
    /// more means more follow. Rows are read as they come: a page never holds its rows twice.
    mutating func append(_ conn: any SQLConnection, _ sql: String, _ arguments: [SQLValue], limit: Int) throws {
        try conn.forEachRow(sql, arguments) { row in
            if count == limit {
                sawMore = true
                return false
            }
            let version = try row.read(at: 0, table: "log", as: Int64.self)
            if count > 0 { body.append(UInt8(ascii: ",")) }
            body += Array(#"{"change":"#.utf8)
            try unpacker.unpack(try row.read(at: 1, table: "log", as: Data.self), into: &body)
            body += Array(#","displaced":"#.utf8)
            body.append(contentsOf: try row.read(at: 2, table: "log", as: String.self).utf8)
            body += Array(#","version":\#(version)}"#.utf8)
            count += 1
            last = version
            return true
        }
    }

    func finish(nextCursor: Int64, hasMore: Bool, head: Int64) -> [UInt8] {
        body
            + Array(
                #"],"has_more":\#(hasMore),"head_version":\#(head),"next_cursor":\#(nextCursor),"#.utf8)
            + Array(#""protocol_version":\#(ProtocolVersion.current)}"#.utf8)
    }
}
