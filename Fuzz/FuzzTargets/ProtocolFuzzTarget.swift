import OrderDomain
import SyncCore

/// Every message a peer can send, decoded from the same bytes: each decoder either throws
/// `SyncDecodingError` or yields a message that re-encodes canonically and decodes back to
/// itself. Decoded changes then go through the validator and the permission matrix against an
/// empty and a small replica, as central and the node would judge them.
enum ProtocolFuzzTarget {
    static func run(_ bytes: [UInt8]) throws(FuzzFailure) -> String {
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch {
            return "not JSON: \(error)"
        }
        let canonical = value.canonicalBytes
        guard let reparsed = try? JSONValue.parse(canonical) else {
            throw FuzzFailure(
                .protocol,
                "canonical bytes of a parsed value do not parse: \(String(decoding: canonical, as: UTF8.self))")
        }
        guard reparsed == value, reparsed.canonicalBytes == canonical else {
            throw FuzzFailure(
                .protocol, "JSON canonical round trip changed the value: \(String(decoding: canonical, as: UTF8.self))")
        }

        var decoded: [String] = []
        var changes: [Change] = []
        if let push = try roundTrip(PushRequest.self, value) {
            decoded.append("PushRequest")
            changes += push.changes
        }
        if try roundTrip(PushResponse.self, value) != nil { decoded.append("PushResponse") }
        if let pull = try roundTrip(PullResponse.self, value) {
            decoded.append("PullResponse")
            changes += pull.entries.map(\.change)
        }
        if try roundTrip(SnapshotPage.self, value) != nil { decoded.append("SnapshotPage") }
        if try roundTrip(ErrorResponse.self, value) != nil { decoded.append("ErrorResponse") }
        if try roundTrip(StreamEvent.self, value) != nil { decoded.append("StreamEvent") }
        if try roundTrip(HealthResponse.self, value) != nil { decoded.append("HealthResponse") }
        if try roundTrip(AccountsResponse.self, value) != nil { decoded.append("AccountsResponse") }
        if try roundTrip(AuditUploadRequest.self, value) != nil { decoded.append("AuditUploadRequest") }
        if try roundTrip(AuditUploadResponse.self, value) != nil { decoded.append("AuditUploadResponse") }
        if try roundTrip(ChecksumsResponse.self, value) != nil { decoded.append("ChecksumsResponse") }
        if try roundTrip(BucketResponse.self, value) != nil { decoded.append("BucketResponse") }
        if let change = try roundTrip(Change.self, value) {
            decoded.append("Change")
            changes.append(change)
        }
        for change in changes { try judge(change) }
        return decoded.isEmpty ? "JSON, no message" : decoded.joined(separator: ", ") + " (\(changes.count) changes)"
    }

    /// nil when `value` is not a `Message`; the message when it survives encode → decode.
    private static func roundTrip<Message: WireCodable & Equatable>(_ type: Message.Type, _ value: JSONValue)
        throws(FuzzFailure) -> Message?
    {
        // Typed throws: the decoder can throw nothing but SyncDecodingError.
        guard let message = try? Message(wire: value, path: "") else { return nil }
        let encoded = message.encoded()
        let again: Message
        do {
            again = try Message.decode(encoded)
        } catch {
            throw FuzzFailure(
                .protocol, "\(type) re-encoded as \(String(decoding: encoded, as: UTF8.self)) does not decode: \(error)"
            )
        }
        guard again == message else {
            throw FuzzFailure(
                .protocol, "\(type) changed in an encode/decode round trip: \(String(decoding: encoded, as: UTF8.self))"
            )
        }
        guard again.encoded() == encoded else {
            throw FuzzFailure(
                .protocol, "\(type) encoding is not canonical: \(String(decoding: encoded, as: UTF8.self))")
        }
        return message
    }

    /// The validator and the matrix answer for any change (accept, or reject with a reason), and
    /// the matrix keeps the promises of PERMISSIONS.md: a valid change needs a permission, a
    /// viewer may make none, and a role may do everything the roles below it may.
    private static func judge(_ change: Change) throws(FuzzFailure) {
        for replica in [emptyReplica, smallReplica] {
            let isValid = (try? ChangeValidator.validate(change, against: replica)) != nil
            let rowExists = replica.row(change.entity, change.rowID) != nil
            if isValid, PermissionMatrix.requirements(for: change, rowExists: rowExists).isEmpty {
                throw FuzzFailure(.protocol, "a valid change needs no permission: \(change)")
            }
            var allowedBelow: StaffRole?
            for role in StaffRole.allCases.sorted() {
                let allowed = (try? PermissionMatrix.authorize(change, role: role, against: replica)) != nil
                if allowed, isValid, role == .viewer {
                    throw FuzzFailure(.protocol, "a viewer may make a change: \(change)")
                }
                if let lower = allowedBelow, !allowed {
                    throw FuzzFailure(
                        .protocol, "\(lower.rawValue) may make a change \(role.rawValue) may not: \(change)")
                }
                if allowed, allowedBelow == nil { allowedBelow = role }
            }
        }
    }

    static let emptyReplica = ReplicaModel()

    /// One order with one item, as taken on a workstation (protocol/vectors/push-request-create.json).
    static let smallReplica: ReplicaModel = {
        let push: PushRequest
        do {
            push = try PushRequest.decode(Array(smallReplicaPush.utf8))
        } catch {
            preconditionFailure("the fuzz target's built-in replica does not decode: \(error)")
        }
        var replica = ReplicaModel()
        for (index, change) in push.changes.enumerated() { _ = replica.merge(change, version: Int64(index + 1)) }
        return replica
    }()

    private static let smallReplicaPush = """
        {"changes":[
         {"author":"james@kct.example","base_version":0,"entity":"orders",\
         "fields":{"created_at":"2025-11-25T14:00:00.000Z","created_by":"james@kct.example","currency":"USD",\
         "customer_email":"ada@example.com","customer_name":"Ada Lovelace","needed_by":"2026-06-20",\
         "order_number":"S01-W2-0001","priority":"wedding_party",\
         "shipping_address":"{\\"city\\":\\"Kalamazoo\\",\\"line1\\":\\"1 Main St\\"}","shipping_amount":0,\
         "status":"pending_payment","tax_amount":8000},"hlc":115610694451200000,"node_id":"W2",\
         "op":"set_fields","order_id":"o-1001","row_id":"o-1001","sequence":1},
         {"author":"james@kct.example","base_version":0,"entity":"order_items","fields":{"color":"navy",\
         "custom_measurements":"{\\"chest\\":40,\\"waist\\":34}","line_number":1,"order_id":"o-1001",\
         "product_name":"Navy Suit","product_source":"custom","quantity":1,"size":"40R","unit_price":89900},\
         "hlc":115610694451200001,"node_id":"W2","op":"set_fields","order_id":"o-1001","row_id":"i-2001","sequence":2}
        ],"node_id":"W2","protocol_version":3}
        """
}
