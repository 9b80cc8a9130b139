import OrderDomain

/// The authoring rules a change must satisfy to be accepted: field whitelist and types,
/// permissions (central-only fields), required fields, existence of what it edits, and the
/// lifecycle relative to the status the move was made from. Central checks every pushed change
/// against its replica before merging; a node checks its own edits before queuing them, with
/// the same code. Merging never rejects: it only settles conflicts.
package enum ChangeValidator {
    /// The node id central authors its own changes with (payment and delivery facts). Reserved:
    /// `kct central add-node` must refuse it, and a push authenticated as it is refused.
    package static let centralNodeID = "central"

    /// Fields a `set_status` change carries.
    static let statusMoveFields: Set<String> = ["status", "from_status", "from_resume_status", "resume_status", "note"]
    static let noteLimit = 1000

    /// Checks `change` against `replica` (the state it will be merged into).
    package static func validate(_ change: Change, against replica: some ReplicaReading) throws(Rejection) {
        let entity = change.entity
        guard FieldCatalog.operations(of: entity).contains(change.operation) else {
            let allowed = FieldCatalog.operations(of: entity).map(\.rawValue).joined(separator: ", ")
            throw Rejection(
                .operationNotAllowed, "\(entity.rawValue) takes \(allowed), not \(change.operation.rawValue)")
        }
        if entity == .order, change.rowID != change.orderID {
            throw Rejection(
                .orderMismatch,
                "an order's row_id and order_id must be the same, got \(change.rowID) and \(change.orderID)")
        }
        let existing = replica.row(entity, change.rowID)
        if let existing, existing.orderID != change.orderID {
            throw Rejection(
                .orderMismatch,
                "\(entity.singular) \(change.rowID) belongs to order \(existing.orderID), not \(change.orderID)")
        }
        switch change.operation {
        case .setStatus:
            try validateStatusMove(change, replica: replica)
        case .delete:
            guard change.fields.isEmpty else { throw Rejection(.invalidValue, "a delete carries no fields") }
            guard existing != nil else {
                throw Rejection(.unknownRow, "there is no \(entity.singular) \(change.rowID) to delete")
            }
        case .append:
            if existing != nil {
                throw Rejection(
                    .duplicateRow,
                    "\(entity.singular) \(change.rowID) already exists; appended records are written once, under a "
                        + "new id"
                )
            }
            try validateFields(change, allowed: [.appendOnly, .lastWriterWins, .centralOnly])
            try requireCreationFields(change, classes: [.appendOnly])
            try requireOrder(change, replica: replica)
            if entity == .claim { try validateClaim(change, replica: replica) }
        case .setFields:
            try validateFields(change, allowed: [.lastWriterWins, .centralOnly], isCreation: existing == nil)
            guard !change.fields.isEmpty else { throw Rejection(.missingField, "set_fields needs at least one field") }
            if existing == nil {
                guard !FieldCatalog.isAppendCreated(entity) else {
                    throw Rejection(
                        .unknownRow, "there is no \(entity.singular) \(change.rowID); it must be appended first")
                }
                if entity != .order { try requireOrder(change, replica: replica) }
                do {
                    try requireCreationFields(change, classes: [.lastWriterWins])
                } catch {
                    throw Rejection(
                        .unknownRow,
                        "there is no \(entity.singular) \(change.rowID), and this change does not create one "
                            + "(\(error.message))"
                    )
                }
            }
        }
    }

    /// A claim is made by its claimer for themselves; a release names an existing claim of the
    /// same order and that claim's claimer (whose permission it needs follows from that).
    private static func validateClaim(_ change: Change, replica: some ReplicaReading) throws(Rejection) {
        let released = change.fields["released_claim_id"] ?? .null
        guard change.fields["claim_action"] == .text(ClaimEvent.Action.release.rawValue) else {
            guard change.fields["claimed_by"] == .text(change.author) else {
                throw Rejection(.invalidValue, "a claim is made by its claimer: claimed_by must be \(change.author)")
            }
            guard released == .null else {
                throw Rejection(.invalidValue, "released_claim_id belongs to a release, not to a claim")
            }
            if case .text(let name)? = change.fields["stage"], let stage = OrderStatus(rawValue: name) {
                do { try QueueClaim.checkClaimable(stage) } catch { throw Rejection(.invalidValue, error.description) }
            }
            return
        }
        guard case .text(let claimID) = released else {
            throw Rejection(.missingField, "a release requires released_claim_id, the claim it releases")
        }
        guard let claim = replica.row(.claim, claimID), !claim.isDeleted, claim.orderID == change.orderID,
            claim.fields["claim_action"]?.value == .text(ClaimEvent.Action.claim.rawValue)
        else {
            throw Rejection(.unknownRow, "there is no claim \(claimID) of order \(change.orderID) to release")
        }
        guard claim.fields["claimed_by"]?.value == change.fields["claimed_by"] else {
            throw Rejection(
                .invalidValue,
                "claimed_by must name the claimer of claim \(claimID), "
                    + (claim.fields["claimed_by"]?.value.displayText ?? "")
            )
        }
    }

    private static func requireOrder(_ change: Change, replica: some ReplicaReading) throws(Rejection) {
        guard replica.row(.order, change.orderID) != nil else {
            throw Rejection(.unknownRow, "there is no order \(change.orderID)")
        }
    }

    private static func requireCreationFields(_ change: Change, classes: Set<FieldClass>) throws(Rejection) {
        let missing = FieldCatalog.fields(of: change.entity)
            .filter { $0.requiredOnCreate && classes.contains($0.fieldClass) && change.fields[$0.name] == nil }
            .map(\.name)
        guard missing.isEmpty else {
            throw Rejection(
                .missingField, "creating a \(change.entity.singular) requires \(missing.joined(separator: ", "))")
        }
    }

    /// Each field is judged on its own, so their order decides only which rejection is reported
    /// (the first by name): valid changes, nearly all, are checked unsorted.
    private static func validateFields(_ change: Change, allowed: Set<FieldClass>, isCreation: Bool = false)
        throws(Rejection)
    {
        do {
            for (name, value) in change.fields {
                try validateField(name, value, of: change, allowed: allowed, isCreation: isCreation)
            }
        } catch {
            for (name, value) in change.fields.sorted(by: { $0.key < $1.key }) {
                try validateField(name, value, of: change, allowed: allowed, isCreation: isCreation)
            }
            throw error
        }
    }

    private static func validateField(
        _ name: String, _ value: FieldValue, of change: Change, allowed: Set<FieldClass>, isCreation: Bool
    ) throws(Rejection) {
        guard let spec = FieldCatalog.spec(change.entity, name) else {
            let known = FieldCatalog.fields(of: change.entity)
                .filter { [.lastWriterWins, .appendOnly].contains($0.fieldClass) }.map(\.name)
            throw Rejection(
                .unknownField,
                "\(change.entity.rawValue) has no synced field '\(name)'; editable fields: "
                    + "\(known.joined(separator: ", "))"
            )
        }
        switch spec.fieldClass {
        case .derived:
            throw Rejection(
                .derivedField, "\(name) is computed from other fields after every merge and cannot be set")
        case .statusMove
        where name == "status" && value == .text(StatusRegister.initialStatus.rawValue)
            && change.operation == .setFields && isCreation:
            // A new order may state its initial status; the register starts there anyway.
            return
        case .statusMove:
            throw Rejection(.immutableField, "\(name) changes only through set_status")
        case .rowIdentity:
            guard value == .text(change.orderID) else {
                throw Rejection(
                    .orderMismatch,
                    "order_id \(value.displayText) in the fields differs from the change's order \(change.orderID)")
            }
            return
        case .centralOnly where change.nodeID != centralNodeID:
            throw Rejection(
                .centralOnlyField,
                "\(name) is set by central only (payment and delivery facts); a workstation cannot change it")
        case .appendOnly where !allowed.contains(.appendOnly):
            throw Rejection(
                .immutableField, "\(name) is part of an append-only record and cannot change once written")
        default:
            break
        }
        try check(value, against: spec)
    }

    /// Checks one value against its field's type.
    package static func check(_ value: FieldValue, against spec: FieldSpec) throws(Rejection) {
        func invalid(_ expected: String) -> Rejection {
            Rejection(.invalidValue, "\(spec.name) must be \(expected), got \(value.displayText)")
        }
        if value == .null {
            guard spec.nullable else { throw invalid("set (it cannot be empty)") }
            return
        }
        switch spec.type {
        case .text(let maxLength):
            guard case .text(let text) = value else { throw invalid("text") }
            guard !text.isEmpty, text.count <= maxLength else { throw invalid("1 to \(maxLength) characters") }
        case .enumeration(let allowed):
            guard case .text(let text) = value, allowed.contains(text) else {
                throw invalid("one of \(allowed.joined(separator: ", "))")
            }
        case .jsonObject(let maxLength):
            guard case .text(let text) = value, text.utf8.count <= maxLength,
                case .object? = try? JSONValue.parse(text)
            else {
                throw invalid("a JSON object of at most \(maxLength) bytes, as a string")
            }
        case .date:
            guard case .text(let text) = value, isDate(text) else { throw invalid("a date YYYY-MM-DD") }
        case .timestamp:
            guard case .text(let text) = value, isTimestamp(text) else {
                throw invalid("a UTC timestamp YYYY-MM-DDTHH:MM:SS.sssZ")
            }
        case .integer(let range):
            guard case .integer(let number) = value else { throw invalid("an integer") }
            guard range.contains(number) else {
                throw invalid("between \(range.lowerBound) and \(range.upperBound)")
            }
        case .boolean:
            guard case .bool = value else { throw invalid("true or false") }
        }
    }

    /// `2026-11-25T14:15:00.123Z`: fixed width, so text order is time order. Read as UTF-8
    /// bytes: every position is an ASCII character, and a string of `Character`s cost a push
    /// ~2% of its CPU at central.
    private static func isTimestamp(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 24, bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"),
            bytes[16] == UInt8(ascii: ":"), bytes[19] == UInt8(ascii: "."), bytes[23] == UInt8(ascii: "Z"),
            isDate(bytes[0..<10]), [11, 12, 14, 15, 17, 18, 20, 21, 22].allSatisfy({ isDigit(bytes[$0]) })
        else { return false }
        return number(bytes[11..<13]) < 24 && number(bytes[14..<16]) < 60 && number(bytes[17..<19]) < 60
    }

    private static func isDate(_ text: String) -> Bool { isDate(Array(text.utf8)[...]) }

    /// `YYYY-MM-DD` with a month 1–12 and a day 1–31.
    private static func isDate(_ bytes: ArraySlice<UInt8>) -> Bool {
        let start = bytes.startIndex
        guard bytes.count == 10, bytes[start + 4] == UInt8(ascii: "-"), bytes[start + 7] == UInt8(ascii: "-"),
            [0, 1, 2, 3, 5, 6, 8, 9].allSatisfy({ isDigit(bytes[start + $0]) })
        else { return false }
        let month = number(bytes[(start + 5)..<(start + 7)]), day = number(bytes[(start + 8)..<(start + 10)])
        return (1...12).contains(month) && (1...31).contains(day)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    /// The decimal value of ASCII digits (checked by the caller).
    private static func number(_ digits: ArraySlice<UInt8>) -> Int {
        digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }

    private static func validateStatusMove(_ change: Change, replica: some ReplicaReading) throws(Rejection) {
        if let extra = change.fields.keys.sorted().first(where: { !statusMoveFields.contains($0) }) {
            throw Rejection(
                .unknownField,
                "set_status carries status, from_status, from_resume_status, resume_status and note, not '\(extra)'")
        }
        func status(_ name: String, required: Bool) throws(Rejection) -> OrderStatus? {
            switch change.fields[name] {
            case nil, .null?:
                if required { throw Rejection(.missingField, "set_status requires \(name)") }
                return nil
            case .text(let text)?:
                guard let status = OrderStatus(rawValue: text) else {
                    throw Rejection(
                        .invalidValue,
                        "\(name) '\(text)' is not a status; statuses: "
                            + "\(OrderStatus.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                return status
            case let other?:
                throw Rejection(.invalidValue, "\(name) must be a status name, got \(other.displayText)")
            }
        }
        let to = try status("status", required: true)!
        let from = try status("from_status", required: true)!
        let resume = try status("from_resume_status", required: false)
        // The resume status after the move, as the author's replica computed it: checked, but
        // the register recomputes it from the replay.
        _ = try status("resume_status", required: false)
        switch change.fields["note"] {
        case nil, .null?: break
        case .text(let text)? where text.count <= noteLimit: break
        default: throw Rejection(.invalidValue, "note must be text of at most \(noteLimit) characters")
        }
        guard replica.row(.order, change.orderID) != nil else {
            throw Rejection(.unknownRow, "there is no order \(change.orderID)")
        }
        do {
            try OrderLifecycle.validate(from: from, to: to, resumeStatus: resume)
        } catch {
            throw Rejection(.illegalTransition, error.description)
        }
    }
}
