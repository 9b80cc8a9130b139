import OrderDomain

/// The rule by which a change lost. Stable codes, shown to staff with the message.
package enum ConflictRule: String, CaseIterable, Sendable {
    /// Another edit of the same field has a later stamp (last writer wins).
    case newerValue = "newer_value"
    /// The row was deleted; a deleted row takes no edits.
    case rowDeleted = "row_deleted"
    /// The order was already in a terminal status at this move's point in time.
    case orderClosed = "order_closed"
    /// The move is not allowed from the status the order had at this move's point in time.
    case statusNotAllowed = "status_not_allowed"
    /// Two appends used one row id; the earlier-stamped record is kept.
    case appendCollision = "append_collision"
    /// Another claim of the order in the same stage has an earlier stamp (`ClaimRule`); found by
    /// the claimer's node when it merges, never sent by central.
    case claimTaken = "claim_taken"
}

/// A change, or one field of it, that lost to another: what it wanted, what won, by which rule.
/// Sent back in push outcomes (for the pushing node's own changes) and with log entries (for
/// earlier winners that a later, concurrent change displaced). The node adds who, when and
/// which workstation from its own copy of the losing change.
package struct Conflict: Hashable, Sendable {
    package var loser: ChangeRef
    package var entity: EntityKind
    package var rowID: String
    package var orderID: String
    /// The field that lost (`status` for a status move, nil for a whole append record).
    package var field: String?
    package var wanted: FieldValue
    /// The value in effect and the change that wrote it; nil when nothing wrote it (an order's
    /// initial status).
    package var winner: StampedValue?
    package var rule: ConflictRule
    /// One sentence for a person.
    package var message: String

    package init(
        loser: ChangeRef, entity: EntityKind, rowID: String, orderID: String, field: String?, wanted: FieldValue,
        winner: StampedValue?, rule: ConflictRule, message: String
    ) {
        self.loser = loser
        self.entity = entity
        self.rowID = rowID
        self.orderID = orderID
        self.field = field
        self.wanted = wanted
        self.winner = winner
        self.rule = rule
        self.message = message
    }
}

/// Human-readable times for messages.
extension HLC {
    /// `2026-11-25 14:05:03.120 UTC` from the wall-clock part.
    package var utcText: String { Timestamp.readable(millis: millis) }
}

extension FieldValue {
    /// The value as a person reads it in a message.
    package var displayText: String {
        switch self {
        case .null: "(empty)"
        case .bool(let flag): flag ? "yes" : "no"
        case .integer(let number): String(number)
        case .real(let number): "\(number)"
        case .text(let text): "'\(text.count > 60 ? text.prefix(57) + "..." : text)'"
        }
    }
}
