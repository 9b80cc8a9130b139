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
    package var utcText: String {
        let millis = Int64(self.millis)
        let days = millis / 86_400_000
        let dayMillis = millis % 86_400_000
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return
            "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2)) \(pad(dayMillis / 3_600_000, 2)):\(pad(dayMillis / 60_000 % 60, 2)):\(pad(dayMillis / 1000 % 60, 2)).\(pad(dayMillis % 1000, 3)) UTC"
    }
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
