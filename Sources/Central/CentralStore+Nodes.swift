import Foundation
import OrderDomain
import StaffAuth
import StorageSupport
import SyncCore
import Synchronization

/// A registered workstation as central records it.
package struct NodeRecord: Hashable, Sendable {
    package var name: String
    package var shop: String
    /// Bound by the node's first push; nil until then.
    package var nodeID: String?
    package var createdAt: String
    package var boundAt: String?
    package var revokedAt: String?
    package var lastSettledSequence: Int64
    /// What its token may read: its shop's orders, or every shop's (it changes only its shop's).
    package var scope: NodeScope = .shop

    package var isRevoked: Bool { revokedAt != nil }
}

/// What `addNode` returns: the registration and its bearer token, shown once and never stored.
package struct NodeRegistration: Sendable {
    package var node: NodeRecord
    package var token: String
}

/// Bearer tokens of nodes: `kct_` and 32 random bytes in unpadded base64url (StaffAuth's
/// `SecretToken`); central keeps only the SHA-256 and compares it in constant time.
package enum NodeToken {
    package static let prefix = "kct_"

    package static func generate() -> String { SecretToken.generate(prefix: prefix) }
}

/// Requests refused for their bearer token, counted by reason (the token itself is never kept
/// or logged). Shown on `/metrics`.
package final class RefusedTokenCounts: Sendable {
    package enum Reason: String, CaseIterable, Sendable {
        case missing
        case unknown
        case revoked
    }

    private let missing = Atomic<Int>(0)
    private let unknown = Atomic<Int>(0)
    private let revoked = Atomic<Int>(0)

    func count(_ reason: Reason) {
        switch reason {
        case .missing: missing.add(1, ordering: .relaxed)
        case .unknown: unknown.add(1, ordering: .relaxed)
        case .revoked: revoked.add(1, ordering: .relaxed)
        }
    }

    package subscript(_ reason: Reason) -> Int {
        switch reason {
        case .missing: missing.load(ordering: .relaxed)
        case .unknown: unknown.load(ordering: .relaxed)
        case .revoked: revoked.load(ordering: .relaxed)
        }
    }
}

extension CentralStore {
    /// Registers a workstation and returns its token (the only time it exists in clear).
    /// Names follow `kct init --name` (1 to 5 letters or digits); `central` is reserved.
    /// `scope` `.all` makes an admin workstation that reads every shop's orders.
    package func addNode(name: String, shop: String, scope: NodeScope = .shop) throws(CentralError)
        -> NodeRegistration
    {
        if name.lowercased() == ChangeValidator.centralNodeID {
            throw .invalidNodeName("the name '\(name)' is reserved for central's own changes")
        }
        do {
            _ = try OrderNumberPrefix(shopCode: shop, workstationCode: name)
        } catch {
            throw .invalidNodeName("\(error)")
        }
        let token = NodeToken.generate()
        let node = NodeRecord(
            name: name, shop: shop, nodeID: nil, createdAt: Timestamp.format(millis: wallClockMillis()), boundAt: nil,
            revokedAt: nil, lastSettledSequence: 0, scope: scope)
        do {
            try database.write { conn in
                // Names are unique without case, as SQLite's NOCASE compared them (ASCII).
                if try conn.fetchOne("SELECT 1 FROM nodes WHERE lower(name) = lower(?)", [.text(name)]) != nil {
                    throw CentralError.duplicateNode(name: name)
                }
                try conn.execute(
                    "INSERT INTO nodes (name, shop, token_hash, created_at, scope) VALUES (?, ?, ?, ?, ?)",
                    name, shop, Data(SecretToken.hash(token)), node.createdAt, scope.rawValue)
                try Self.appendAudit(
                    conn,
                    AuditEntry(
                        receivedAt: node.createdAt, kind: .nodeAdded, nodeName: name,
                        detail: "shop \(shop)" + (scope == .all ? ", scope all" : ""))
                )
            }
        } catch {
            throw CentralError.wrap(error)
        }
        return NodeRegistration(node: node, token: token)
    }

    /// Revokes a node's token: its requests get 401 from now on. Its settled changes stay.
    @discardableResult
    package func revokeNode(name: String) throws(CentralError) -> NodeRecord {
        let now = Timestamp.format(millis: wallClockMillis())
        do {
            return try database.write { conn in
                let byName = "WHERE lower(name) = lower(?)"
                let before = try Self.fetchNodes(conn, sql: byName, [.text(name)]).first
                try conn.execute(
                    "UPDATE nodes SET revoked_at = coalesce(revoked_at, ?) WHERE lower(name) = lower(?)", now, name)
                guard let revoked = try Self.fetchNodes(conn, sql: byName, [.text(name)]).first else {
                    throw CentralError.unknownNode(name: name)
                }
                if before?.revokedAt == nil {
                    try Self.appendAudit(
                        conn,
                        AuditEntry(
                            receivedAt: now, kind: .nodeRevoked, nodeName: revoked.name, detail: "shop \(revoked.shop)")
                    )
                }
                return revoked
            }
        } catch {
            throw CentralError.wrap(error)
        }
    }

    /// Every registered node, by name.
    package func nodes() throws(CentralError) -> [NodeRecord] {
        do {
            return try database.read { conn in try Self.fetchNodes(conn, sql: "ORDER BY name") }
        } catch {
            throw CentralError.wrap(error)
        }
    }

    static func fetchNodes(_ conn: any SQLConnection, sql: String, _ arguments: [SQLValue] = []) throws
        -> [NodeRecord]
    {
        try conn.fetchAll(
            "SELECT name, shop, node_id, created_at, bound_at, revoked_at, last_settled_sequence, scope FROM nodes "
                + sql,
            arguments
        ).map(nodeRecord)
    }

    static func nodeRecord(_ row: SQLRow) throws -> NodeRecord {
        let table = "nodes"
        return NodeRecord(
            name: try row.read("name", table: table), shop: try row.read("shop", table: table),
            nodeID: try row.read("node_id", table: table), createdAt: try row.read("created_at", table: table),
            boundAt: try row.read("bound_at", table: table), revokedAt: try row.read("revoked_at", table: table),
            lastSettledSequence: try row.read("last_settled_sequence", table: table),
            scope: try row.read("scope", table: table, as: NodeScope.self))
    }

    /// The node a bearer token belongs to: every registration's hash is compared in constant
    /// time (no early exit, no index lookup by the secret). Unknown or revoked: 401.
    func authenticate(_ conn: any SQLConnection, tokenHash: [UInt8]) throws -> NodeRecord {
        var match: NodeRecord?
        try conn.forEachRow(
            """
            SELECT name, shop, node_id, created_at, bound_at, revoked_at, last_settled_sequence, scope, token_hash
            FROM nodes
            """, []
        ) { row in
            let stored = try row.read("token_hash", table: "nodes", as: Data.self)
            if ConstantTime.equal(stored, tokenHash) { match = try Self.nodeRecord(row) }
            return true
        }
        guard let match else {
            refusedTokens.count(.unknown)
            throw ErrorResponse(
                code: .unauthorized,
                message: "unknown bearer token; ask the central operator for a token (`kct central add-node`)")
        }
        guard !match.isRevoked else {
            refusedTokens.count(.revoked)
            throw ErrorResponse(code: .unauthorized, message: "the token of node \(match.name) was revoked")
        }
        return match
    }

    /// Checks a bearer token (nil: none given) for the read endpoints.
    package func authenticate(token: String?) throws(ErrorResponse) -> NodeRecord {
        let hash = try tokenHash(token)
        do {
            return try database.read { conn in try authenticate(conn, tokenHash: hash) }
        } catch {
            throw ErrorResponse.wrapping(error)
        }
    }

    /// The SHA-256 of a presented bearer token; none at all is refused (and counted) at once.
    func tokenHash(_ token: String?) throws(ErrorResponse) -> [UInt8] {
        guard let token, !token.isEmpty else {
            refusedTokens.count(.missing)
            throw ErrorResponse(code: .unauthorized, message: "this endpoint needs Authorization: Bearer TOKEN")
        }
        return SecretToken.hash(token)
    }

    /// Binds a registration to the node id of its first push or upload, audited.
    static func bind(_ conn: any SQLConnection, node: NodeRecord, nodeID: String, at now: String) throws {
        try conn.execute("UPDATE nodes SET node_id = ?, bound_at = ? WHERE name = ?", nodeID, now, node.name)
        try appendAudit(
            conn, AuditEntry(receivedAt: now, kind: .tokenBound, nodeName: node.name, detail: "node id \(nodeID)"))
    }
}
