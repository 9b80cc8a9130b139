import OrderDomain

/// Which permissions a change needs, and whether a role has them. Used by the node before it
/// queues an edit and by central before it merges a pushed one, with the author's role as each
/// knows it; protocol/PERMISSIONS.md is this file in words.
package enum PermissionMatrix {
    /// One permission a change needs, and the part of the change that needs it.
    package struct Requirement: Hashable, Sendable {
        package var permission: Permission
        /// "tax_amount", "status cancelled", "a new order".
        package var because: String

        package init(_ permission: Permission, because: String) {
            self.permission = permission
            self.because = because
        }
    }

    /// Statuses left back to where the order was (see ORDER-LIFECYCLE.md).
    static let holdingStatuses: Set<OrderStatus> = [.onHold, .exception]
    static let orderPriceFields: Set<String> = ["tax_amount", "shipping_amount", "currency"]
    static let exceptionResolutionFields: Set<String> = ["resolved_at", "resolved_by", "resolution_notes"]

    /// The permissions `change` needs. `rowExists` says whether its row is already in the
    /// replica it is judged against: setting the first prices is part of taking an order or
    /// adding an item; changing them afterwards is a price change.
    package static func requirements(for change: Change, rowExists: Bool) -> [Requirement] {
        switch (change.entity, change.operation) {
        case (.order, .setFields):
            guard rowExists else { return [Requirement(.createOrders, because: "a new order")] }
            return change.fields.keys.sorted().map { field in
                if field == "priority" { return Requirement(.changePriority, because: field) }
                if orderPriceFields.contains(field) { return Requirement(.changePrices, because: field) }
                return Requirement(.editOrderDetails, because: field)
            }.uniqued()
        case (.order, .setStatus):
            return [statusRequirement(to: change.fields["status"], from: change.fields["from_status"])]
        case (.order, _):
            return [Requirement(.deleteOrders, because: "deleting an order")]
        case (.orderItem, .setFields):
            guard rowExists else { return [Requirement(.editItems, because: "a new item")] }
            return change.fields.keys.sorted().map { field in
                field == "unit_price"
                    ? Requirement(.changePrices, because: field)
                    : Requirement(.editItems, because: field)
            }.uniqued()
        case (.orderItem, _):
            return [Requirement(.editItems, because: "removing an item")]
        case (.statusHistory, _):
            return [statusRequirement(to: change.fields["to_status"], from: change.fields["from_status"])]
        case (.exception, .setFields):
            let resolves = change.fields.contains { name, value in
                if name == "resolution_status", case .text(let state) = value {
                    return state == "resolved" || state == "dismissed"
                }
                return exceptionResolutionFields.contains(name) && value != .null
            }
            return resolves
                ? [Requirement(.resolveExceptions, because: "resolving an exception")]
                : [Requirement(.openExceptions, because: "updating an exception")]
        case (.exception, _):
            return [Requirement(.openExceptions, because: "opening an exception")]
        case (.communicationLog, _):
            return [Requirement(.logCommunications, because: "a communication log entry")]
        case (.claim, _):
            guard change.fields["claim_action"] == .text(ClaimEvent.Action.release.rawValue) else {
                return [Requirement(.claimOrders, because: "claiming an order")]
            }
            if case .text(let claimer)? = change.fields["claimed_by"], claimer != change.author {
                return [Requirement(.releaseOthersClaims, because: "releasing \(claimer)'s claim")]
            }
            return [Requirement(.claimOrders, because: "releasing a claim")]
        case (.integrationRequest, _):
            return [integrationRequirement(change.fields["request_kind"])]
        }
    }

    /// A status move's permission follows its target; a resume from on hold or exception back
    /// to where the order was is a production move whatever that status is.
    static func statusRequirement(to target: FieldValue?, from source: FieldValue?) -> Requirement {
        guard case .text(let targetText)? = target, let to = OrderStatus(rawValue: targetText) else {
            return Requirement(.moveProductionStatus, because: "a status move")
        }
        var from: OrderStatus?
        if case .text(let sourceText)? = source { from = OrderStatus(rawValue: sourceText) }
        let because = "status \(to.rawValue)"
        switch to {
        case .cancelled: return Requirement(.cancelOrders, because: because)
        case .refunded: return Requirement(.refundOrders, because: because)
        case .paymentConfirmed where !(from.map(holdingStatuses.contains) ?? false):
            return Requirement(.confirmPayment, because: because)
        default: return Requirement(.moveProductionStatus, because: because)
        }
    }

    /// The statuses an order in `status` may move to next that `role` may also make: the
    /// lifecycle's moves filtered by the permission each needs (what a screen offers as buttons).
    package static func allowedMoves(from status: OrderStatus, resumeStatus: OrderStatus?, role: StaffRole)
        -> [OrderStatus]
    {
        OrderLifecycle.allowedTransitions(from: status, resumeStatus: resumeStatus).filter { target in
            role.has(statusRequirement(to: .text(target.rawValue), from: .text(status.rawValue)).permission)
        }
    }

    /// Asking for a payment is part of taking an order; shipping is fulfilment; an e-mail is a
    /// customer communication.
    static func integrationRequirement(_ kind: FieldValue?) -> Requirement {
        guard case .text(let text)? = kind, let kind = IntegrationRequestKind(rawValue: text) else {
            return Requirement(.createOrders, because: "an integration request")
        }
        switch kind {
        case .payment: return Requirement(.createOrders, because: "a payment request")
        case .shippingRates, .shippingLabel: return Requirement(.moveProductionStatus, because: "a shipping request")
        case .email: return Requirement(.logCommunications, because: "an e-mail request")
        }
    }

    /// The first requirement `role` does not meet, if any.
    package static func firstUnmet(_ change: Change, role: StaffRole, rowExists: Bool) -> Requirement? {
        requirements(for: change, rowExists: rowExists).first { !role.has($0.permission) }
    }

    /// Refuses `change` when `role` lacks a permission it needs, with a `forbidden` rejection
    /// naming the role, what it may not do and which roles may.
    package static func authorize(_ change: Change, role: StaffRole, rowExists: Bool) throws(Rejection) {
        guard let unmet = firstUnmet(change, role: role, rowExists: rowExists) else { return }
        throw refusal(author: change.author, role: role, unmet: unmet)
    }

    /// `authorize` against the replica the change will be merged into.
    package static func authorize(_ change: Change, role: StaffRole, against replica: some ReplicaReading)
        throws(Rejection)
    {
        try authorize(change, role: role, rowExists: replica.row(change.entity, change.rowID) != nil)
    }

    /// Refuses an action that is not a change (conflict resolution, account and node
    /// management) when `role` lacks `permission`.
    package static func require(_ permission: Permission, role: StaffRole, person: String) throws(Rejection) {
        guard !role.has(permission) else { return }
        throw refusal(author: person, role: role, unmet: Requirement(permission, because: permission.phrase))
    }

    static func refusal(author: String, role: StaffRole, unmet: Requirement) -> Rejection {
        let allowed = StaffRole.allCases.filter { $0.has(unmet.permission) }.map { $0.rawValue + "s" }
        let who = allowed.count == 1 ? allowed[0] : allowed.dropLast().joined(separator: ", ") + " and " + allowed.last!
        let detail = unmet.because == unmet.permission.phrase ? "" : " (\(unmet.because))"
        return Rejection(
            .forbidden,
            "\(author) is \(role.withArticle) and may not \(unmet.permission.phrase)\(detail); only \(who) may")
    }
}

extension Array where Element == PermissionMatrix.Requirement {
    /// One requirement per permission, the first reason kept.
    func uniqued() -> [Element] {
        var seen = Set<Permission>()
        return filter { seen.insert($0.permission).inserted }
    }
}
