/// One thing a member of staff may be allowed to do. The matrix below is the only place that
/// says which role may do what; node and central both ask it (protocol/PERMISSIONS.md is the
/// same table in words, and a test checks the two agree).
package enum Permission: String, CaseIterable, Sendable {
    /// See orders, the queue, stats, conflicts and the outbox.
    case readOrders = "read_orders"
    /// Take a new order (including the first prices of its items, tax and shipping).
    case createOrders = "create_orders"
    /// Customer name, e-mail, phone, addresses, notes and the needed-by date of an order.
    case editOrderDetails = "edit_order_details"
    /// Add, change (name, size, colour, quantity, custom measurements) and remove items.
    case editItems = "edit_items"
    /// Move an order through production and fulfilment (processing … completed), put it on
    /// hold or into exception, and resume it from there.
    case moveProductionStatus = "move_production_status"
    /// Confirm payment by hand (pending_payment → payment_confirmed); Stripe does it at central.
    case confirmPayment = "confirm_payment"
    case cancelOrders = "cancel_orders"
    case refundOrders = "refund_orders"
    /// Change an order's priority once it exists.
    case changePriority = "change_priority"
    /// Change a price that is already set: an item's unit price, an order's tax, shipping or
    /// currency.
    case changePrices = "change_prices"
    /// Delete an order outright (a tombstone).
    case deleteOrders = "delete_orders"
    /// Open an exception and update its investigation (not resolve it).
    case openExceptions = "open_exceptions"
    /// Record a customer communication (call, e-mail, note) on an order.
    case logCommunications = "log_communications"
    /// Resolve or dismiss an exception.
    case resolveExceptions = "resolve_exceptions"
    /// Claim an order from the queue ("I'm cutting this one") and release one's own claim.
    case claimOrders = "claim_orders"
    /// Release a claim someone else holds.
    case releaseOthersClaims = "release_others_claims"
    /// Reapply or dismiss one's own conflicts.
    case resolveOwnConflicts = "resolve_own_conflicts"
    /// Reapply or dismiss conflicts of other people.
    case resolveOthersConflicts = "resolve_others_conflicts"
    /// Create accounts, change roles, disable accounts.
    case manageAccounts = "manage_accounts"
    /// Register and revoke workstations (node tokens).
    case manageNodes = "manage_nodes"

    /// The least role that has this permission.
    package var minimumRole: StaffRole {
        switch self {
        case .readOrders:
            .viewer
        case .createOrders, .editOrderDetails, .editItems, .moveProductionStatus, .openExceptions,
            .logCommunications, .resolveOwnConflicts, .claimOrders:
            .processor
        case .confirmPayment, .cancelOrders, .refundOrders, .changePriority, .changePrices,
            .deleteOrders, .resolveExceptions, .resolveOthersConflicts, .releaseOthersClaims:
            .manager
        case .manageAccounts, .manageNodes:
            .admin
        }
    }

    /// Words for a refusal: "change prices".
    package var phrase: String {
        switch self {
        case .readOrders: "read orders"
        case .createOrders: "create orders"
        case .editOrderDetails: "edit order details"
        case .editItems: "edit items"
        case .moveProductionStatus: "move orders through production and fulfilment"
        case .confirmPayment: "confirm payments"
        case .cancelOrders: "cancel orders"
        case .refundOrders: "refund orders"
        case .changePriority: "change priorities"
        case .changePrices: "change prices"
        case .deleteOrders: "delete orders"
        case .openExceptions: "open exceptions"
        case .logCommunications: "log customer communications"
        case .resolveExceptions: "resolve exceptions"
        case .claimOrders: "claim orders from the queue"
        case .releaseOthersClaims: "release other people's claims"
        case .resolveOwnConflicts: "resolve their own conflicts"
        case .resolveOthersConflicts: "resolve other people's conflicts"
        case .manageAccounts: "manage staff accounts"
        case .manageNodes: "manage workstations"
        }
    }
}

extension StaffRole {
    package func has(_ permission: Permission) -> Bool { self >= permission.minimumRole }

    /// Every permission of the role, in declaration order.
    package var permissions: [Permission] { Permission.allCases.filter(has) }
}
